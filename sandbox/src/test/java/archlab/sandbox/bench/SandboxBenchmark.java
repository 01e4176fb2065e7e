package archlab.sandbox.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.compile.CompiledModel;
import archlab.sandbox.compile.Engines;
import archlab.sandbox.export.PyTorchExporter;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.StandardLibrary;
import archlab.sandbox.task.Batch;
import archlab.sandbox.task.Task;
import archlab.sandbox.task.Tasks;
import archlab.sandbox.train.ProgressListener;
import archlab.sandbox.train.TrainConfig;
import archlab.sandbox.train.TrainResult;
import archlab.sandbox.train.Trainer;
import archlab.sandbox.worker.EvaluationRequest;
import archlab.sandbox.worker.EvaluationResult;
import archlab.sandbox.worker.Sandbox;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * The sandbox's performance benchmark: one run measures the machine's fp32 matmul rate through DJL,
 * the training throughput of reference architectures against that rate, DJL's per-op dispatch cost,
 * worker start-up (cold and warm), and, where {@code /usr/bin/python3} has torch, the exported
 * PyTorch twin's training steps/s beside DJL's; also where a training step's time goes (forward,
 * backward, libtorch's profiler by op kind). It prints Markdown tables for docs/benchmarks.md, and
 * with every timed row the share of the machine other processes used meanwhile.
 *
 * <p>Run it with {@code scripts/bench-sandbox.sh}. It lives in test scope so that it does not ship in
 * the archlab jar; it needs the sandbox's test class path only for slf4j-simple (DJL's logging).
 *
 * <p>Every ratio is against a reference measured in the same run, never against a constant. Options:
 * {@code --root DIR} (the repository, default .), {@code --threads N} (default: available processors),
 * {@code --d N} (default 128), {@code --batch N} (32), {@code --warmup N} (30), {@code --steps N} (60),
 * {@code --python PATH} (/usr/bin/python3), {@code --no-profile}, {@code --no-worker}, {@code --no-twin},
 * {@code --source TEXT} (a line for the header saying which sources were built; the script sets it).
 */
