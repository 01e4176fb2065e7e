package archlab.sandbox.worker;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.compile.Engines;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Diagnostic;
import archlab.sandbox.lang.StandardLibrary;
import archlab.sandbox.task.Task;
import archlab.sandbox.task.Tasks;
import archlab.sandbox.train.Failure;
import archlab.sandbox.train.ProgressListener;
import archlab.sandbox.train.TrainConfig;
import archlab.sandbox.train.TrainResult;
import archlab.sandbox.train.Trainer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The worker process: reads {@link EvaluationRequest}s, one JSON line each, from stdin, trains each
 * definition in this process and writes progress, evaluations and one result per request to stdout
 * (see {@link Protocol}). It exits at the end of stdin. {@link Sandbox} starts it; a Slurm job runs
 * the same class: {@code java -cp ... archlab.sandbox.worker.WorkerMain < request.jsonl}.
 *
 * <p>Stdout belongs to the protocol. The worker keeps a private handle on the real stdout and points
 * {@code System.out} at stderr, so whatever a library prints lands in the parent's stderr log.
 *
 * <p>The intra-op thread count is fixed per process: {@code -Dai.djl.pytorch.num_threads}, else
 * {@code OMP_NUM_THREADS}, else 1. A request that asks for another count still runs, with this one,
 * and its result records the count it ran with.
 *
 * <p>Exit statuses: 0 at the end of stdin; 2 when the engine does not start; 3 after an
 * {@link OutOfMemoryError} (as {@code -XX:+ExitOnOutOfMemoryError}); 4 when the parent is gone.
 */
public final class WorkerMain {
    static final int EXIT_START_FAILED = 2;
    static final int EXIT_OOM = 3;
    static final int EXIT_ORPHANED = 4;
    /** At most five progress lines a second; the first and last step always go out. */
    private static final long PROGRESS_INTERVAL_NANOS = 200_000_000L;

    private final PrintStream out;
    private final int threads;

    private WorkerMain(PrintStream out, int threads) {
        this.out = out;
        this.threads = threads;
    }

