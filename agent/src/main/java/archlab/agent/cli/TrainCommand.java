package archlab.agent.cli;

import archlab.sandbox.task.CharLm;
import archlab.sandbox.task.Tasks;
import archlab.sandbox.train.Failure;
import archlab.sandbox.train.ProgressListener;
import archlab.sandbox.train.TrainConfig;
import archlab.sandbox.worker.EvaluationRequest;
import archlab.sandbox.worker.EvaluationResult;
import archlab.sandbox.worker.Limits;
import archlab.sandbox.worker.Protocol;
import archlab.sandbox.worker.Sandbox;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code archlab train FILE --task NAME [...]}: trains one definition on one task in a sandbox worker
 * process and prints its metrics; the same path a campaign's evaluations take.
 */
@Command(
        name = "train",
        description = {
            "Train a model definition on a task in an isolated worker process and print its metrics.",
            "Progress goes to stderr; the result to stdout (one JSON object with --json).",
            "Tasks: mqar (associative recall), charlm (character LM on --text FILE), selective_copy.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:trained; the metrics are printed",
            "1:failed: invalid definition or config, diverged, out of memory, timeout, worker crash;"
                + " or a missing or unreadable file",
            "2:usage error",
            "70:internal error in archlab",
        })
final class TrainCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = Protocol.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "A model definition file (.arch).")
    Path file;

    @Option(names = "--task", required = true, paramLabel = "TASK",
            description = "The task: mqar, charlm or selective_copy (or a plugin task's name).")
    String task;

    // The defaults come from the tasks themselves (Main sets the property), so the help cannot drift from the code.
    @Option(names = "--steps", paramLabel = "N",
            description = "Training steps (default: the task's own: ${sys:archlab.task-steps:-see docs/tasks.md}).")
    Integer steps;

    @Option(names = "--seed", paramLabel = "S", description = "Seeds the weights and the data (default: 0).")
    Long seed;

    @Option(names = "--text", paramLabel = "PATH", description = "The UTF-8 text file for --task charlm.")
    Path text;

    @Option(names = "--batch-size", paramLabel = "B", description = "Sequences per step (default: 32).")
    Integer batchSize;

    @Option(names = "--lr", paramLabel = "X", description = "Peak learning rate (default: 3e-3).")
    Double learningRate;

    @Option(names = "--threads", paramLabel = "N",
            description = "Intra-op threads of the worker (default: the number of CPUs, at most 8).")
    Integer threads;

    @Option(names = "--option", paramLabel = "KEY=VALUE",
            description = "A task option, such as pairs=4 or seq_len=64; repeatable.")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--wall-s", paramLabel = "S",
            description = "Wall-clock limit in seconds, worker start included (default: 3600).")
    Double wallSeconds;

    @Option(names = "--rss-mb", paramLabel = "M",
            description = "Resident-memory limit of the worker in MB, heap and native (default: 4096).")
    Integer rssMb;

    @Option(names = "--heap-mb", paramLabel = "M", description = "Java heap of the worker in MB (default: 1024).")
    Integer heapMb;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
    boolean json;

    @Option(names = "--no-progress", description = "Do not draw the progress bar on stderr.")
    boolean noProgress;

    /** "mqar 4000, charlm 300, ...": each built-in task's default number of steps, for the help. */
    static String defaultSteps() {
        List<String> parts = new java.util.ArrayList<>();
        for (String name : Tasks.builtInNames()) {
            try {
                parts.add(name + " " + Tasks.create(name, java.util.Map.of()).defaultSteps());
            } catch (RuntimeException e) {
                // a task that needs options to exist has no default to show
            }
        }
        return String.join(", ", parts);
    }

    @Override
    public Integer call() throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String source = SourceFiles.read(file);
        Map<String, String> taskOptions = taskOptions();
        int threadCount = threads != null ? threads : Math.min(8, Runtime.getRuntime().availableProcessors());
        if (threadCount < 1) {
            throw new InvalidInputException("--threads must be at least 1, got " + threadCount);
        }

        EvaluationResult result;
        TrainConfig config = null;
        Limits limits = null;
        try {
            config = trainConfig(taskOptions);
            limits = new Limits(wallSeconds != null ? wallSeconds : 0, heapMb != null ? heapMb : 0,
                    rssMb != null ? rssMb : 0, 0);
        } catch (IllegalArgumentException e) {
            result = EvaluationResult.failed("train", new Failure(EvaluationResult.INVALID_CONFIG, e.getMessage(),
                    null, "config", null, null), 0, 0);
            return report(result, out, err);
        }

        EvaluationRequest request = new EvaluationRequest("train", source, file.toString(), task, taskOptions, config,
                limits, threadCount);
        Sandbox.Builder builder = Sandbox.builder().workers(1).threads(threadCount).maxRequestsPerWorker(1);
        String debug = System.getenv("ARCHLAB_DEBUG");
        if (debug != null && !debug.isEmpty()) {
            builder.stderrSink(line -> {
                err.println(line);
                err.flush();
            });
        }
        try (Sandbox sandbox = builder.build();
             Progress progress = noProgress ? null : new Progress(err, config.steps(), CampaignDisplay.stderrIsTerminal())) {
            result = sandbox.evaluate(request, progress != null ? progress : ProgressListener.NONE);
        }
        return report(result, out, err);
    }

    /** The task options: --option pairs, with --text as text=PATH (absolute, as the worker may resolve it elsewhere). */
    private Map<String, String> taskOptions() {
        Map<String, String> taskOptions = new LinkedHashMap<>(options);
        boolean charlm = CharLm.NAME.equals(task);
        if (text != null) {
            if (!charlm) {
                throw new InvalidInputException("--text is only for --task charlm, not " + task);
            }
            if (taskOptions.containsKey("text")) {
                throw new InvalidInputException("give the text file once: --text or --option text=, not both");
            }
            taskOptions.put("text", text.toString());
        }
        String path = taskOptions.get("text");
        if (charlm && (path == null || path.isBlank())) {
            throw new InvalidInputException("--task charlm needs --text PATH: a UTF-8 text file to model, "
                    + "such as --text data/tinyshakespeare.txt");
        }
        if (path != null && charlm) {
            Path p = Path.of(path);
            if (Files.isDirectory(p)) {
                throw new InvalidInputException(path + ": is a directory, not a text file");
            }
            if (!Files.isReadable(p)) {
                throw new InvalidInputException(path + (Files.exists(p) ? ": permission denied" : ": no such file"));
            }
            taskOptions.put("text", p.toAbsolutePath().normalize().toString());
        }
        return taskOptions;
    }

    private TrainConfig trainConfig(Map<String, String> taskOptions) {
        TrainConfig.Builder b = TrainConfig.builder();
        // Without --steps, the task says how long its default setting needs.
        b.steps(steps != null ? steps : Tasks.create(task, taskOptions).defaultSteps());
        if (seed != null) {
            b.seed(seed);
        }
        if (batchSize != null) {
            b.batchSize(batchSize);
        }
        if (learningRate != null) {
            b.learningRate(learningRate);
        }
        return b.build();
    }

    private int report(EvaluationResult r, PrintWriter out, PrintWriter err) throws JsonProcessingException {
        if (json) {
            out.println(JSON.writeValueAsString(toJson(r)));
        } else if (r.ok()) {
            out.println(summary(r));
        } else {
            err.println(failureText(r));
        }
        out.flush();
        err.flush();
        if (r.ok()) {
            return ExitCodes.OK;
        }
        return EvaluationResult.INTERNAL.equals(r.failureKind()) ? ExitCodes.INTERNAL : ExitCodes.INVALID_INPUT;
    }

    /** The result as one object whose main fields are always present (null when not measured). */
    ObjectNode toJson(EvaluationResult r) {
        ObjectNode all = JSON.valueToTree(r);
        ObjectNode node = JSON.createObjectNode();
        node.put("status", r.status());
        node.put("file", file.toString());
        node.put("task", r.task() != null ? r.task() : task);
        for (String key : List.of("primary_metric", "metrics", "best", "steps_done", "tokens_per_s", "peak_rss_mb",
                "wall_s", "params", "flops_per_token", "threads")) {
            node.set(key, all.has(key) ? all.get(key) : null);
        }
        if (r.failure() == null) {
            node.putNull("failure");
        } else {
            Failure f = r.failure();
            ObjectNode fn = node.putObject("failure");
            fn.put("kind", f.kind());
            fn.put("message", f.message());
            fn.put("node", f.node());
            fn.put("stage", f.stage());
            fn.put("step", f.step());
            fn.put("stderr_tail", f.stderrTail());
        }
        for (String key : List.of("config", "task_config", "worker", "curve")) {
            JsonNode v = all.get(key);
            node.set(key, v);
        }
        return node;
    }

    /**
     * {@code ok  tiny.arch  mqar  accuracy 0.9375  loss 0.2131} then a line of costs.
     */
    String summary(EvaluationResult r) {
        StringBuilder s = new StringBuilder("ok  ").append(file).append("  ").append(r.task());
        appendMetrics(s, r.metrics(), r.primaryMetric());
        if (r.best() != null && r.primaryMetric() != null && r.metrics() != null
                && !r.best().equals(r.metrics()) && r.best().get(r.primaryMetric()) != null) {
            s.append("  (best ").append(r.primaryMetric()).append(' ').append(num(r.best().get(r.primaryMetric())))
                    .append(')');
        }
        s.append(System.lineSeparator()).append("    ");
        s.append("params ").append(r.params() == null ? "?" : String.format(Locale.ROOT, "%,d", r.params()));
        s.append("  steps ").append(r.stepsDone());
        s.append("  tokens/s ").append(r.tokensPerSecond() == null ? "?" : CheckCommand.si(r.tokensPerSecond()));
        s.append("  peak RSS ").append(Math.round(r.peakRssMb())).append(" MB");
        s.append("  wall ").append(String.format(Locale.ROOT, "%.1f s", r.wallSeconds()));
        if (r.worker() != null && r.worker().startSeconds() > 0) {
            s.append(String.format(Locale.ROOT, " (+ %.1f s worker start)", r.worker().startSeconds()));
        }
        s.append("  threads ").append(r.threads());
        return s.toString();
    }

    private static void appendMetrics(StringBuilder s, Map<String, Double> metrics, String primary) {
        if (metrics == null) {
            return;
        }
        if (primary != null && metrics.containsKey(primary)) {
            s.append("  ").append(primary).append(' ').append(num(metrics.get(primary)));
        }
        metrics.forEach((k, v) -> {
            if (!k.equals(primary)) {
                s.append("  ").append(k).append(' ').append(num(v));
            }
        });
    }

    /** {@code failed  tiny.arch  diverged at step 3: ...}, and the worker's stderr tail for crashes. */
    String failureText(EvaluationResult r) {
        Failure f = r.failure();
        StringBuilder s = new StringBuilder("failed  ").append(file).append("  ").append(f.kind());
        if (f.step() != null) {
            s.append(" at step ").append(f.step());
        }
        if (f.node() != null && !EvaluationResult.INVALID_DEFINITION.equals(f.kind())) {
            s.append(" (").append(f.node()).append(')');
        }
        s.append(": ").append(f.message());
        if (EvaluationResult.CRASH.equals(f.kind()) && f.stderrTail() != null && !f.stderrTail().isBlank()) {
            s.append(System.lineSeparator()).append("  the worker's last stderr lines:");
            f.stderrTail().lines().forEach(l -> s.append(System.lineSeparator()).append("    ").append(l));
        }
        return s.toString();
    }

    private static String num(Double v) {
        if (v == null) {
            return "?";
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }

    /**
     * The progress bar (me.tongfei:progressbar), drawn on the command's stderr with a carriage return
     * per update: step/steps, elapsed / ETA, loss and learning rate. The ETA extrapolates the worker's
     * training time, so the worker's start-up does not skew it.
     */
    static final class Progress implements ProgressListener, AutoCloseable {
        private final ProgressBar bar;
        private volatile int step;
        private volatile int steps;
        private volatile double trainSeconds;

        Progress(PrintWriter err, int steps, boolean terminal) {
            this.steps = steps;
            this.bar = new ProgressBarBuilder()
                    .setTaskName("train")
                    .setInitialMax(steps)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(200)
                    .setEtaFunction(state -> eta())
                    .setConsumer(new Line(err, width(), terminal))
                    .build();
            bar.setExtraMessage("starting a worker");
        }

        private Optional<Duration> eta() {
            int done = step;
            if (done <= 0) {
                return Optional.empty();
            }
            double left = trainSeconds / done * Math.max(0, steps - done);
            return Optional.of(Duration.ofMillis(Math.round(left * 1000)));
        }

        @Override
        public void onStep(int step, int steps, double loss, double lr, double elapsedSeconds) {
            this.step = step;
            this.steps = steps;
            this.trainSeconds = elapsedSeconds;
            if (bar.getMax() != steps) {
                bar.maxHint(steps);
            }
            bar.stepTo(step);
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f  lr %.2e", loss, lr));
        }

        @Override
        public void close() {
            bar.close();
        }

        private static int width() {
            try {
                int columns = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "100").trim());
                return Math.max(40, columns - 1);
            } catch (NumberFormatException e) {
                return 99;
            }
        }
    }

    /**
     * Draws the bar on one line of a PrintWriter: a carriage return, the bar; a newline at the end. On
     * a stderr that is no terminal (a pipe, a log file) carriage returns are noise: only the last state
     * is printed, once, at the end.
     */
    private static final class Line implements ProgressBarConsumer {
        private final PrintWriter err;
        private final int width;
        private final boolean terminal;
        private volatile String last;

        Line(PrintWriter err, int width, boolean terminal) {
            this.err = err;
            this.width = width;
            this.terminal = terminal;
        }

        @Override
        public int getMaxRenderedLength() {
            return width;
        }

        @Override
        public void accept(String rendered) {
            String line = rendered.length() > width ? rendered.substring(0, width) : rendered;
            if (!terminal) {
                last = line;
                return;
            }
            err.print('\r');
            err.print(line);
            err.flush();
        }

        @Override
        public void clear() {
            if (terminal) {
                err.print('\r' + " ".repeat(width) + '\r');
                err.flush();
            }
        }

        @Override
        public void close() {
            if (!terminal && last != null) {
                err.print(last);
            }
            err.println();
            err.flush();
        }
    }
}
