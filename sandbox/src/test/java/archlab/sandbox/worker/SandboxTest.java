package archlab.sandbox.worker;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.sandbox.train.ProgressListener;
import archlab.sandbox.train.TrainConfig;
import archlab.sandbox.train.TrainResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real worker processes, tiny models: every way an evaluation can end, and the parent survives them all.
 * Set -Darchlab.test.worker_stderr=true to see the workers' stderr.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxTest {

    /** embed → rmsnorm → linear to the vocabulary: trains in milliseconds a step. */
    static final String TINY = """
            arch tiny
            param d = 16

            model(tokens):
                x = embed(tokens, d)
                return linear(rmsnorm(x), vocab)
            """;

    /** A one-layer softmax-attention mixer, d = 16. */
    static final String MIXER = """
            arch one_layer
            param d = 16
            param heads = 2

            block mixer(x):
                q = split_heads(linear(x, d), heads)
                k = split_heads(linear(x, d), heads)
                v = split_heads(linear(x, d), heads)
                return linear(merge_heads(softmax_attention(q, k, v)), d)

            model(tokens):
                x = embed(tokens, d)
                h = x + mixer(rmsnorm(x))
                return linear(rmsnorm(h), vocab)
            """;

    /** An undefined name, {@code vocabulary}, at line 6, column 31. */
    static final String BROKEN = """
            arch tiny
            param d = 16

            model(tokens):
                x = embed(tokens, d)
                return linear(rmsnorm(x), vocabulary)
            """;

    /** A 16384 x 16384 projection: 1 GiB of float weights, far above a 600 MB budget. */
    static final String HUGE = """
            arch huge
            param d = 16384

            model(tokens):
                x = embed(tokens, d)
                return linear(rmsnorm(linear(x, d)), vocab)
            """;

    static final Map<String, String> SMALL_MQAR = Map.of("vocab", "32", "seq_len", "16", "pairs", "2");

    Sandbox sandbox;

    @TempDir
    Path dir;

    @BeforeAll
    void start() {
        sandbox = builder().build();
    }

    @AfterAll
    void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    static Sandbox.Builder builder() {
        Sandbox.Builder b = Sandbox.builder().threads(1).defaultLimits(new Limits(60, 256, 2048, 10_000));
        if (Boolean.getBoolean("archlab.test.worker_stderr")) {
            b.stderrSink(System.err::println);
        }
        return b;
    }

    static TrainConfig config(int steps) {
        return TrainConfig.builder().steps(steps).batchSize(8).learningRate(3e-3).evalEvery(10).evalBatches(2)
                .curveEvery(5).seed(1).build();
    }

    static EvaluationRequest request(String id, String definition, TrainConfig config) {
        return EvaluationRequest.of(id, definition, id + ".arch", "mqar", SMALL_MQAR, config);
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Records the progress and evaluation lines a run reports. */
    static final class Recorder implements ProgressListener {
        final List<Integer> steps = new ArrayList<>();
        final List<Map<String, Double>> evals = new ArrayList<>();

        @Override
        public void onStep(int step, int total, double loss, double lr, double elapsedSeconds) {
            steps.add(step);
        }

        @Override
        public void onEval(int step, Map<String, Double> metrics) {
            evals.add(metrics);
        }
    }

    @Test
    @Order(1)
    void okRunReportsMetricsProgressAndCost() {
        Recorder progress = new Recorder();
        EvaluationResult r = sandbox.evaluate(request("ok", MIXER, config(20)), progress);

        assertThat(r.status()).as(String.valueOf(r.failure())).isEqualTo("ok");
        assertThat(r.failure()).isNull();
        assertThat(r.id()).isEqualTo("ok");
        assertThat(r.metrics()).containsKeys("accuracy", "loss");
        assertThat(r.metrics().get("accuracy")).isBetween(0.0, 1.0);
        assertThat(r.stepsDone()).isEqualTo(20);
        assertThat(r.params()).isPositive();
        assertThat(r.tokensPerSecond()).isPositive();
        assertThat(r.peakRssMb()).isGreaterThan(50);
        assertThat(r.wallSeconds()).isPositive();
        assertThat(r.threads()).isEqualTo(1);
        assertThat(r.curve()).isNotEmpty();
        assertThat(r.worker().pid()).isPositive();
        assertThat(progress.steps).contains(1, 20);
        assertThat(progress.evals).hasSize(2);
        assertThat(alive(r.worker().pid())).as("a healthy worker stays warm").isTrue();
    }

    @Test
    @Order(2)
    void invalidDefinitionNamesLineAndColumn() {
        EvaluationResult r = sandbox.evaluate(request("broken", BROKEN, config(5)));

        assertThat(r.status()).isEqualTo("failed");
        assertThat(r.failure().kind()).isEqualTo("invalid_definition");
        assertThat(r.failure().node()).isEqualTo("6:31");
        assertThat(r.failure().stage()).isEqualTo("check");
        assertThat(r.failure().message()).contains("broken.arch:6:31").contains("vocabulary");
    }

    @Test
    @Order(3)
    void badTaskOptionIsInvalidConfig() {
        EvaluationRequest req = EvaluationRequest.of("badopt", TINY, "t.arch", "mqar",
                Map.of("vocab", "32", "seq_len", "16", "pairs", "lots"), config(5));
        EvaluationResult r = sandbox.evaluate(req);

        assertThat(r.failure().kind()).isEqualTo("invalid_config");
        assertThat(r.failure().message()).contains("pairs").contains("lots");

        EvaluationResult unknown = sandbox.evaluate(EvaluationRequest.of("badtask", TINY, "t.arch", "no_such_task",
                Map.of(), config(5)));
        assertThat(unknown.failure().kind()).isEqualTo("invalid_config");
        assertThat(unknown.failure().message()).contains("no_such_task").contains("mqar");
    }

    @Test
    @Order(4)
    void moreStepsThanTheLimitIsInvalidConfig() {
        EvaluationRequest req = request("toolong", TINY, config(50)).withLimits(Limits.UNSET.withMaxSteps(10));
        EvaluationResult r = sandbox.evaluate(req);

        assertThat(r.failure().kind()).isEqualTo("invalid_config");
        assertThat(r.failure().message()).contains("max_steps = 10").contains("50");
    }

    @Test
    @Order(5)
    void hugeLearningRateDiverges() {
        TrainConfig hot = TrainConfig.builder().steps(30).batchSize(8).learningRate(1e6).warmupSteps(1)
                .evalEvery(10).evalBatches(2).seed(1).build();
        EvaluationResult r = sandbox.evaluate(request("hot", TINY, hot));

        assertThat(r.status()).isEqualTo("failed");
        assertThat(r.failure().kind()).isEqualTo("diverged");
        // real divergence: the first step trained at a normal loss, a later one blew up
        assertThat(r.failure().step()).isPositive();
        assertThat(r.curve()).isNotEmpty();
        assertThat(r.curve().get(0).loss()).isBetween(0.0, 10.0);
        assertThat(r.failure().message()).contains("loss");
    }

    @Test
    @Order(6)
    void aDefinitionAboveTheMemoryLimitIsKilledAsOom() {
        // a heap large enough for the weights' staging arrays, so the resident-memory watchdog acts first
        EvaluationRequest req = request("huge", HUGE, config(5))
                .withLimits(Limits.UNSET.withRssMb(600).withHeapMb(2048));
        EvaluationResult r = sandbox.evaluate(req);

        assertThat(r.status()).isEqualTo("failed");
        assertThat(r.failure().kind()).as(r.failure().message()).isEqualTo("oom");
        assertThat(r.failure().message()).contains("rss_mb = 600").contains("MB of float weights");
        assertThat(r.params()).isGreaterThan(16384L * 16384);
        assertThat(r.peakRssMb()).isGreaterThan(600);
        assertThat(alive(r.worker().pid())).isFalse();
    }

    @Test
    @Order(7)
    void runningOutOfJavaHeapIsOom() {
        EvaluationRequest req = request("heap", HUGE, config(5)).withLimits(Limits.UNSET.withHeapMb(128));
        EvaluationResult r = sandbox.evaluate(req);

        assertThat(r.failure().kind()).as(r.failure().message()).isEqualTo("oom");
        assertThat(r.failure().message()).contains("heap_mb = 128");
        assertThat(r.worker().exitCode()).isEqualTo(3);
    }

    @Test
    @Order(8)
    void aSlowRunTimesOutAndItsProcessTreeIsGone() {
        EvaluationRequest req = request("slow", MIXER, config(5000)).withLimits(Limits.UNSET.withWallSeconds(3));
        long t0 = System.nanoTime();
        EvaluationResult r = sandbox.evaluate(req);
        double took = (System.nanoTime() - t0) / 1e9;

        assertThat(r.failure().kind()).isEqualTo("timeout");
        assertThat(r.failure().message()).contains("wall_s");
        assertThat(took).isBetween(2.9, 15.0);
        long pid = r.worker().pid();
        assertThat(alive(pid)).isFalse();
        assertThat(ProcessHandle.current().descendants().filter(h -> h.pid() == pid)).isEmpty();
        assertThat(sandbox.workerPids()).doesNotContain(pid);
    }

    @Test
    @Order(8)
    void aRunKilledAtItsLimitKeepsItsCurveAndLastHeldOutEvaluation() {
        TrainConfig evalOften = TrainConfig.builder().steps(5000).batchSize(8).learningRate(3e-3).evalEvery(2)
                .evalBatches(1).curveEvery(5).seed(1).build();
        EvaluationResult r = sandbox.evaluate(request("partial", MIXER, evalOften)
                .withLimits(Limits.UNSET.withWallSeconds(6)));

        assertThat(r.failure().kind()).isEqualTo("timeout");
        assertThat(r.partial()).as("a timed-out run with an evaluation is partial").isTrue();
        assertThat(r.stepsDone()).isGreaterThanOrEqualTo(2);
        assertThat(r.metrics()).containsKeys("accuracy", "loss");
        assertThat(r.curve()).isNotEmpty().allSatisfy(p -> assertThat(p.loss()).isFinite());
        TrainResult.CurvePoint lastEval = r.curve().stream().filter(p -> p.eval() != null)
                .reduce((a, b) -> b).orElseThrow();
        assertThat(lastEval.eval()).as("the result's metrics are its last held-out evaluation").isEqualTo(r.metrics());
        assertThat(lastEval.step()).isLessThanOrEqualTo(r.stepsDone());
        assertThat(lastEval.step() % 2).isZero();
    }

    @Test
    @Order(9)
    void aWorkerKilledFromOutsideIsACrashWithItsStderr() {
        AtomicBoolean killed = new AtomicBoolean();
        ProgressListener killer = new ProgressListener() {
            @Override
            public void onStep(int step, int steps, double loss, double lr, double elapsedSeconds) {
                if (!killed.getAndSet(true)) {
                    for (long pid : sandbox.workerPids()) {
                        try {
                            new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
                        } catch (IOException | InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    }
                }
            }
        };
        EvaluationResult r = sandbox.evaluate(request("victim", MIXER, config(5000)), killer);

        assertThat(killed).isTrue();
        assertThat(r.failure().kind()).isEqualTo("crash");
        assertThat(r.failure().message()).contains("signal 9").contains("SIGKILL");
        assertThat(r.failure().stderrTail()).contains("archlab worker");
        assertThat(r.worker().exitCode()).isEqualTo(137);
        assertThat(alive(r.worker().pid())).isFalse();
    }

    /**
     * A native crash: SIGSEGV delivered to the worker mid-training, as a fault in libtorch would. The
     * JVM's own handler aborts the process (hs_err report); the parent records a crash and goes on.
     */
    @Test
    @Order(9)
    void aNativeCrashInTheWorkerIsACrashAndTheParentGoesOn() {
        AtomicBoolean crashed = new AtomicBoolean();
        ProgressListener segv = new ProgressListener() {
            @Override
            public void onStep(int step, int steps, double loss, double lr, double elapsedSeconds) {
                if (!crashed.getAndSet(true)) {
                    for (long pid : sandbox.workerPids()) {
                        try {
                            new ProcessBuilder("kill", "-SEGV", Long.toString(pid)).start().waitFor();
                        } catch (IOException | InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    }
                }
            }
        };
        EvaluationResult r = sandbox.evaluate(request("segv", MIXER, config(5000)), segv);

        assertThat(crashed).isTrue();
        assertThat(r.failure().kind()).isEqualTo("crash");
        assertThat(r.worker().exitCode()).isNotZero();
        assertThat(alive(r.worker().pid())).isFalse();
        assertThat(sandbox.evaluate(request("after-segv", MIXER, config(20)), null).ok())
                .as("the next evaluation runs in a fresh worker").isTrue();
    }

    @Test
    @Order(10)
    void aWarmWorkerIsReusedAndStartsFaster() {
        try (Sandbox own = builder().build()) {
            long t0 = System.nanoTime();
            EvaluationResult cold = own.evaluate(request("cold", TINY, config(5)));
            double coldSeconds = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            EvaluationResult warm = own.evaluate(request("warm", TINY, config(5)));
            double warmSeconds = (System.nanoTime() - t1) / 1e9;

            assertThat(cold.ok()).isTrue();
            assertThat(warm.ok()).isTrue();
            assertThat(cold.worker().warm()).isFalse();
            assertThat(cold.worker().startSeconds()).isPositive();
            assertThat(warm.worker().warm()).isTrue();
            assertThat(warm.worker().startSeconds()).isZero();
            assertThat(warm.worker().pid()).isEqualTo(cold.worker().pid());
            assertThat(warm.worker().requests()).isEqualTo(2);
            assertThat(warmSeconds).isLessThan(coldSeconds);
            System.out.printf("worker start: cold %.2f s (JVM and engine %.2f s), warm %.2f s%n", coldSeconds,
                    cold.worker().startSeconds(), warmSeconds);
            // same inputs, same numbers, in a fresh or a reused process
            assertThat(warm.metrics()).isEqualTo(cold.metrics());
        }
    }

    @Test
    @Order(11)
    void concurrentEvaluationsRunInSeparateWorkers() throws Exception {
        Sandbox two = builder().workers(2).build();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        List<Long> pids;
        try {
            Future<EvaluationResult> a = threads.submit(() -> two.evaluate(request("a", TINY, config(10))));
            Future<EvaluationResult> b = threads.submit(() -> two.evaluate(request("b", TINY, config(10))));
            EvaluationResult ra = a.get();
            EvaluationResult rb = b.get();
            assertThat(ra.ok()).isTrue();
            assertThat(rb.ok()).isTrue();
            assertThat(ra.id()).isEqualTo("a");
            assertThat(rb.id()).isEqualTo("b");
            assertThat(ra.worker().pid()).isNotEqualTo(rb.worker().pid());
            pids = two.workerPids();
            assertThat(pids).hasSize(2);
        } finally {
            threads.shutdownNow();
            two.close();
        }
        assertThat(pids).noneMatch(SandboxTest::alive);
    }

    @Test
    @Order(12)
    void outputOutsideTheProtocolIsACrashQuotingTheLine() throws IOException {
        Path fake = script("fake-java", "#!/bin/sh\necho 'archlab worker 1: noise on stdout' >&2\n"
                + "echo 'hello from the wrong stream'\nsleep 30\n");
        try (Sandbox broken = builder().javaExecutable(fake.toString()).build()) {
            EvaluationResult r = broken.evaluate(request("noise", TINY, config(5)));
            assertThat(r.failure().kind()).isEqualTo("crash");
            assertThat(r.failure().message()).contains("\"hello from the wrong stream\"");
            assertThat(alive(r.worker().pid())).isFalse();
        }
        Path quits = script("quits", "#!/bin/sh\n" + READY + "echo 'giving up' >&2\nexit 0\n");
        try (Sandbox broken = builder().javaExecutable(quits.toString()).build()) {
            EvaluationResult r = broken.evaluate(request("quits", TINY, config(5)));
            assertThat(r.failure().kind()).isEqualTo("crash");
            assertThat(r.failure().message()).contains("exited with status 0");
            assertThat(r.failure().stderrTail()).isEqualTo("giving up");
        }
        try (Sandbox missing = builder().javaExecutable(dir.resolve("no-such-java").toString()).build()) {
            EvaluationResult r = missing.evaluate(request("nojava", TINY, config(5)));
            assertThat(r.failure().kind()).isEqualTo("internal");
            assertThat(r.failure().message()).contains("no-such-java");
        }
    }

    static final String READY = "echo '{\"type\":\"ready\",\"pid\":1,\"threads\":1,\"start_s\":0}'\n";

    /** Processes whose command line contains {@code marker}, anywhere on the machine. */
    static List<ProcessHandle> running(String marker) {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .filter(h -> h.info().commandLine().map(c -> c.contains(marker)).orElse(false)).toList();
    }

    @Test
    @Order(13)
    void theWatchdogSumsTheWholeTreeAndKillsIt() throws IOException {
        // a stand-in worker whose grandchild (dd, holding a 701 MB buffer) is what uses the memory
        Path hog = script("hog", "#!/bin/sh\n" + READY
                + "dd if=/dev/zero bs=701M count=1 2>/dev/null | sleep 61.25 &\nsleep 61.25\n");
        try (Sandbox s = builder().javaExecutable(hog.toString()).build()) {
            EvaluationResult r = s.evaluate(request("hog", TINY, config(5)).withLimits(Limits.UNSET.withRssMb(600)));
            assertThat(r.failure().kind()).as(r.failure().message()).isEqualTo("oom");
            assertThat(r.peakRssMb()).isGreaterThan(600);
            assertThat(running("bs=701M")).isEmpty();
            assertThat(running("sleep 61.25")).isEmpty();
        }
        Path sleeper = script("sleeper", "#!/bin/sh\n" + READY + "sleep 62.25 &\nsleep 62.25\n");
        try (Sandbox s = builder().javaExecutable(sleeper.toString()).build()) {
            EvaluationResult r = s.evaluate(request("sleeper", TINY, config(5))
                    .withLimits(Limits.UNSET.withWallSeconds(1)));
            assertThat(r.failure().kind()).isEqualTo("timeout");
            assertThat(r.failure().message()).contains("before the first training step");
            assertThat(running("sleep 62.25")).isEmpty();
        }
    }

    @Test
    @Order(14)
    void theParentSurvivedEverythingAndStillEvaluates() {
        EvaluationResult r = sandbox.evaluate(request("after", TINY, config(5)));
        assertThat(r.ok()).as(String.valueOf(r.failure())).isTrue();
        assertThat(ProcessHandle.current().isAlive()).isTrue();
        // no stray processes: only the pool's live workers are left under this JVM
        List<Long> workers = sandbox.workerPids();
        assertThat(ProcessHandle.current().children()
                .filter(h -> h.info().commandLine().map(c -> c.contains(WorkerMain.class.getName())).orElse(false))
                .map(ProcessHandle::pid)).allMatch(workers::contains);
    }

    @Test
    @Order(15)
    void closeKillsIdleWorkers() {
        Sandbox own = builder().build();
        EvaluationResult r = own.evaluate(request("idle", TINY, config(2)));
        assertThat(r.ok()).as(String.valueOf(r.failure())).isTrue();
        assertThat(own.idleWorkers()).isEqualTo(1);
        own.close();
        Optional<ProcessHandle> h = ProcessHandle.of(r.worker().pid());
        h.ifPresent(p -> p.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join());
        assertThat(alive(r.worker().pid())).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> own.evaluate(request("x", TINY, config(2))))
                .isInstanceOf(IllegalStateException.class);
    }

    private Path script(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }
}