public final class SandboxBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] ARCHS = {"transformer", "gla"};
    /** The key suffix of the fixed-cost floor timings (d 8, batch 1). */
    private static final String FLOOR = "@floor";
    private static final int CPUS = Runtime.getRuntime().availableProcessors();

    private final Path root;
    private final int threads;
    private final int d;
    private final int batch;
    private final int warmup;
    private final int steps;
    private final String python;
    private final boolean worker;
    private final boolean twin;
    private final boolean profile;
    private final Task task;
    private final String source;
    /** The recurrent section: sequence lengths, batch, seconds per row, chunk sizes to sweep; {@code only-recurrent} skips the rest. */
    private final int[] recurrentSeqs;
    private final int recurrentBatch;
    private final double recurrentSeconds;
    private final int[] chunkSweep;
    private final boolean onlyRecurrent;
    private final String[] recurrentArchs;
    private final boolean recurrent;
    /** References measured earlier in this run, quoted beside the PyTorch twin's. */
    private double peakGflops;
    private double addMicros = Double.NaN;
    /** The largest share of the machine other processes took during any measurement, in percent. */
    private double worstOthers;

    private SandboxBenchmark(Map<String, String> o) {
        root = Path.of(o.getOrDefault("root", ".")).toAbsolutePath().normalize();
        threads = Integer.parseInt(o.getOrDefault("threads", Integer.toString(Runtime.getRuntime().availableProcessors())));
        d = Integer.parseInt(o.getOrDefault("d", "128"));
        batch = Integer.parseInt(o.getOrDefault("batch", "32"));
        warmup = Integer.parseInt(o.getOrDefault("warmup", "30"));
        steps = Integer.parseInt(o.getOrDefault("steps", "60"));
        python = o.getOrDefault("python", "/usr/bin/python3");
        worker = !o.containsKey("no-worker");
        twin = !o.containsKey("no-twin");
        profile = !o.containsKey("no-profile");
        task = Tasks.create("mqar", Map.of("vocab", "256", "seq_len", "64"));
        source = o.get("source");
        recurrentSeqs = ints(o.getOrDefault("recurrent-seqs", "64,256,1024"));
        recurrentBatch = Integer.parseInt(o.getOrDefault("recurrent-batch", "4"));
        recurrentSeconds = Double.parseDouble(o.getOrDefault("recurrent-seconds", "6"));
        chunkSweep = ints(o.getOrDefault("chunks", "16,32,64"));
        onlyRecurrent = o.containsKey("only-recurrent");
        recurrentArchs = o.getOrDefault("recurrent-archs", "transformer,gla,deltanet,mamba,retnet").split(",");
        recurrent = !o.containsKey("no-recurrent");
    }

    private static int[] ints(String csv) {
        return csv.isBlank() ? new int[0] : Arrays.stream(csv.split(",")).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            String key = args[i].substring(2);
            boolean flag = key.startsWith("no-") || key.equals("only-recurrent");
            o.put(key, flag ? "true" : args[++i]);
        }
        new SandboxBenchmark(o).run();
        System.exit(0); // the sandbox's watchdog pool and libtorch's threads must not keep the JVM up
    }

    private void run() throws Exception {
        long t0 = System.nanoTime();
        // the engine's thread count is fixed at its first use: before anything else touches DJL
        Engine engine = Engines.pytorch(threads);
        header(engine);
        if (onlyRecurrent) {
            section("fp32 matmul through DJL (the peak)");
            peakGflops = matmul(engine);
            recurrentSection(engine);
            System.out.printf(Locale.ROOT, "%nload average at the end: %s; CPU pressure: %s; benchmark took %.0f s%n",
                    loadavg(), cpuPressure(), (System.nanoTime() - t0) / 1e9);
            return;
        }

        section("fp32 matmul through DJL (the peak)");
        double peak = matmul(engine);
        peakGflops = peak;

        section("Training throughput (in-process Trainer, MQAR vocab 256, seq 64)");
        Map<String, Timing> djlSteps = training(engine, peak);

        if (profile) {
            section("Op-time breakdown (libtorch's profiler, d = " + d + ", batch " + batch + ")");
            profile();
        }

        section("Per-op dispatch overhead (DJL -> libtorch, CPU)");
        dispatch(engine);

        if (recurrent) {
            recurrentSection(engine);
        }

        if (worker) {
            section("Worker start-to-ready (Sandbox API)");
            workers();
        }
        if (twin) {
            section("Exported PyTorch twin vs DJL (same size, same threads, forward+backward+clip+AdamW)");
            twins(djlSteps);
        }
        System.out.printf(Locale.ROOT, "%nload average at the end: %s; CPU pressure: %s; benchmark took %.0f s%n",
                loadavg(), cpuPressure(), (System.nanoTime() - t0) / 1e9);
        if (worstOthers > 10) {
            System.out.printf(Locale.ROOT, "%nWARNING: other processes took up to %.0f %% of the machine during a "
                    + "measurement: the rates above are low and noisy. Rerun on a quiet machine before quoting them.%n",
                    worstOthers);
        }
    }

    // ------------------------------------------------------------------ machine facts

    private void header(Engine engine) {
        System.out.println("## Sandbox benchmark");
        System.out.println();
        System.out.println("- date: " + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        System.out.println("- cpu: " + cpuModel() + "; " + Runtime.getRuntime().availableProcessors()
                + " processors visible to the JVM");
        System.out.println("- java: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        System.out.println("- DJL " + Engine.getDjlVersion() + ", " + engine.getEngineName() + " (libtorch) "
                + engine.getVersion() + ", intra-op threads " + Engines.threads() + ", inter-op 1");
        if (source != null) {
            System.out.println("- " + source);
        }
        System.out.println("- load average at the start: " + loadavg() + "; CPU pressure (PSI some): " + cpuPressure());
        System.out.println("- \"others\" columns: the share of all " + CPUS + " CPUs that other processes (and, through "
                + "steal, other virtual machines) used during the measurement: /proc/stat's busy time minus this "
                + "process's own (/proc/self/task/*/schedstat); near 0 % the number is clean, above ~10 % it is low");
        System.out.println("- FLOP convention: forward FLOPs/token from ModelDefinition#flopsPerToken (graph.Cost: "
                + "a multiply-add is 2); a training step counts 3x forward (forward + backward)");
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static String loadavg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "n/a";
        }
    }

    /**
     * {wall ns, CPU ns the whole machine was busy (all CPUs, /proc/stat: user, nice, system, irq,
     * softirq, steal), CPU ns this process ran (/proc/self/task/N/schedstat, summed over threads)};
     * the busy figure is -1 where /proc is unavailable. Two snapshots give the share of the machine
     * that other processes (and other virtual machines, through steal) took meanwhile.
     */
    static long[] snapshot() {
        long wall = System.nanoTime();
        long busy = -1;
        long self = 0;
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long ticks = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                ticks += Long.parseLong(f[i]);
            }
            busy = ticks * 10_000_000L; // USER_HZ = 100 on Linux
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path t : tasks) {
                    try {
                        self += Long.parseLong(Files.readString(t.resolve("schedstat")).trim().split("\\s+")[0]);
                    } catch (IOException | RuntimeException ignored) {
                        // the thread ended meanwhile
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            busy = -1;
        }
        return new long[] {wall, busy, self};
    }

    /** The share of all CPUs that other processes used between two snapshots, as text, or "n/a". */
    private String others(long[] before, long[] after) {
        double wall = (after[0] - before[0]) / 1e9;
        if (before[1] < 0 || after[1] < 0 || wall <= 0) {
            return "n/a";
        }
        double share = 100.0 * Math.max(0, (after[1] - before[1]) - (after[2] - before[2])) / 1e9 / (wall * CPUS);
        worstOthers = Math.max(worstOthers, share);
        return String.format(Locale.ROOT, "%.0f %%", share);
    }

    /** The kernel's CPU pressure (share of time some runnable task waited), 10 s and 60 s averages. */
    private static String cpuPressure() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/pressure/cpu"))) {
                if (line.startsWith("some")) {
                    String[] f = line.split("\\s+");
                    return f[1].replace("avg10=", "") + " % (10 s), " + f[2].replace("avg60=", "") + " % (60 s)";
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // no PSI
        }
        return "n/a";
    }

    private static void section(String title) {
        System.out.println();
        System.out.println("### " + title);
        System.out.println();
        System.out.flush();
    }

    // ------------------------------------------------------------------ peak matmul

    /** Best-of-7 fp32 matmul rates; returns the peak over the square sizes. */
    private double matmul(Engine engine) {
        System.out.println("| shape | GFLOP/s (best of 7) | median | others |");
        System.out.println("|---|---:|---:|---:|");
        double peak = 0;
        try (NDManager base = engine.newBaseManager()) {
            for (int n : new int[] {256, 512, 1024}) {
                Object[] r = matmulRate(base, 1, n, n, n);
                peak = Math.max(peak, (Double) r[0]);
                row(n + "x" + n + " @ " + n + "x" + n, r);
            }
            long tokens = (long) batch * task.seqLen();
            int heads = 4;
            row(tokens + "x" + d + " @ " + d + "x" + d + " (a linear at the model's shape)",
                    matmulRate(base, 1, tokens, d, d));
            row(tokens + "x" + d + " @ " + d + "x" + 4 * d + " (MLP up-projection)",
                    matmulRate(base, 1, tokens, d, 4 * d));
            row(tokens + "x" + d + " @ " + d + "x" + task.vocab() + " (lm head)",
                    matmulRate(base, 1, tokens, d, task.vocab()));
            row(batch * heads + " x (" + task.seqLen() + "x" + d / heads + " @ " + d / heads + "x" + task.seqLen()
                    + ") (attention scores, batched)", matmulRate(base, batch * heads, task.seqLen(), d / heads, task.seqLen()));
        }
        System.out.printf(Locale.ROOT, "%npeak (best square size): **%.1f GFLOP/s** with %d thread%s%n", peak, threads,
                threads == 1 ? "" : "s");
        return peak;
    }

    private void row(String shape, Object[] r) {
        System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %s |%n", shape, r[0], r[1], others((long[]) r[2], (long[]) r[3]));
        System.out.flush();
    }

    /** {best, median} GFLOP/s of {@code [batch, m, k] @ [batch, k, n]} (batch 1: plain 2-D), and two snapshots. */
    private static Object[] matmulRate(NDManager base, long bat, long m, long k, long n) {
        try (NDManager sm = base.newSubManager()) {
            NDArray a = bat > 1 ? sm.randomNormal(new Shape(bat, m, k)) : sm.randomNormal(new Shape(m, k));
            NDArray b = bat > 1 ? sm.randomNormal(new Shape(bat, k, n)) : sm.randomNormal(new Shape(k, n));
            double flops = 2.0 * bat * m * k * n;
            int iters = (int) Math.max(3, Math.ceil(4e9 / flops));
            for (int i = 0; i < iters; i++) {
                a.matMul(b).close();
            }
            double[] rates = new double[7];
            long[] s0 = snapshot();
            for (int r = 0; r < rates.length; r++) {
                long s = System.nanoTime();
                for (int i = 0; i < iters; i++) {
                    a.matMul(b).close();
                }
                rates[r] = flops * iters / ((System.nanoTime() - s) / 1e9) / 1e9;
            }
            long[] s1 = snapshot();
            Arrays.sort(rates);
            return new Object[] {rates[rates.length - 1], rates[rates.length / 2], s0, s1};
        }
    }

    // ------------------------------------------------------------------ training throughput

    private ModelDefinition definition(String arch, int dim, int heads, int layers) throws IOException, DefinitionException {
        return definition(arch, dim, heads, layers, task.seqLen());
    }

    private ModelDefinition definition(String arch, int dim, int heads, int layers, int seqLen)
            throws IOException, DefinitionException {
        Path file = root.resolve("knowledge-base/architectures/" + arch + ".arch");
        String src = Files.readString(file)
                .replaceFirst("(?m)^param d = \\d+", "param d = " + dim)
                .replaceFirst("(?m)^param heads = \\d+", "param heads = " + heads)
                .replaceFirst("(?m)^param layers = \\d+", "param layers = " + layers);
        return ModelDefinition.parse(src, arch + ".arch", StandardLibrary.library(),
                Map.of("vocab", task.vocab(), "seq_len", seqLen));
    }

    /** What one timed Trainer run measured. */
    private record Timing(int stepsDone, double stepsPerSecond, double medianMs, String others, String failure) {
    }

    /** Trains warmup + steps steps in this process; times the last {@code steps} by the progress callback. */
    private Timing timeTrainer(ModelDefinition def, int bat, int warm, int timed) {
        int total = warm + timed;
        TrainConfig cfg = TrainConfig.builder().steps(total).batchSize(bat).evalEvery(total).evalBatches(1)
                .curveEvery(total).seed(0).build();
        long[] stamps = new long[total + 1];
        long[][] snaps = new long[2][];
        ProgressListener timer = new ProgressListener() {
            @Override
            public void onStep(int step, int of, double loss, double lr, double elapsed) {
                if (step == warm) {
                    snaps[0] = snapshot();
                } else if (step == total) {
                    snaps[1] = snapshot();
                }
                stamps[step] = System.nanoTime();
            }
        };
        TrainResult r = Trainer.train(def, task, cfg, threads, timer);
        if (!r.ok()) {
            return new Timing(r.stepsDone(), 0, 0, "n/a", r.failure() == null ? r.status() : r.failure().message());
        }
        double[] each = new double[timed];
        for (int i = 0; i < timed; i++) {
            each[i] = (stamps[warm + i + 1] - stamps[warm + i]) / 1e6;
        }
        Arrays.sort(each);
        double seconds = (stamps[total] - stamps[warm]) / 1e9;
        return new Timing(r.stepsDone(), timed / seconds, each[timed / 2], others(snaps[0], snaps[1]), null);
    }

    private Map<String, Timing> training(Engine engine, double peak) throws Exception {
        System.out.printf(Locale.ROOT, "%d warm-up + %d timed steps each (%d for the fixed-cost floor rows: the same "
                + "graphs at d 8 and batch 1, where the arithmetic is negligible); steps/s over the timed window, ms/step "
                + "its median; achieved GFLOP/s = 3 x forward FLOPs/token x tokens/s.%n%n", warmup, steps, 5 * steps);
        System.out.println("| arch | d | heads | layers | batch | params | fwd MFLOP/token | steps/s | ms/step (median) "
                + "| tokens/s | achieved GFLOP/s | % of peak | others |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Map<String, Timing> out = new LinkedHashMap<>();
        for (String arch : ARCHS) {
            ModelDefinition def = definition(arch, d, 4, 2);
            Timing t = timeTrainer(def, batch, warmup, steps);
            double tokensPerSecond = t.stepsPerSecond() * batch * task.seqLen();
            double achieved = 3 * def.flopsPerToken() * tokensPerSecond / 1e9;
            if (t.failure() != null) {
                System.out.printf("| %s | %d | 4 | 2 | %d | failed at step %d: %s |%n", arch, d, batch, t.stepsDone(),
                        t.failure());
                continue;
            }
            System.out.printf(Locale.ROOT, "| %s | %d | 4 | 2 | %d | %,d | %.2f | %.2f | %.1f | %,.0f | %.2f | %.1f %% | %s |%n",
                    arch, d, batch, def.parameterCount(), def.flopsPerToken() / 1e6, t.stepsPerSecond(), t.medianMs(),
                    tokensPerSecond, achieved, 100 * achieved / peak, t.others());
            System.out.flush();
            out.put(arch, t);
        }
        // the same graph at a size where the arithmetic is negligible: what is left is the per-step fixed cost
        Map<String, Double> floor = new LinkedHashMap<>();
        for (String arch : ARCHS) {
            ModelDefinition def = definition(arch, 8, 4, 2);
            Timing t = timeTrainer(def, 1, warmup, 5 * steps); // short steps: a longer window
            if (t.failure() == null) {
                System.out.printf(Locale.ROOT, "| %s (fixed-cost floor) | 8 | 4 | 2 | 1 | %,d | %.3f | %.2f | %.1f | %,.0f | %.3f | %.2f %% | %s |%n",
                        arch, def.parameterCount(), def.flopsPerToken() / 1e6, t.stepsPerSecond(), t.medianMs(),
                        t.stepsPerSecond() * task.seqLen(),
                        3 * def.flopsPerToken() * t.stepsPerSecond() * task.seqLen() / 1e9,
                        100 * 3 * def.flopsPerToken() * t.stepsPerSecond() * task.seqLen() / 1e9 / peak, t.others());
                floor.put(arch, t.medianMs());
                out.put(arch + FLOOR, t);
            }
        }

        System.out.println();
        System.out.println("Where a step's time goes (median ms over 20 calls after 5 warm-up calls, d = " + d
                + ", batch " + batch + "); the optimiser column is the Trainer's median step minus forward+backward:");
        System.out.println();
        System.out.println("| arch | graph ops (forward) | weight arrays | forward (no grad) | forward+loss+backward | "
                + "Trainer step | clip+AdamW+data (rest) | d=8 batch-1 step (fixed cost) | fixed cost / step |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (String arch : ARCHS) {
            if (!out.containsKey(arch)) {
                continue;
            }
            ModelDefinition def = definition(arch, d, 4, 2);
            double[] a = anatomy(engine, def);
            double step = out.get(arch).medianMs();
            Double fixed = floor.get(arch);
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %.1f | %.1f | %.1f | %.1f | %s | %s |%n", arch,
                    countOps(def.graph()), (int) a[2], a[0], a[1], step, step - a[1],
                    fixed == null ? "n/a" : String.format(Locale.ROOT, "%.1f", fixed),
                    fixed == null ? "n/a" : String.format(Locale.ROOT, "%.0f %%", 100 * fixed / step));
        }
        return out;
    }

    // ------------------------------------------------------------------ op-time breakdown

    /**
     * Runs libtorch's profiler (through DJL's JniUtils) over 5 Trainer steps of each model and sums
     * the time of top-level ops (an op's children count in it) by kind: matmuls forward and backward,
     * other backward functions, in-place updates (AdamW, the clipping scale), and the rest.
     */
    private void profile() throws IOException {
        int from = 10;
        int to = 15;
        System.out.printf(Locale.ROOT, "Steps %d-%d of a %d-step Trainer run, profiled with DJL's JniUtils.startProfile; "
                + "top-level ops only (an op's children count in it). The profiler adds its own cost to every op, so "
                + "the shares matter more than the times.%n%n", from + 1, to, to + 1);
        System.out.println("| arch | profiled ms/step | top-level ops/step | matmul (fwd + bwd) | other backward "
                + "| other forward, loss, clipping | in-place (AdamW, clip scale) | largest non-matmul ops (ms/step) |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---|");
        for (String arch : ARCHS) {
            ModelDefinition def;
            try {
                def = definition(arch, d, 4, 2);
            } catch (DefinitionException e) {
                continue;
            }
            Path trace = Files.createTempFile("archlab-bench-profile", ".json");
            try {
                TrainConfig cfg = TrainConfig.builder().steps(to + 1).batchSize(batch).evalEvery(to + 1).evalBatches(1)
                        .curveEvery(to + 1).seed(0).build();
                Trainer.train(def, task, cfg, threads, new ProgressListener() {
                    @Override
                    public void onStep(int step, int of, double loss, double lr, double elapsed) {
                        if (step == from) {
                            JniUtils.startProfile(false, false, false);
                        } else if (step == to) {
                            JniUtils.stopProfile(trace.toString());
                        }
                    }
                });
                printProfile(arch, JSON.readTree(trace.toFile()), to - from);
            } finally {
                Files.deleteIfExists(trace);
            }
        }
    }

    private static void printProfile(String arch, JsonNode trace, int steps) {
        JsonNode events = trace.isArray() ? trace : trace.path("traceEvents");
        List<double[]> spans = new ArrayList<>(); // {tid, ts, dur, index}
        List<String> names = new ArrayList<>();
        for (JsonNode e : events) {
            if ("X".equals(e.path("ph").asText())) {
                spans.add(new double[] {e.path("tid").asDouble(), e.path("ts").asDouble(), e.path("dur").asDouble(),
                        names.size()});
                names.add(e.path("name").asText());
            }
        }
        spans.sort((a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0])
                : a[1] != b[1] ? Double.compare(a[1], b[1]) : Double.compare(b[2], a[2]));
        Map<String, Double> byKind = new LinkedHashMap<>();
        for (String k : List.of("matmul", "backward", "forward", "inplace")) {
            byKind.put(k, 0.0);
        }
        Map<String, Double> byName = new LinkedHashMap<>();
        double total = 0;
        int ops = 0;
        double tid = Double.NaN;
        double openUntil = Double.NEGATIVE_INFINITY;
        for (double[] sp : spans) {
            if (sp[0] != tid) {
                tid = sp[0];
                openUntil = Double.NEGATIVE_INFINITY;
            }
            if (sp[1] < openUntil) {
                continue; // a child of the top-level op that is still open
            }
            openUntil = sp[1] + sp[2];
            String name = names.get((int) sp[3]);
            String bare = name.replace("autograd::engine::evaluate_function: ", "");
            String lower = bare.toLowerCase(Locale.ROOT);
            String kind = lower.contains("mm") || lower.contains("matmul") ? "matmul"
                    : name.startsWith("autograd::") ? "backward"
                    : bare.endsWith("_") ? "inplace" : "forward";
            byKind.merge(kind, sp[2], Double::sum);
            if (!kind.equals("matmul")) {
                byName.merge(bare, sp[2], Double::sum);
            }
            total += sp[2];
            ops++;
        }
        if (total <= 0) {
            System.out.printf("| %s | no events | | | | | | |%n", arch);
            return;
        }
        StringBuilder top = new StringBuilder();
        byName.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).limit(4)
                .forEach(e -> top.append(top.length() == 0 ? "" : ", ")
                        .append(String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue() / 1e3 / steps)));
        double t = total;
        System.out.printf(Locale.ROOT, "| %s | %.1f | %d | %.0f %% | %.0f %% | %.0f %% | %.0f %% | %s |%n", arch,
                total / 1e3 / steps, ops / steps, 100 * byKind.get("matmul") / t, 100 * byKind.get("backward") / t,
                100 * byKind.get("forward") / t, 100 * byKind.get("inplace") / t, top);
        System.out.flush();
    }

    private static int countOps(archlab.sandbox.graph.ArchGraph g) {
        int n = 0;
        for (archlab.sandbox.graph.OpNode node : g.nodes()) {
            n += node.body() != null ? countOps(node.body()) : 1;
        }
        return n;
    }

    /** {forward ms, forward+backward ms, weight arrays}: medians, straight on CompiledModel. */
    private double[] anatomy(Engine engine, ModelDefinition def) {
        int calls = 20;
        int warm = 5;
        double[] fwd = new double[calls];
        double[] fb = new double[calls];
        int weights;
        try (NDManager root = engine.newBaseManager();
             CompiledModel model = CompiledModel.compile(def.graph(), root, 0)) {
            weights = model.weights().size();
            for (int i = 0; i < warm + calls; i++) {
                Batch b = task.trainBatch(0, i, batch);
                try (NDManager sm = root.newSubManager()) {
                    NDArray tokens = sm.create(b.inputs(), new Shape(b.size(), task.seqLen()));
                    long s = System.nanoTime();
                    model.forward(sm, tokens);
                    if (i >= warm) {
                        fwd[i - warm] = (System.nanoTime() - s) / 1e6;
                    }
                }
                try (NDManager sm = root.newSubManager()) {
                    NDArray tokens = sm.create(b.inputs(), new Shape(b.size(), task.seqLen()));
                    NDArray targets = sm.create(b.targets(), new Shape(b.size(), task.seqLen()));
                    NDArray w = sm.create(b.weights(), new Shape(b.size(), task.seqLen()));
                    long s = System.nanoTime();
                    try (GradientCollector gc = engine.newGradientCollector()) {
                        NDArray logits = model.forward(sm, tokens);
                        // the Trainer's masked cross-entropy
                        NDArray picked = logits.logSoftmax(-1).mul(targets.oneHot(task.vocab())).sum(new int[] {-1});
                        NDArray loss = picked.neg().mul(w).sum().div(w.sum().maximum(sm.create(1e-9f)));
                        gc.backward(loss);
                        loss.getFloat();
                    }
                    if (i >= warm) {
                        fb[i - warm] = (System.nanoTime() - s) / 1e6;
                    }
                    for (CompiledModel.Weight wt : model.weights()) {
                        NDArray g = wt.array().getGradient();
                        g.attach(sm);
                        g.subi(g); // as an optimiser step would: start the next backward from zero
                    }
                }
            }
        }
        Arrays.sort(fwd);
        Arrays.sort(fb);
        return new double[] {fwd[calls / 2], fb[calls / 2], weights};
    }

    // ------------------------------------------------------------------ recurrent designs

    private void recurrentSection(Engine engine) throws Exception {
        section("Recurrent designs: chunked against sequential scans (d = 128, 2 layers, batch " + recurrentBatch + ")");
        System.out.printf(Locale.ROOT, "Each row: forward + cross-entropy + backward on random tokens (vocab %d), straight on "
                + "CompiledModel (no optimiser step, which costs the same in both forms); 1 warm-up step, then steps "
                + "until %.0f s have passed (at least 2); ms/step is the median. \"x transformer\" is tokens/s over the "
                + "Transformer's at the same T in this run; \"chunked / sequential\" is the same design's two scan forms. "
                + "Achieved GFLOP/s = 3 x forward FLOPs/token (graph.Cost, which counts a scan as its sequential "
                + "step) x tokens/s.%n%n", task.vocab(), recurrentSeconds);
        System.out.println("| T | arch | scans | steps | ms/step (median) | tokens/s | x transformer | chunked / sequential "
                + "| achieved GFLOP/s | load (1 min) | others |");
        System.out.println("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int t : recurrentSeqs) {
            double reference = Double.NaN;
            for (String arch : recurrentArchs) {
                ModelDefinition def = definition(arch, 128, 4, 2, t);
                boolean scans = chunkable(def.graph());
                String label = scans ? null : hasScan(def.graph()) ? "sequential (no chunked form)" : "none";
                double chunked = Double.NaN;
                for (CompiledModel.ScanMode mode : scans ? CompiledModel.ScanMode.values()
                        : new CompiledModel.ScanMode[] {CompiledModel.ScanMode.CHUNKED}) {
                    StepTiming r = timeSteps(engine, def, mode, 0, recurrentBatch, t);
                    double tokens = recurrentBatch * t * 1000.0 / r.medianMs();
                    if (arch.equals("transformer")) {
                        reference = tokens;
                    }
                    if (mode == CompiledModel.ScanMode.CHUNKED) {
                        chunked = tokens;
                    }
                    String ratio = scans && mode == CompiledModel.ScanMode.SEQUENTIAL
                            ? String.format(Locale.ROOT, "%.2f", chunked / tokens) : "";
                    System.out.printf(Locale.ROOT, "| %d | %s | %s | %d | %.0f | %,.0f | %.2f | %s | %.2f | %s | %s |%n", t,
                            arch, scans ? mode.name().toLowerCase(Locale.ROOT) : label, r.steps(), r.medianMs(), tokens,
                            tokens / reference, ratio, 3 * def.flopsPerToken() * tokens / 1e9, loadavg().split(" ")[0],
                            others(r.before(), r.after()));
                    System.out.flush();
                }
            }
        }
        if (chunkSweep.length > 0) {
            int t = 256;
            System.out.printf(Locale.ROOT, "%nChunk size (steps per chunk) of the chunked scans at T = %d, batch %d: ms/step "
                    + "(median), same protocol.%n%n", t, recurrentBatch);
            StringBuilder head = new StringBuilder("| arch |");
            StringBuilder rule = new StringBuilder("|---|");
            for (int c : chunkSweep) {
                head.append(" C = ").append(c).append(" |");
                rule.append("---:|");
            }
            System.out.println(head.append(" others (last) |"));
            System.out.println(rule.append("---:|"));
            for (String arch : recurrentArchs) {
                ModelDefinition def = definition(arch, 128, 4, 2, t);
                if (!chunkable(def.graph())) {
                    continue;
                }
                StringBuilder row = new StringBuilder("| " + arch + " |");
                String others = "";
                for (int c : chunkSweep) {
                    StepTiming r = timeSteps(engine, def, CompiledModel.ScanMode.CHUNKED, c, recurrentBatch, t);
                    row.append(String.format(Locale.ROOT, " %.0f |", r.medianMs()));
                    others = others(r.before(), r.after());
                }
                System.out.println(row.append(" ").append(others).append(" |"));
                System.out.flush();
            }
        }
    }

    /** Whether some scan of {@code g} gets a chunked form (ScanRecognizer). */
    private static boolean chunkable(archlab.sandbox.graph.ArchGraph g) {
        return g.nodes().stream().anyMatch(n -> n.op().equals("scan")
                && !(archlab.sandbox.graph.ScanRecognizer.recognise(n) instanceof archlab.sandbox.graph.ScanForm.Sequential));
    }

    private static boolean hasScan(archlab.sandbox.graph.ArchGraph g) {
        return g.nodes().stream().anyMatch(n -> n.op().equals("scan"));
    }

    /** The median step, the number of steps timed, and {@link #snapshot()}s around them. */
    private record StepTiming(double medianMs, int steps, long[] before, long[] after) {
    }

    /**
     * Forward, loss and backward of a fresh model at batch {@code bat} and length {@code t}, for
     * {@link #recurrentSeconds} after one warm-up step.
     */
    private StepTiming timeSteps(Engine engine, ModelDefinition def, CompiledModel.ScanMode mode, int chunk, int bat,
                               int t) {
        java.util.Random rng = new java.util.Random(0);
        List<Double> times = new ArrayList<>();
        long[] s0 = null;
        long start = 0;
        try (NDManager base = engine.newBaseManager();
             CompiledModel model = CompiledModel.compile(def.graph(), base, 0, mode, chunk)) {
            for (int i = 0; ; i++) {
                int[] ids = new int[bat * t];
                int[] tgt = new int[ids.length];
                for (int j = 0; j < ids.length; j++) {
                    ids[j] = rng.nextInt(task.vocab());
                    tgt[j] = rng.nextInt(task.vocab());
                }
                if (i == 1) {
                    s0 = snapshot();
                    start = System.nanoTime();
                }
                long s = System.nanoTime();
                try (NDManager sm = base.newSubManager()) {
                    NDArray tokens = sm.create(ids, new Shape(bat, t));
                    NDArray targets = sm.create(tgt, new Shape(bat, t));
                    try (GradientCollector gc = engine.newGradientCollector()) {
                        NDArray logits = model.forward(sm, tokens);
                        NDArray loss = logits.logSoftmax(-1).mul(targets.oneHot(task.vocab())).sum(new int[] {-1})
                                .neg().mean();
                        gc.backward(loss);
                        loss.getFloat();
                    }
                    for (CompiledModel.Weight wt : model.weights()) {
                        NDArray g = wt.array().getGradient();
                        g.attach(sm);
                        g.subi(g);
                    }
                }
                if (i >= 1) {
                    times.add((System.nanoTime() - s) / 1e6);
                    if (times.size() >= 2 && (System.nanoTime() - start) / 1e9 >= recurrentSeconds) {
                        break;
                    }
                }
            }
        }
        long[] s1 = snapshot();
        times.sort(Double::compare);
        return new StepTiming(times.get(times.size() / 2), times.size(), s0, s1);
    }

    // ------------------------------------------------------------------ dispatch overhead

    private void dispatch(Engine engine) {
        int calls = 100_000;
        System.out.printf(Locale.ROOT, "Mean over %,d calls after %,d warm-up calls; results freed by closing a "
                + "sub-manager every 1,000 calls (as the Trainer closes its step manager).%n%n", calls, calls / 10);
        System.out.println("| op | µs per op |");
        System.out.println("|---|---:|");
        try (NDManager base = engine.newBaseManager()) {
            addMicros = dispatchRow(engine, base, "add, two 1-element arrays", new Shape(1), false, NDArray::add, calls);
            dispatchRow(engine, base, "add, two 1-element arrays, autograd recording", new Shape(1), true, NDArray::add,
                    calls);
            dispatchRow(engine, base, "matMul, 4x4 @ 4x4", new Shape(4, 4), false, NDArray::matMul, calls);
            dispatchRow(engine, base, "matMul, 4x4 @ 4x4, autograd recording", new Shape(4, 4), true, NDArray::matMul,
                    calls);
        }
    }

    private static double dispatchRow(Engine engine, NDManager base, String name, Shape shape, boolean grad,
                                    BiFunction<NDArray, NDArray, NDArray> op, int calls) {
        dispatchMicros(engine, base, shape, grad, op, calls / 10);
        double us = dispatchMicros(engine, base, shape, grad, op, calls);
        System.out.printf(Locale.ROOT, "| %s | %.2f |%n", name, us);
        System.out.flush();
        return us;
    }

    private static double dispatchMicros(Engine engine, NDManager base, Shape shape, boolean grad,
                                         BiFunction<NDArray, NDArray, NDArray> op, int calls) {
        int perManager = 1000;
        long s = System.nanoTime();
        for (int done = 0; done < calls; done += perManager) {
            try (NDManager sm = base.newSubManager()) {
                NDArray a = sm.ones(shape);
                NDArray b = sm.ones(shape);
                if (grad) {
                    a.setRequiresGradient(true);
                    GradientCollector recording = engine.newGradientCollector(); // records; no backward
                    try {
                        for (int i = 0; i < perManager; i++) {
                            op.apply(a, b);
                        }
                    } finally {
                        recording.close();
                    }
                } else {
                    for (int i = 0; i < perManager; i++) {
                        op.apply(a, b);
                    }
                }
            }
        }
        return (System.nanoTime() - s) / 1e3 / calls;
    }

    // ------------------------------------------------------------------ worker start-up

    private void workers() throws IOException, DefinitionException {
        String tiny = Files.readString(root.resolve("knowledge-base/architectures/transformer.arch"))
                .replaceFirst("(?m)^param d = \\d+", "param d = 8")
                .replaceFirst("(?m)^param layers = \\d+", "param layers = 1");
        TrainConfig cfg = TrainConfig.builder().steps(5).batchSize(1).evalEvery(5).evalBatches(1).seed(0).build();
        Map<String, String> options = Map.of("vocab", "256", "seq_len", "64");
        List<double[]> cold = new ArrayList<>();
        List<double[]> warm = new ArrayList<>();
        int rounds = 3;
        for (int round = 0; round < rounds; round++) {
            try (Sandbox sandbox = Sandbox.builder().threads(threads).build()) {
                for (int i = 0; i < 3; i++) {
                    EvaluationRequest req = EvaluationRequest.of("bench-" + round + "-" + i, tiny, "tiny.arch", "mqar",
                            options, cfg);
                    long s = System.nanoTime();
                    EvaluationResult r = sandbox.evaluate(req);
                    double total = (System.nanoTime() - s) / 1e9;
                    if (!r.ok()) {
                        System.out.println("worker evaluation failed: " + r.failure());
                        return;
                    }
                    double ready = r.worker().warm() ? 0 : r.worker().startSeconds();
                    // {request-to-ready, request-to-result, trainer wall, request-to-result minus trainer wall}
                    double[] m = {ready, total, r.wallSeconds(), total - r.wallSeconds()};
                    (r.worker().warm() ? warm : cold).add(m);
                }
            }
        }
        System.out.printf(Locale.ROOT, "A tiny definition (transformer, d 8, 1 layer, 5 steps of batch 1); %d fresh "
                + "sandboxes, each with 1 cold and 2 warm requests; medians (min-max). \"overhead\" is request-to-result "
                + "minus the trainer's own wall time (compile, train, evaluate), i.e. start-up, JSON and parsing.%n%n", rounds);
        System.out.println("| worker | n | request to ready line (s) | request to result (s) | trainer wall (s) | overhead (s) |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        workerRow("cold (new JVM + PyTorch engine)", cold, true);
        workerRow("warm (reused worker)", warm, false);
    }

    private static void workerRow(String name, List<double[]> rows, boolean cold) {
        if (rows.isEmpty()) {
            System.out.printf("| %s | 0 | | | | |%n", name);
            return;
        }
        StringBuilder s = new StringBuilder("| " + name + " | " + rows.size() + " | ");
        for (int c = 0; c < 4; c++) {
            if (c == 0 && !cold) {
                s.append("already ready | ");
                continue;
            }
            final int col = c;
            double[] v = rows.stream().mapToDouble(r -> r[col]).sorted().toArray();
            s.append(String.format(Locale.ROOT, "%.3f (%.3f-%.3f) | ", v[v.length / 2], v[0], v[v.length - 1]));
        }
        System.out.println(s.toString().trim());
    }

    // ------------------------------------------------------------------ PyTorch twin

    private void twins(Map<String, Timing> djl) throws Exception {
        Path script = root.resolve("scripts/bench_pytorch_twin.py");
        String version = torchVersion();
        if (version == null) {
            System.out.println("skipped: " + python + " cannot import torch (apt-get install -y python3-torch)");
            return;
        }
        System.out.println("PyTorch " + version + " (" + python + "), torch.set_num_threads(" + threads + "), eager mode; "
                + "up to " + warmup + " warm-up + " + steps + " timed steps (" + 5 * steps + " for the floor rows), fewer "
                + "when a step is slow (at most about 15 s + 60 s per model; the steps column says how many were "
                + "timed); the batch is random tokens of the same shape. The floor rows (d 8, batch 1) compare the "
                + "per-step fixed cost, where the BLAS does not matter.");
        System.out.println();
        System.out.println("| arch | d | batch | PyTorch steps timed | PyTorch steps/s | PyTorch ms/step (median) "
                + "| PyTorch others | DJL steps/s | DJL ms/step (median) | DJL others | DJL / PyTorch (steps/s) |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Path dir = Files.createTempDirectory("archlab-bench-twin");
        JsonNode refs = null;
        try {
            for (String key : djl.keySet()) {
                boolean floor = key.endsWith(FLOOR);
                String arch = floor ? key.substring(0, key.length() - FLOOR.length()) : key;
                int dim = floor ? 8 : d;
                int bat = floor ? 1 : batch;
                int timed = floor ? 5 * steps : steps;
                ModelDefinition def = definition(arch, dim, 4, 2);
                Path model = dir.resolve(arch + "_" + dim + "_model.py");
                Files.writeString(model, PyTorchExporter.export(def), StandardCharsets.UTF_8);
                JsonNode r = runPython(script, model, bat, timed);
                String label = floor ? arch + " (fixed-cost floor)" : arch;
                if (r == null) {
                    System.out.printf("| %s | %d | %d | failed (see stderr) | | | | | | | |%n", label, dim, bat);
                    continue;
                }
                if (!floor) {
                    refs = r;
                }
                double pts = r.get("steps_per_s").asDouble();
                Timing t = djl.get(key);
                double others = r.path("others").asDouble(-1);
                System.out.printf(Locale.ROOT, "| %s | %d | %d | %d | %.2f | %.1f | %s | %.2f | %.1f | %s | %.2f |%n", label,
                        dim, bat, r.path("timed_steps").asInt(), pts, r.get("median_step_ms").asDouble(),
                        others < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f %%", others), t.stepsPerSecond(),
                        t.medianMs(), t.others(), t.stepsPerSecond() / pts);
                System.out.flush();
            }
            if (refs != null) {
                System.out.printf(Locale.ROOT, "%nReferences measured in the twin's own process: BLAS %s, MKL %s; best fp32 "
                        + "matmul (512, 1024 square) **%.1f GFLOP/s** (DJL's libtorch above: %.1f); eager add of two "
                        + "1-element tensors %.2f µs (DJL above: %.2f µs).%n", refs.get("blas").asText(),
                        refs.get("mkl").asBoolean() ? "yes" : "no", refs.get("matmul_gflops").asDouble(), peakGflops,
                        refs.get("add_dispatch_us").asDouble(), addMicros);
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private String torchVersion() {
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch; print(torch.__version__)")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    private JsonNode runPython(Path script, Path model, int bat, int timed) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(python, script.toString(), model.toString(), "--batch",
                Integer.toString(bat), "--seq-len", Integer.toString(task.seqLen()), "--threads",
                Integer.toString(threads), "--warmup", Integer.toString(warmup), "--steps", Integer.toString(timed))
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
        pb.environment().put("MKL_NUM_THREADS", Integer.toString(threads));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isEmpty()) {
            p.destroyForcibly();
            return null;
        }
        String last = out.lines().reduce((a, b) -> b).orElse("");
        return JSON.readTree(last);
    }
}