    public static void main(String[] args) {
        PrintStream stdout = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        System.setOut(System.err);
        if (!"false".equals(System.getProperty("archlab.worker.watch_parent"))) {
            watchParent();
        }
        int threads = threadsSetting();
        try {
            Engine engine = Engines.pytorch(threads);
            warmUp(engine);
        } catch (Throwable t) {
            System.err.println("archlab worker: the PyTorch engine did not start");
            t.printStackTrace();
            System.exit(EXIT_START_FAILED);
        }
        WorkerMain worker = new WorkerMain(stdout, threads);
        double started = ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
        System.err.printf(Locale.ROOT, "archlab worker %d: PyTorch engine up with %d thread%s, %.2f s after JVM start%n",
                ProcessHandle.current().pid(), threads, threads == 1 ? "" : "s", started);
        worker.send(Protocol.ready(ProcessHandle.current().pid(), threads, started));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                Outcome outcome = worker.handle(line);
                worker.send(Protocol.result(outcome.result));
                if (outcome.exitAfter) {
                    System.err.println("archlab worker: exiting after running out of memory");
                    System.exit(EXIT_OOM);
                }
            }
        } catch (IOException e) {
            System.err.println("archlab worker: cannot read stdin: " + e);
        }
        System.exit(0);
    }

    private record Outcome(EvaluationResult result, boolean exitAfter) {
    }

    /** Runs one request line; never throws. */
    private Outcome handle(String line) {
        long start = System.nanoTime();
        String id = null;
        try {
            JsonNode node;
            try {
                node = Protocol.mapper().readTree(line);
            } catch (JsonProcessingException e) {
                return fail(null, EvaluationResult.INTERNAL, "request", "the request line is not JSON: "
                        + firstLine(e.getOriginalMessage()), null, start);
            }
            JsonNode idNode = node == null ? null : node.get("id");
            id = idNode != null && idNode.isTextual() ? idNode.asText() : null;
            EvaluationRequest request;
            try {
                completeConfig(node);
                request = Protocol.mapper().treeToValue(node, EvaluationRequest.class);
            } catch (JsonProcessingException | IllegalArgumentException e) {
                Throwable cause = e instanceof IllegalArgumentException ? e : rootCause(e);
                if (cause instanceof IllegalArgumentException) {
                    return fail(id, EvaluationResult.INVALID_CONFIG, "config", cause.getMessage(), null, start);
                }
                String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
                return fail(id, EvaluationResult.INTERNAL, "request", "malformed request: " + firstLine(why), null,
                        start);
            }
            if (request == null) {
                return fail(null, EvaluationResult.INTERNAL, "request", "the request line is JSON null", null, start);
            }
            return new Outcome(run(request, start), false);
        } catch (OutOfMemoryError e) {
            // Only reached without -XX:+ExitOnOutOfMemoryError (the sandbox sets it; a Slurm script may not).
            Failure f = new Failure(EvaluationResult.OOM, "the worker ran out of Java heap (" + e.getMessage()
                    + "; -Xmx " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB)", null, "train", null, null);
            return new Outcome(EvaluationResult.failed(id, f, seconds(start), 0), true);
        }
    }

    /**
     * Fills the fields a request's {@code config} leaves out with the {@link TrainConfig} defaults (for
     * its {@code steps}), so that a hand-written request may say only what it changes.
     */
    private static void completeConfig(JsonNode request) {
        JsonNode config = request == null ? null : request.get("config");
        if (config instanceof ObjectNode given && request instanceof ObjectNode r) {
            TrainConfig.Builder defaults = TrainConfig.builder();
            if (given.hasNonNull("steps") && given.get("steps").canConvertToInt()) {
                defaults.steps(given.get("steps").asInt());
            }
            ObjectNode full = Protocol.mapper().valueToTree(defaults.build());
            full.setAll(given);
            r.set("config", full);
        }
    }

    private EvaluationResult run(EvaluationRequest request, long start) {
        String id = request.id();
        TrainConfig config = request.config() != null ? request.config() : TrainConfig.builder().build();
        Limits limits = request.limits() != null ? request.limits() : Limits.UNSET;
        if (limits.maxSteps() > 0 && config.steps() > limits.maxSteps()) {
            return fail(id, EvaluationResult.INVALID_CONFIG, "config", "steps = " + config.steps()
                    + " is above the sandbox's limit max_steps = " + limits.maxSteps() + "; ask for at most "
                    + limits.maxSteps() + " steps", null, start).result.withContext(request.task(), config, threads,
                    null, null);
        }
        if (request.definition() == null) {
            return fail(id, EvaluationResult.INVALID_CONFIG, "request", "the request has no definition", null, start)
                    .result;
        }
        if (request.threads() > 0 && request.threads() != threads) {
            System.err.println("archlab worker: request " + id + " asks for " + request.threads()
                    + " threads; this worker runs with " + threads);
        }
        Task task;
        try {
            task = Tasks.create(request.task(), request.taskOptions());
        } catch (IllegalArgumentException e) {
            return fail(id, EvaluationResult.INVALID_CONFIG, "task", e.getMessage(), null, start).result
                    .withContext(request.task(), config, threads, null, null);
        }
        String file = request.file() != null ? request.file() : "<definition>";
        ModelDefinition definition;
        try {
            definition = ModelDefinition.parse(request.definition(), file, StandardLibrary.library(),
                    Map.of("vocab", task.vocab(), "seq_len", task.seqLen()));
        } catch (DefinitionException e) {
            Diagnostic first = e.first();
            Failure f = new Failure(EvaluationResult.INVALID_DEFINITION, e.getMessage(),
                    first.line() + ":" + first.col(), "check", null, null);
            return EvaluationResult.failed(id, f, seconds(start), 0)
                    .withContext(task.name(), config, threads, null, null);
        } catch (RuntimeException e) {
            return internal(id, "check", e, null, start).withContext(task.name(), config, threads, null, null);
        }
        System.err.printf(Locale.ROOT, "archlab worker %d: request %s: %s on %s, %d steps, batch %d, %,d parameters%n",
                ProcessHandle.current().pid(), id, definition.name(), task.name(), config.steps(), config.batchSize(),
                definition.parameterCount());
        send(Protocol.started(id, task.name(), task.primaryMetric(), definition.parameterCount(),
                definition.flopsPerToken()));
        Reporter reporter = new Reporter(id);
        try {
            TrainResult r = Trainer.train(definition, task, config, threads, reporter);
            return EvaluationResult.of(id, r);
        } catch (EngineException e) {
            if (isNativeOutOfMemory(e)) {
                Failure f = new Failure(EvaluationResult.OOM, "libtorch could not allocate memory: "
                        + firstLine(e.getMessage()) + "; make the model or the batch smaller", null, "train",
                        reporter.lastStep, null);
                return EvaluationResult.failed(id, f, seconds(start), 0).withContext(task.name(), config, threads,
                        definition.parameterCount(), definition.flopsPerToken());
            }
            return internal(id, "train", e, reporter.lastStep, start).withContext(task.name(), config, threads,
                    definition.parameterCount(), definition.flopsPerToken());
        } catch (RuntimeException | StackOverflowError e) {
            return internal(id, "train", e, reporter.lastStep, start).withContext(task.name(), config, threads,
                    definition.parameterCount(), definition.flopsPerToken());
        }
    }

    private static boolean isNativeOutOfMemory(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("can't allocate memory") || m.contains("cannot allocate memory")
                    || m.contains("not enough memory") || m.contains("bad_alloc")) {
                return true;
            }
        }
        return false;
    }

    private Outcome fail(String id, String kind, String stage, String message, Integer step, long start) {
        Failure f = new Failure(kind, message, null, stage, step, null);
        return new Outcome(EvaluationResult.failed(id, f, seconds(start), 0), false);
    }

    /** A bug in archlab (or a mismatch between the checker and the engine): the stack trace goes to stderr. */
    private static EvaluationResult internal(String id, String stage, Throwable e, Integer step, long start) {
        System.err.println("archlab worker: internal error in request " + id + " (" + stage + ")");
        e.printStackTrace();
        String where = Arrays.stream(e.getStackTrace()).limit(3).map(StackTraceElement::toString)
                .collect(Collectors.joining(" < "));
        Failure f = new Failure(EvaluationResult.INTERNAL, e.getClass().getName() + ": " + firstLine(e.getMessage())
                + (where.isEmpty() ? "" : " at " + where), null, stage, step, null);
        return EvaluationResult.failed(id, f, seconds(start), 0);
    }

    /** Sends progress lines, throttled, and every evaluation. */
    private final class Reporter implements ProgressListener {
        private final String id;
        private long lastSent = Long.MIN_VALUE;
        /** The last step's progress line when the throttle held it back. */
        private String unsent;
        volatile Integer lastStep;

        Reporter(String id) {
            this.id = id;
        }

        @Override
        public void onStep(int step, int steps, double loss, double lr, double elapsedSeconds) {
            lastStep = step;
            unsent = null;
            long now = System.nanoTime();
            if (step <= 1 || step >= steps || lastSent == Long.MIN_VALUE || now - lastSent >= PROGRESS_INTERVAL_NANOS) {
                lastSent = now;
                send(Protocol.progress(id, step, steps, loss, lr, elapsedSeconds));
            } else {
                unsent = Protocol.progress(id, step, steps, loss, lr, elapsedSeconds);
            }
        }

        @Override
        public void onEval(int step, Map<String, Double> metrics) {
            // An evaluation's step always has its progress line before it, so a run killed later still has
            // the training loss beside each held-out evaluation in its partial curve.
            if (unsent != null) {
                send(unsent);
                unsent = null;
                lastSent = System.nanoTime();
            }
            send(Protocol.eval(id, step, metrics));
        }
    }

    /** Writes one protocol line. When stdout is broken the parent is gone, and so is the point of going on. */
    private void send(String line) {
        synchronized (out) {
            out.print(line);
            out.print('\n');
            out.flush();
            if (out.checkError()) {
                System.err.println("archlab worker: stdout is closed; exiting");
                Runtime.getRuntime().halt(EXIT_ORPHANED);
            }
        }
    }

    private static int threadsSetting() {
        for (String v : new String[] {System.getProperty("ai.djl.pytorch.num_threads"), System.getenv("OMP_NUM_THREADS")}) {
            if (v != null) {
                try {
                    int n = Integer.parseInt(v.trim());
                    if (n >= 1) {
                        return n;
                    }
                } catch (NumberFormatException ignored) {
                    // try the next setting
                }
            }
        }
        return 1;
    }

    /** One small op, so that libtorch's allocator and thread pool are up before the first request. */
    private static void warmUp(Engine engine) {
        try (NDManager m = engine.newBaseManager()) {
            NDArray a = m.ones(new Shape(8, 8));
            a.matMul(a).sum().getFloat();
        }
    }

    /**
     * Exits when the process that started this worker is gone (it was killed without a chance to kill
     * us), instead of training on for nobody. Checked once a second.
     */
    private static void watchParent() {
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        if (parent.isEmpty()) {
            return;
        }
        long parentPid = parent.get().pid();
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                Optional<ProcessHandle> now = ProcessHandle.current().parent();
                if (now.isEmpty() || now.get().pid() != parentPid || !now.get().isAlive()) {
                    System.err.println("archlab worker: parent process " + parentPid + " is gone; exiting");
                    Runtime.getRuntime().halt(EXIT_ORPHANED);
                }
            }
        }, "archlab-parent-watch");
        t.setDaemon(true);
        t.start();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
