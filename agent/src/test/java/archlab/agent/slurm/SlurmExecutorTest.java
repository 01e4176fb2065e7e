package archlab.agent.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.campaign.SlurmSettings;
import archlab.knowledge.store.RemoteEvaluation;
import archlab.knowledge.store.RemoteJob;
import archlab.knowledge.store.Store;
import archlab.sandbox.train.ProgressListener;
import archlab.sandbox.worker.EvaluationRequest;
import archlab.sandbox.worker.EvaluationResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor's bookkeeping without a cluster: a scripted stand-in for Slurm (the integration tests,
 * SlurmCampaignTest and SlurmReattachTest, use the real one) and an H2 store.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlurmExecutorTest {
    @TempDir
    Path dir;
    Store store;
    ScriptedSlurm slurm;
    List<String> notes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() {
        store = Store.openRunFolder(dir);
        slurm = new ScriptedSlurm();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private SlurmExecutor executor(int retries) {
        SlurmSettings s = SlurmSettings.builder().partition("debug").cpus(2).retries(retries).setup(List.of("module load java"))
                .poll(Duration.ofMillis(100)).build();
        return SlurmExecutor.builder().settings(s).slurm(slurm).remote(store.remoteEvaluations()).campaignId("c-1")
                .storeUrl("jdbc:postgresql://db/archlab?user=a&password=secret").workerCommand(List.of("/opt/jdk/bin/java",
                        "-cp", "/shared/archlab/lib/*", "archlab.agent.cli.Main"))
                .logDir(dir.resolve("slurm")).log(notes::add).build();
    }

    private static EvaluationRequest request(String id) {
        return EvaluationRequest.of(id, "model(tokens): ...", id + ".arch", "mqar", Map.of(), null);
    }

    @Test
    void jobsThatKeepDyingEndAsOneRecordedFailureAfterTheRetries() {
        slurm.onSubmit = id -> slurm.set(id, "NODE_FAIL", "1:0");
        try (SlurmExecutor ex = executor(1)) {
            EvaluationResult r = ex.evaluate("e1/explore/0", request("e1"), ProgressListener.NONE);
            assertThat(r.ok()).isFalse();
            assertThat(r.id()).isEqualTo("e1");
            assertThat(r.failureKind()).isEqualTo(EvaluationResult.CRASH);
            assertThat(r.failure().message()).contains("ended without a result 2 times (retries: 1)",
                    "job 1 NODE_FAIL", "job 2 NODE_FAIL");
            assertThat(slurm.submitted).hasSize(2);
            // the failure is the evaluation's result now: asking again submits nothing
            EvaluationResult again = ex.evaluate("e1/explore/0", request("e1"), ProgressListener.NONE);
            assertThat(again.failure().message()).isEqualTo(r.failure().message());
            assertThat(slurm.submitted).hasSize(2);
        }
        RemoteEvaluation row = store.remoteEvaluations().find("e1/explore/0").orElseThrow();
        assertThat(row.attempts()).isEqualTo(2);
        assertThat(row.lost()).isEqualTo(2);
        assertThat(row.resultJobId()).isNull();
        assertThat(notes).anyMatch(n -> n.contains("submitted again as Slurm job 2"));
    }

    @Test
    void aSchedulerTimeoutBecomesATimeoutFailure() {
        slurm.onSubmit = id -> slurm.set(id, "TIMEOUT", "0:15");
        try (SlurmExecutor ex = executor(0)) {
            EvaluationResult r = ex.evaluate("e2/explore/0", request("e2"), ProgressListener.NONE);
            assertThat(r.failureKind()).isEqualTo(EvaluationResult.TIMEOUT);
            assertThat(slurm.submitted).hasSize(1);
        }
    }

    @Test
    void theWorkersResultIsReturnedAndALaterDuplicateChangesNothing() {
        slurm.onSubmit = id -> {
            // the job runs its worker, which writes the result, then ends
            store.remoteEvaluations().complete("e3/explore/0", id, "{\"id\":\"e3\",\"status\":\"ok\",\"wall_s\":1.5,"
                    + "\"peak_rss_mb\":100,\"metrics\":{\"accuracy\":0.5}}");
            slurm.set(id, "COMPLETED", "0:0");
        };
        try (SlurmExecutor ex = executor(2)) {
            EvaluationResult r = ex.evaluate("e3/explore/0", request("e3"), ProgressListener.NONE);
            assertThat(r.ok()).isTrue();
            assertThat(r.metrics()).containsEntry("accuracy", 0.5);
        }
        assertThat(store.remoteEvaluations().complete("e3/explore/0", "99", "{\"id\":\"e3\",\"status\":\"failed\"}"))
                .isFalse();
        assertThat(store.remoteEvaluations().jobs("e3/explore/0")).extracting(RemoteJob::state).containsExactly("COMPLETED");
    }

    @Test
    void closingCancelsTheJobsInFlightWithoutCountingThemAsLost() throws Exception {
        slurm.onSubmit = id -> slurm.set(id, "RUNNING", null);
        SlurmExecutor ex = executor(2);
        CompletableFuture<EvaluationResult> waiting = CompletableFuture.supplyAsync(
                () -> ex.evaluate("e4/explore/0", request("e4"), ProgressListener.NONE));
        while (slurm.submitted.isEmpty()) {
            Thread.sleep(20);
        }
        Thread.sleep(300);
        ex.close();
        assertThat(waiting.get(10, TimeUnit.SECONDS).failureKind()).isEqualTo(EvaluationResult.INTERNAL);
        assertThat(slurm.cancelled).containsExactly("1");
        RemoteEvaluation row = store.remoteEvaluations().find("e4/explore/0").orElseThrow();
        assertThat(row.jobId()).isNull();
        assertThat(row.lost()).isZero();
        assertThat(store.remoteEvaluations().jobs("e4/explore/0")).singleElement()
                .satisfies(j -> assertThat(j.note()).contains("cancelled by the coordinator"));
    }

    @Test
    void aSlotInterruptedByTheLoopGoingDownLeavesItsJobForCloseToCancel() throws Exception {
        slurm.onSubmit = id -> slurm.set(id, "RUNNING", null);
        SlurmExecutor ex = executor(2);
        AtomicReference<Thread> slot = new AtomicReference<>();
        CompletableFuture<EvaluationResult> waiting = CompletableFuture.supplyAsync(() -> {
            slot.set(Thread.currentThread());
            return ex.evaluate("e6/explore/0", request("e6"), ProgressListener.NONE);
        });
        while (slurm.submitted.isEmpty() || store.remoteEvaluations().find("e6/explore/0").orElseThrow().jobId() == null) {
            Thread.sleep(20);
        }
        slot.get().interrupt();
        assertThat(waiting.get(10, TimeUnit.SECONDS).failureKind()).isEqualTo(EvaluationResult.INTERNAL);
        ex.close();
        assertThat(slurm.cancelled).containsExactly("1");
    }

    @Test
    void aJobAlreadyQueuedUnderTheEvaluationsNameIsAdoptedNotSubmittedAgain() {
        // a coordinator killed between sbatch and its store write left job 41 queued
        slurm.jobs.put("41", new JobState("41", "PENDING", "Priority", null, null));
        slurm.names.put("41", SlurmExecutor.jobName("e5/explore/0"));
        slurm.onSubmit = id -> {
            throw new AssertionError("nothing should be submitted");
        };
        Thread finisher = new Thread(() -> {
            try {
                while (store.remoteEvaluations().find("e5/explore/0").map(RemoteEvaluation::jobId).orElse(null) == null) {
                    Thread.sleep(20);
                }
                store.remoteEvaluations().complete("e5/explore/0", "41", "{\"id\":\"e5\",\"status\":\"ok\"}");
                slurm.set("41", "COMPLETED", "0:0");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        finisher.start();
        try (SlurmExecutor ex = executor(2)) {
            assertThat(ex.evaluate("e5/explore/0", request("e5"), ProgressListener.NONE).ok()).isTrue();
        }
        assertThat(slurm.submitted).isEmpty();
        assertThat(notes).anyMatch(n -> n.contains("adopted Slurm job 41"));
    }

    @Test
    void theBatchScriptRunsTheWorkerAndKeepsThePasswordOffItsCommandLine() {
        try (SlurmExecutor ex = executor(2)) {
            BatchJob job = ex.batchJob("exp-1/explore/0", request("exp-1").withThreads(2), 1);
            assertThat(job.name()).isEqualTo("archlab-exp-1_explore_0");
            assertThat(job.options()).containsExactly("--output=" + dir.resolve("slurm").toAbsolutePath()
                    + "/exp-1_explore_0-%j.out", "--export=ALL", "--partition=debug", "--cpus-per-task=2", "--ntasks=1");
            assertThat(job.script()).startsWith("#!/bin/bash\n").contains("\nmodule load java\n")
                    .contains("exec /opt/jdk/bin/java -cp '/shared/archlab/lib/*' archlab.agent.cli.Main worker"
                            + " --evaluation exp-1/explore/0 --threads 2\n")
                    .doesNotContain("secret");
            assertThat(job.environment()).containsEntry(WorkerEnvironment.STORE_URL,
                    "jdbc:postgresql://db/archlab?user=a&password=secret");
        }
    }

    /** Jobs whose fate the test decides. */
    static final class ScriptedSlurm implements Slurm {
        final Map<String, JobState> jobs = new LinkedHashMap<>();
        final Map<String, String> names = new LinkedHashMap<>();
        final List<BatchJob> submitted = new CopyOnWriteArrayList<>();
        final List<String> cancelled = new CopyOnWriteArrayList<>();
        volatile Consumer<String> onSubmit = id -> { };
        private int next;

        synchronized void set(String id, String state, String exit) {
            jobs.put(id, new JobState(id, state, null, exit, "node1"));
        }

        @Override
        public void check(BatchJob job) {
        }

        @Override
        public String submit(BatchJob job) {
            String id;
            synchronized (this) {
                id = Integer.toString(++next);
                jobs.put(id, new JobState(id, "PENDING", "Priority", null, null));
                names.put(id, job.name());
            }
            submitted.add(job);
            // the job's life starts once the executor recorded it, as on a real cluster
            CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
                onSubmit.accept(id);
            });
            return id;
        }

        @Override
        public synchronized Map<String, JobState> states(Collection<String> jobIds) {
            Map<String, JobState> out = new LinkedHashMap<>();
            jobIds.forEach(id -> Optional.ofNullable(jobs.get(id)).ifPresent(s -> out.put(id, s)));
            return out;
        }

        @Override
        public synchronized Optional<JobState> lookup(String jobId) {
            return Optional.ofNullable(jobs.get(jobId));
        }

        @Override
        public synchronized List<String> activeByName(String name) {
            List<String> out = new ArrayList<>();
            names.forEach((id, n) -> {
                if (n.equals(name) && jobs.get(id).active()) {
                    out.add(id);
                }
            });
            return out;
        }

        @Override
        public synchronized void cancel(Collection<String> jobIds) {
            cancelled.addAll(jobIds);
            jobIds.forEach(id -> set(id, "CANCELLED", "0:15"));
        }
    }
}
