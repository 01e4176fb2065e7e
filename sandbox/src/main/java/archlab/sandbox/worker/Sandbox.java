package archlab.sandbox.worker;

import archlab.sandbox.train.Failure;
import archlab.sandbox.train.ProgressListener;
import archlab.sandbox.train.TrainResult;
import archlab.sandbox.worker.WorkerProcess.KillReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Trains and scores definitions in worker JVMs ({@link WorkerMain}), so that nothing a definition
 * does (a native crash, a hang, a memory blow-up) can take the caller down. Every evaluation ends in
 * an {@link EvaluationResult}; a worker's death becomes a structured failure:
 * <ul>
 *   <li>past the wall-clock limit: the process tree is killed, {@code timeout};</li>
 *   <li>resident memory of the tree above {@code rss_mb} (polled every 100 ms): killed, {@code oom};</li>
 *   <li>the worker's Java heap exhausted ({@code -XX:+ExitOnOutOfMemoryError}): {@code oom};</li>
 *   <li>any other death (a signal, a JVM crash), or a line on stdout outside the protocol:
 *       {@code crash}, with the last 40 lines of the worker's stderr.</li>
 * </ul>
 *
 * <p>A warm pool keeps a worker after a result that left it healthy (ok, diverged, or an invalid
 * definition or config, which never reach the engine), and gives it the next request that needs the
 * same JVM (thread count and heap). A worker that was killed, crashed, ran out of memory or hit an
 * internal error is never reused. A cold start costs a JVM and the PyTorch engine, about 1-3 s;
 * a warm start costs nothing (see docs/sandbox.md for measurements).
 *
 * <p>{@link #evaluate} is thread-safe: up to {@code workers} evaluations run at once, others wait.
 * {@link #close} kills every worker, busy or idle.
 */
public final class Sandbox implements AutoCloseable {
    private static final Set<String> REUSABLE_AFTER = Set.of(EvaluationResult.DIVERGED,
            EvaluationResult.INVALID_DEFINITION, EvaluationResult.INVALID_CONFIG);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final AtomicInteger SANDBOXES = new AtomicInteger();

    private final int workers;
    private final Limits defaultLimits;
    private final int defaultThreads;
    private final String java;
    private final List<String> jvmOptions;
    private final String classpath;
    private final Consumer<String> stderrSink;
    private final long pollMillis;
    private final int maxRequestsPerWorker;
    private final Path crashDir;

    private final Semaphore permits;
    private final ScheduledExecutorService watchdogs;
    private final Object lock = new Object();
    private final Deque<WorkerProcess> idle = new ArrayDeque<>();
    private final Set<WorkerProcess> live = new LinkedHashSet<>();
    private final Thread shutdownHook;
    private boolean closed;

    private Sandbox(Builder b) {
        this.workers = b.workers;
        this.defaultLimits = b.defaultLimits;
        this.defaultThreads = b.threads;
        this.java = b.java;
        this.jvmOptions = List.copyOf(b.jvmOptions);
        this.classpath = b.classpath;
        this.stderrSink = b.stderrSink;
        this.pollMillis = b.pollInterval.toMillis();
        this.maxRequestsPerWorker = b.maxRequestsPerWorker;
        this.crashDir = Path.of(System.getProperty("java.io.tmpdir"));
        this.permits = new Semaphore(workers, true);
        int id = SANDBOXES.incrementAndGet();
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(Math.min(workers, 4), r -> {
            Thread t = new Thread(r, "archlab-sandbox-" + id + "-watchdog");
            t.setDaemon(true);
            return t;
        });
        pool.setRemoveOnCancelPolicy(true);
        this.watchdogs = pool;
        this.shutdownHook = new Thread(this::killAll, "archlab-sandbox-" + id + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Limits defaultLimits() {
        return defaultLimits;
    }

    /** The process ids of the workers alive now, busy or idle. */
    public List<Long> workerPids() {
        synchronized (lock) {
            return live.stream().map(WorkerProcess::pid).toList();
        }
    }

    /** How many warm workers wait for a request. */
    public int idleWorkers() {
        synchronized (lock) {
            return idle.size();
        }
    }

    public EvaluationResult evaluate(EvaluationRequest request) {
        return evaluate(request, ProgressListener.NONE);
    }

    /**
     * Runs one evaluation in a worker and returns its result; never throws for anything the worker or
     * the definition does. {@code progress} is called on this thread. If it throws, the worker is killed
     * and the exception propagates.
     *
     * @throws IllegalStateException when the sandbox is closed
     */
    public EvaluationResult evaluate(EvaluationRequest request, ProgressListener progress) {
        Objects.requireNonNull(request, "request");
        ProgressListener listener = progress == null ? ProgressListener.NONE : progress;
        Limits limits = (request.limits() == null ? Limits.UNSET : request.limits()).orDefaults(defaultLimits);
        int threads = request.threads() > 0 ? request.threads() : defaultThreads;
        EvaluationRequest effective = request.withLimits(limits).withThreads(threads);
        ensureOpen();
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EvaluationResult.failed(request.id(), Failure.of(EvaluationResult.INTERNAL, "worker",
                    "interrupted while waiting for a free worker"), 0, 0);
        }
        try {
            return run(effective, limits, threads, listener);
        } finally {
            permits.release();
        }
    }

    private EvaluationResult run(EvaluationRequest request, Limits limits, int threads, ProgressListener listener) {
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (limits.wallSeconds() * 1e9);
        WorkerProcess.Key key = new WorkerProcess.Key(threads, limits.heapMb());
        String line = Protocol.request(request);
        for (int attempt = 0; ; attempt++) {
            WorkerProcess w = takeIdle(key);
            boolean warm = w != null;
            if (w == null) {
                try {
                    w = start(key);
                } catch (IOException e) {
                    return EvaluationResult.failed(request.id(), Failure.of(EvaluationResult.INTERNAL, "worker",
                            "cannot start a worker JVM with " + java + ": " + e.getMessage()), seconds(t0), 0);
                }
            }
            try {
                w.send(line);
            } catch (IOException e) {
                if (warm && attempt == 0) {
                    retire(w, KillReason.RETIRED); // it died while idle; start a fresh one
                    continue;
                }
                // a cold worker that is already gone: reading its stdout finds the end and says why
            }
            w.requests++;
            return converse(w, warm, request, limits, t0, deadline, listener);
        }
    }

    /** Reads the worker's lines until its result or its death, under the watchdog. */
    private EvaluationResult converse(WorkerProcess w, boolean warm, EvaluationRequest request, Limits limits, long t0,
                                      long deadline, ProgressListener listener) {
        Watchdog watchdog = new Watchdog(w, deadline, limits.rssMb());
        ScheduledFuture<?> tick;
        try {
            tick = watchdogs.scheduleWithFixedDelay(watchdog, 0, pollMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) { // closed just now
            retire(w, KillReason.CLOSED);
            return EvaluationResult.failed(request.id(), Failure.of(EvaluationResult.INTERNAL, "worker",
                    "the sandbox was closed while the evaluation started"), seconds(t0), 0);
        }
        int lastStep = 0;
        int steps = request.config() != null ? request.config().steps() : 0;
        // What the run reported as it went: kept for a run killed before its result (a partial result).
        List<TrainResult.CurvePoint> curve = new ArrayList<>();
        Map<String, Double> lastEval = null;
        Protocol.Started started = null;
        EvaluationResult result = null;
        String malformed = null;
        try {
            while (true) {
                String text;
                try {
                    text = w.readLine();
                } catch (WorkerProcess.LineTooLong e) {
                    malformed = "a line longer than " + WorkerProcess.MAX_LINE + " characters, starting \""
                            + e.head + "\"";
                    break;
                } catch (IOException e) {
                    break; // the pipe broke: the worker is gone
                }
                if (text == null) {
                    break;
                }
                if (text.isBlank()) {
                    continue;
                }
                Protocol.Message m;
                try {
                    m = Protocol.parse(text);
                } catch (Protocol.MalformedLine e) {
                    if (isJvmDiagnostic(text)) {
                        // the JVM itself writes to file descriptor 1, out of Java's reach: keep it with stderr
                        w.noteStdoutLine(text);
                        continue;
                    }
                    malformed = "a line that is not a protocol message (" + e.getMessage() + "): \""
                            + abbreviate(text, 300) + "\"";
                    break;
                }
                if (m instanceof Protocol.Ready) {
                    if (!w.ready) {
                        w.ready = true;
                        w.startSeconds = seconds(w.startedNanos);
                    }
                } else if (m instanceof Protocol.Started st) {
                    started = st;
                } else if (m instanceof Protocol.Progress p) {
                    lastStep = p.step();
                    steps = p.steps();
                    curve.add(new TrainResult.CurvePoint(p.step(), p.loss(), p.lr(), null));
                    listener.onStep(p.step(), p.steps(), p.loss(), p.lr(), p.elapsedSeconds());
                } else if (m instanceof Protocol.Eval e) {
                    lastEval = e.metrics();
                    withEval(curve, e.step(), e.metrics());
                    listener.onEval(e.step(), e.metrics());
                } else if (m instanceof Protocol.Result r) {
                    if (!Objects.equals(r.result().id(), request.id())) {
                        malformed = "a result for request " + r.result().id() + " while " + request.id() + " ran";
                        break;
                    }
                    result = r.result();
                    break;
                }
            }
        } catch (RuntimeException | Error e) {
            tick.cancel(false);
            retire(w, KillReason.RETIRED);
            throw e;
        }
        tick.cancel(false);
        double peak = watchdog.peakMb;
        if (result != null) {
            boolean healthy = result.ok() || REUSABLE_AFTER.contains(result.failureKind());
            result = result.withPeakRssMb(Math.max(result.peakRssMb(), peak))
                    .withWorker(new EvaluationResult.WorkerInfo(w.pid(), warm, warm ? 0 : w.startSeconds, w.requests,
                            null));
            if (healthy && w.killReason() == null) {
                release(w);
            } else {
                retire(w, KillReason.RETIRED);
            }
            return result;
        }
        if (malformed != null) {
            w.killAndWait(KillReason.PROTOCOL, KILL_WAIT);
        } else if (!w.awaitExit(Duration.ofSeconds(5))) {
            w.killAndWait(KillReason.RETIRED, KILL_WAIT); // stdout closed but the process lingers
        }
        retire(w, KillReason.RETIRED);
        Integer exit = w.process.isAlive() ? null : w.process.exitValue();
        double wall = seconds(t0) - (!warm && w.ready ? w.startSeconds : 0);
        Failure failure = diagnose(w, limits, malformed, exit, lastStep, steps, started);
        EvaluationResult failed = EvaluationResult.failed(request.id(), failure, wall, peak)
                .withContext(request.task(), request.config(), request.threads(),
                        started == null ? null : started.params(), started == null ? null : started.flopsPerToken())
                .withPrimaryMetric(started == null ? null : started.primaryMetric())
                .withWorker(new EvaluationResult.WorkerInfo(w.pid(), warm, warm || !w.ready ? 0 : w.startSeconds,
                        w.requests, exit));
        if (lastStep > 0) {
            failed = withSteps(failed, lastStep);
        }
        return curve.isEmpty() ? failed : failed.withPartialMeasurements(lastEval, curve);
    }

    /** Puts a held-out evaluation on its step's curve point (the worker sends that step's progress first). */
    private static void withEval(List<TrainResult.CurvePoint> curve, int step, Map<String, Double> metrics) {
        int last = curve.size() - 1;
        if (last >= 0 && curve.get(last).step() == step) {
            TrainResult.CurvePoint p = curve.get(last);
            curve.set(last, new TrainResult.CurvePoint(step, p.loss(), p.lr(), metrics));
        } else if (last >= 0) { // a worker that did not send it: the nearest earlier loss stands in
            TrainResult.CurvePoint p = curve.get(last);
            curve.add(new TrainResult.CurvePoint(step, p.loss(), p.lr(), metrics));
        }
    }

    /**
     * Lines the JVM writes to stdout on its own, natively, whatever System.out points at: the
     * {@code -XX:+ExitOnOutOfMemoryError} notice and the fatal-error banner of a JVM crash.
     */
    static boolean isJvmDiagnostic(String line) {
        return line.startsWith("Terminating due to java.lang.OutOfMemoryError")
                || line.startsWith("Aborting due to java.lang.OutOfMemoryError")
                || line.startsWith("#");
    }

    private static EvaluationResult withSteps(EvaluationResult r, int steps) {
        return new EvaluationResult(r.id(), r.status(), r.task(), r.primaryMetric(), r.metrics(), r.best(), r.curve(),
                steps, r.tokensPerSecond(), r.wallSeconds(), r.peakRssMb(), r.params(), r.flopsPerToken(), r.threads(),
                r.config(), r.taskConfig(), r.failure(), r.worker());
    }

    /** Why a worker died without a result, as a failure the caller can act on. */
    private Failure diagnose(WorkerProcess w, Limits limits, String malformed, Integer exit, int lastStep, int steps,
                             Protocol.Started started) {
        String where = lastStep > 0 ? "at step " + lastStep + " of " + steps
                : w.ready ? "before the first training step" : "while the worker was starting";
        String stage = lastStep > 0 ? "train" : w.ready ? "compile" : "worker";
        Integer step = lastStep > 0 ? lastStep : null;
        String tail = w.stderrTail();
        KillReason reason = w.killReason();
        if (reason == KillReason.TIMEOUT) {
            return new Failure(EvaluationResult.TIMEOUT, "the evaluation ran past its wall-clock limit of "
                    + number(limits.wallSeconds()) + " s (wall_s) " + where + "; its process tree was killed. "
                    + "Train fewer steps or a smaller model, or raise wall_s", null, stage, step, tail);
        }
        if (reason == KillReason.RSS) {
            return new Failure(EvaluationResult.OOM, "the worker's resident memory (Java heap and native, whole "
                    + "process tree) reached " + Math.round(w.rssAtKillMb) + " MB " + where + ", above the limit rss_mb = "
                    + limits.rssMb() + "; it was killed." + size(started) + " Make the model smaller (narrower linear "
                    + "layers, fewer layers) or the batch smaller, or raise rss_mb", null, stage, step, tail);
        }
        if (reason == KillReason.CLOSED) {
            return new Failure(EvaluationResult.INTERNAL, "the sandbox was closed while the evaluation ran " + where,
                    null, stage, step, tail);
        }
        if (malformed != null) {
            return new Failure(EvaluationResult.CRASH, "the worker wrote " + malformed + " to stdout " + where
                    + "; it was killed", null, "worker", step, tail);
        }
        if (exit != null && exit == WorkerMain.EXIT_OOM && tail.contains("java.lang.OutOfMemoryError")) {
            return new Failure(EvaluationResult.OOM, "the worker ran out of Java heap (heap_mb = " + limits.heapMb()
                    + ") " + where + "." + size(started) + " Weights are staged in the heap, so no single weight may "
                    + "exceed it. Make the model or the task smaller, or raise heap_mb", null, stage, step, tail);
        }
        StringBuilder m = new StringBuilder("the worker process ");
        if (exit == null) {
            m.append("stopped answering");
        } else if (exit > 128) {
            int signal = exit - 128;
            m.append("was killed by signal ").append(signal).append(signalName(signal));
        } else if (exit == WorkerMain.EXIT_START_FAILED) {
            m.append("could not start the PyTorch engine (exit status 2)");
        } else {
            m.append("exited with status ").append(exit);
        }
        m.append(' ').append(where).append(" without a result");
        if (exit != null && exit == 128 + 9) {
            m.append(" (SIGKILL comes from outside: a person, a job manager, or the kernel's out-of-memory killer)");
        }
        Path log = w.crashLog(crashDir);
        if (log != null) {
            m.append("; the JVM's crash log is ").append(log);
        }
        return new Failure(EvaluationResult.CRASH, m.toString(), null, "worker", step, tail);
    }

    /** " The model has N parameters: X MB of weights, about 4X with gradients and AdamW's moments." */
    private static String size(Protocol.Started started) {
        if (started == null || started.params() <= 0) {
            return "";
        }
        double mb = started.params() * 4.0 / (1 << 20);
        return String.format(Locale.ROOT, " The model has %,d parameters: %,.0f MB of float weights, about %,.0f MB "
                + "with their gradients and AdamW's two moments.", started.params(), mb, 4 * mb);
    }

    private static String signalName(int signal) {
        String name = switch (signal) {
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 15 -> "SIGTERM";
            default -> null;
        };
        return name == null ? "" : " (" + name + ")";
    }

    /** Polls the deadline and the tree's resident memory; kills the tree when either is exceeded. */
    private static final class Watchdog implements Runnable {
        /** The descendants are listed again every this many ticks. */
        private static final int TREE_EVERY = 5;
        private final WorkerProcess w;
        private final long deadline;
        private final long rssLimitKb;
        private List<ProcessHandle> tree = List.of();
        private long ticks;
        volatile double peakMb;

        Watchdog(WorkerProcess w, long deadline, int rssMb) {
            this.w = w;
            this.deadline = deadline;
            this.rssLimitKb = rssMb * 1024L;
        }

        @Override
        public void run() {
            try {
                if (!w.alive() || w.killReason() != null) {
                    return;
                }
                // listing descendants scans all of /proc (about 2 ms); the tree's memory is read every tick
                if (ticks++ % TREE_EVERY == 0) {
                    tree = w.process.descendants().toList();
                    w.rememberTree(tree);
                }
                long kb = ProcessMemory.rssKb(w.pid());
                for (ProcessHandle h : tree) {
                    kb += ProcessMemory.rssKb(h.pid());
                }
                double mb = kb / 1024.0;
                if (mb > peakMb) {
                    peakMb = mb;
                }
                if (System.nanoTime() - deadline > 0) {
                    w.kill(KillReason.TIMEOUT);
                } else if (rssLimitKb > 0 && kb > rssLimitKb) {
                    w.rssAtKillMb = mb;
                    w.kill(KillReason.RSS);
                }
            } catch (RuntimeException ignored) {
                // a process vanished mid-poll; the next tick sees the new state
            }
        }
    }

    private WorkerProcess takeIdle(WorkerProcess.Key key) {
        List<WorkerProcess> dead = new ArrayList<>();
        WorkerProcess found = null;
        synchronized (lock) {
            for (Iterator<WorkerProcess> it = idle.iterator(); it.hasNext(); ) {
                WorkerProcess w = it.next();
                if (!w.alive()) {
                    it.remove();
                    live.remove(w);
                    dead.add(w);
                } else if (found == null && w.key.equals(key)) {
                    it.remove();
                    found = w;
                }
            }
        }
        dead.forEach(WorkerProcess::closePipes);
        return found;
    }

    private WorkerProcess start(WorkerProcess.Key key) throws IOException {
        List<WorkerProcess> evicted = new ArrayList<>();
        synchronized (lock) {
            ensureOpen();
            // keep at most `workers` JVMs: an idle one that needs another thread count or heap makes room
            while (live.size() >= workers && !idle.isEmpty()) {
                WorkerProcess old = idle.removeFirst();
                live.remove(old);
                evicted.add(old);
            }
        }
        evicted.forEach(old -> {
            old.killAndWait(KillReason.RETIRED, KILL_WAIT);
            old.closePipes();
        });
        ProcessBuilder pb = new ProcessBuilder(command(key));
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(key.threads()));
        pb.environment().put("MKL_NUM_THREADS", Integer.toString(key.threads()));
        // libgomp's threads spin while they wait by default: beside one other training job that made a 2-thread
        // run 2.8x slower, against 9 % faster on an idle machine (docs/benchmarks.md). A setting of the user's wins.
        pb.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        long started = System.nanoTime();
        Process p = pb.start();
        WorkerProcess w = new WorkerProcess(p, key, started, stderrSink);
        synchronized (lock) {
            if (!closed) {
                live.add(w);
                return w;
            }
        }
        w.killAndWait(KillReason.CLOSED, KILL_WAIT);
        throw new IllegalStateException("the sandbox is closed");
    }

    /** The worker's command line. */
    List<String> command(WorkerProcess.Key key) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.add("-Xmx" + key.heapMb() + "m");
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-XX:ErrorFile=" + crashDir.resolve("archlab-worker-hs_err_pid%p.log"));
        // one trainer thread and a small heap: the serial collector adds no GC threads to compete with libtorch's
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Dai.djl.pytorch.num_threads=" + key.threads());
        cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dai.djl.default_engine=PyTorch");
        cmd.add("-DOPT_OUT_TRACKING=true");
        for (String passed : List.of("DJL_CACHE_DIR", "ENGINE_CACHE_DIR", "PYTORCH_VERSION", "PYTORCH_FLAVOR",
                "PYTORCH_LIBRARY_PATH")) {
            String v = System.getProperty(passed);
            if (v != null) {
                cmd.add("-D" + passed + "=" + v);
            }
        }
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(WorkerMain.class.getName());
        return cmd;
    }

    private void release(WorkerProcess w) {
        List<WorkerProcess> out = new ArrayList<>();
        synchronized (lock) {
            if (closed || !w.alive() || w.requests >= maxRequestsPerWorker) {
                live.remove(w);
                out.add(w);
            } else {
                idle.addLast(w);
                while (idle.size() > workers) {
                    WorkerProcess old = idle.removeFirst();
                    live.remove(old);
                    out.add(old);
                }
            }
        }
        for (WorkerProcess old : out) {
            old.killAndWait(KillReason.RETIRED, KILL_WAIT);
            old.closePipes();
        }
    }

    private void retire(WorkerProcess w, KillReason reason) {
        synchronized (lock) {
            live.remove(w);
            idle.remove(w);
        }
        w.killAndWait(reason, KILL_WAIT);
        w.closePipes();
    }

    private void ensureOpen() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the sandbox is closed");
            }
        }
    }

    /** Kills every worker, idle or busy; a busy evaluation returns an {@code internal} failure. Idempotent. */
    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // the JVM is shutting down; the hook runs anyway
        }
        watchdogs.shutdownNow();
    }

    private void killAll() {
        List<WorkerProcess> all;
        synchronized (lock) {
            closed = true;
            all = new ArrayList<>(live);
            idle.clear();
        }
        all.forEach(w -> w.kill(KillReason.CLOSED));
        all.forEach(w -> w.awaitExit(KILL_WAIT));
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3g", v);
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    /** Configures a {@link Sandbox}. */
    public static final class Builder {
        private int workers = 1;
        private Limits defaultLimits = Limits.DEFAULT;
        private int threads = 1;
        private String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        private List<String> jvmOptions = List.of();
        private String classpath = System.getProperty("java.class.path");
        private Consumer<String> stderrSink;
        private Duration pollInterval = Duration.ofMillis(100);
        private int maxRequestsPerWorker = 100;

        private Builder() {
        }

        /** The most evaluations (and worker JVMs) at once; also the most warm workers kept. Default 1. */
        public Builder workers(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("workers must be at least 1, got " + n);
            }
            workers = n;
            return this;
        }

        /** Limits for the fields a request leaves unset; unset fields here come from {@link Limits#DEFAULT}. */
        public Builder defaultLimits(Limits limits) {
            defaultLimits = Objects.requireNonNull(limits).orDefaults(Limits.DEFAULT);
            return this;
        }

        /** Intra-op threads for requests that do not say. Default 1. */
        public Builder threads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("threads must be at least 1, got " + n);
            }
            threads = n;
            return this;
        }

        /** The java launcher for workers. Default: the one running this JVM. */
        public Builder javaExecutable(String path) {
            java = Objects.requireNonNull(path);
            return this;
        }

        /** Extra JVM options for workers, after the sandbox's own (so they can override them). */
        public Builder jvmOptions(List<String> options) {
            jvmOptions = List.copyOf(options);
            return this;
        }

        /** The workers' class path. Default: this JVM's {@code java.class.path}. */
        public Builder classpath(String cp) {
            classpath = Objects.requireNonNull(cp);
            return this;
        }

        /** Receives every stderr line of every worker, prefixed with its pid (for debugging). Default: none. */
        public Builder stderrSink(Consumer<String> sink) {
            stderrSink = sink;
            return this;
        }

        /** How often the watchdog checks the deadline and resident memory. Default 100 ms. */
        public Builder pollInterval(Duration d) {
            if (d.toMillis() < 1) {
                throw new IllegalArgumentException("the poll interval must be at least 1 ms");
            }
            pollInterval = d;
            return this;
        }

        /** A worker is retired after this many requests, whatever happened. Default 100. */
        public Builder maxRequestsPerWorker(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxRequestsPerWorker must be at least 1, got " + n);
            }
            maxRequestsPerWorker = n;
            return this;
        }

        public Sandbox build() {
            return new Sandbox(this);
        }
    }
}
