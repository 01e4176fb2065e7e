package archlab.agent.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.campaign.SlurmSettings;
import archlab.knowledge.store.RemoteEvaluation;
import archlab.knowledge.store.RemoteJob;
import archlab.knowledge.store.Store;
import archlab.sandbox.train.TrainConfig;
import archlab.sandbox.worker.EvaluationRequest;
import archlab.sandbox.worker.EvaluationResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator-killed case at the executor level, on the real cluster and PostgreSQL: a
 * coordinator that dies while its job runs leaves the job running, and a new coordinator finds the job
 * id in the store and waits on that job instead of submitting another.
 */
@Tag("slurm")
class SlurmReattachTest {
    @TempDir
    Path dir;

    static EvaluationRequest request(String id, int steps) throws Exception {
        String source = Files.readString(Path.of("../knowledge-base/architectures/linear_attention.arch"));
        TrainConfig config = TrainConfig.builder().steps(steps).batchSize(16).seed(7).build();
        return EvaluationRequest.of(id, source, id + ".arch", "mqar", Map.of("vocab", "16", "seq_len", "24", "pairs", "3"),
                config);
    }

    static SlurmExecutor executor(Store store, String url, Path logs, List<String> notes) {
        SlurmSettings settings = SlurmSettings.builder().cpus(1).memory("1G").time("00:05:00").maxInFlight(2)
                .retries(2).poll(Duration.ofMillis(500)).build();
        return SlurmExecutor.builder().settings(settings).slurm(new SlurmCli()).remote(store.remoteEvaluations())
                .campaignId("c-test").storeUrl(url).logDir(logs).log(notes::add).build();
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aNewCoordinatorWaitsOnTheJobInFlightInsteadOfSubmittingAgain() throws Exception {
        try (SlurmTestCluster cluster = SlurmTestCluster.require(); Store store = Store.open(cluster.storeUrl())) {
            List<String> notes = new java.util.concurrent.CopyOnWriteArrayList<>();
            EvaluationRequest request = request("exp-reattach", 150);
            String key = "exp-reattach/explore/0";
            SlurmExecutor first = executor(store, cluster.storeUrl(), dir, notes);
            AtomicReference<Thread> slot = new AtomicReference<>();
            CompletableFuture<EvaluationResult> abandoned = CompletableFuture.supplyAsync(() -> {
                slot.set(Thread.currentThread());
                return first.evaluate(key, request, archlab.sandbox.train.ProgressListener.NONE);
            });
            // the job's worker has started: the coordinator "dies" (its slot stops waiting; it is never
            // closed, as a killed process is not, so nothing is cancelled)
            RemoteJob running = awaitStarted(store, key);
            slot.get().interrupt();
            EvaluationResult gone = abandoned.get(30, TimeUnit.SECONDS);
            assertThat(gone.failureKind()).isEqualTo(EvaluationResult.INTERNAL);
            assertThat(SlurmTestCluster.run("squeue", "--noheader", "-j", running.jobId(), "-o", "%T").strip())
                    .as("the job outlives its coordinator").isIn("RUNNING", "COMPLETING", "COMPLETED");

            try (SlurmExecutor second = executor(store, cluster.storeUrl(), dir, notes)) {
                EvaluationResult r = second.evaluate(key, request, archlab.sandbox.train.ProgressListener.NONE);
                assertThat(r.ok()).as(String.valueOf(r.failure())).isTrue();
                assertThat(r.id()).isEqualTo("exp-reattach");
                assertThat(r.stepsDone()).isEqualTo(150);
            }
            RemoteEvaluation row = store.remoteEvaluations().find(key).orElseThrow();
            assertThat(row.attempts()).as("submitted once").isEqualTo(1);
            assertThat(row.lost()).isZero();
            assertThat(row.resultJobId()).isEqualTo(running.jobId());
            assertThat(store.remoteEvaluations().jobs(key)).singleElement()
                    .satisfies(j -> assertThat(j.state()).isEqualTo("COMPLETED"));
            assertThat(notes).anyMatch(n -> n.contains("re-attached to Slurm job " + running.jobId()));
            // only now stop the dead coordinator's poller: its job has a result, so closing changes nothing
            first.close();
            assertThat(store.remoteEvaluations().find(key).orElseThrow().resultJobId()).isEqualTo(running.jobId());
        }
    }

    static RemoteJob awaitStarted(Store store, String key) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            List<RemoteJob> jobs = store.remoteEvaluations().jobs(key);
            if (!jobs.isEmpty() && jobs.get(jobs.size() - 1).startedAt() != null) {
                return jobs.get(jobs.size() - 1);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the job of " + key + " did not start within 2 minutes: "
                + SlurmTestCluster.run("squeue", "-a"));
    }
}
