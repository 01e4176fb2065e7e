package archlab.knowledge.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster-job tables (migration V5) on every database: H2 ({@link RemoteEvaluationsH2Test}) and
 * PostgreSQL ({@link RemoteEvaluationsPostgresTest}). What the Slurm executor relies on: one row per
 * evaluation id, a result written once, a lost job freeing the evaluation for the next one.
 */
abstract class RemoteEvaluationsContract {
    protected Store store;

    protected abstract Store openStore() throws Exception;

    @BeforeEach
    void setUp() throws Exception {
        store = openStore();
    }

    @AfterEach
    void tearDown() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void registeringTwiceKeepsTheFirstRequest() {
        RemoteEvaluation first = store.remoteEvaluations().register("exp-1/explore/0", "c-1", "{\"id\":\"a\"}");
        RemoteEvaluation again = store.remoteEvaluations().register("exp-1/explore/0", "c-1", "{\"id\":\"b\"}");
        assertThat(again.request()).isEqualTo("{\"id\":\"a\"}");
        assertThat(again.createdAt()).isEqualTo(first.createdAt());
        assertThat(again.attempts()).isZero();
        assertThat(again.jobId()).isNull();
    }

    @Test
    void aResultIsWrittenOnceAndADuplicateChangesNothing() {
        RemoteEvaluations r = store.remoteEvaluations();
        r.register("e", "c-1", "{}");
        assertThat(r.submitted("e", "101", "{\"v\":1}")).isTrue();
        assertThat(r.inFlight("c-1")).extracting(RemoteEvaluation::id).containsExactly("e");
        r.started("e", "101", "node7");
        assertThat(r.complete("e", "101", "{\"status\":\"ok\"}")).isTrue();
        assertThat(r.complete("e", "102", "{\"status\":\"failed\"}")).isFalse();
        RemoteEvaluation e = r.find("e").orElseThrow();
        assertThat(e.result()).isEqualTo("{\"status\":\"ok\"}");
        assertThat(e.resultJobId()).isEqualTo("101");
        assertThat(e.jobId()).isNull();
        assertThat(e.finishedAt()).isNotNull();
        assertThat(r.inFlight("c-1")).isEmpty();
        RemoteJob job = r.jobs("e").get(0);
        assertThat(job.state()).isEqualTo("COMPLETED");
        assertThat(job.host()).isEqualTo("node7");
        assertThat(job.ended()).isTrue();
        // a finished evaluation takes no new job
        assertThat(r.submitted("e", "103", "{}")).isFalse();
    }

    @Test
    void aLostJobIsRecordedAndFreesTheEvaluationForTheNext() {
        RemoteEvaluations r = store.remoteEvaluations();
        r.register("e", "c-1", "{}");
        r.submitted("e", "201", "{}");
        assertThat(r.submitted("e", "202", "{}")).as("a second job while one runs").isFalse();
        r.note("e", "201", "the worker was killed by signal 15");
        assertThat(r.ended("e", "201", "CANCELLED", "scancel; exit code 0:15", true)).isTrue();
        assertThat(r.ended("e", "201", "CANCELLED", "again", true)).as("recorded once").isFalse();
        assertThat(r.submitted("e", "202", "{}")).isTrue();
        assertThat(r.ended("e", "202", "CANCELLED", "the coordinator closed", false)).isTrue();
        RemoteEvaluation e = r.find("e").orElseThrow();
        assertThat(e.attempts()).isEqualTo(2);
        assertThat(e.lost()).isEqualTo(1);
        List<RemoteJob> jobs = r.jobs("e");
        assertThat(jobs).extracting(RemoteJob::jobId).containsExactly("201", "202");
        assertThat(jobs).extracting(RemoteJob::attempt).containsExactly(1, 2);
        assertThat(jobs.get(0).note()).isEqualTo("the worker was killed by signal 15; scancel; exit code 0:15");
        assertThat(jobs.get(0).state()).isEqualTo("CANCELLED");
        assertThat(jobs.get(1).note()).isEqualTo("the coordinator closed");
    }

    @Test
    void ofWorkersRacingToWriteOneResultExactlyOneWins() throws Exception {
        RemoteEvaluations r = store.remoteEvaluations();
        r.register("race", "c-1", "{}");
        r.submitted("race", "1", "{}");
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Callable<Boolean>> writers = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String job = Integer.toString(i);
                writers.add(() -> r.complete("race", job, "{\"by\":" + job + "}"));
            }
            long wins = 0;
            for (Future<Boolean> f : pool.invokeAll(writers)) {
                wins += f.get() ? 1 : 0;
            }
            assertThat(wins).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(r.find("race").orElseThrow().result()).startsWith("{\"by\":");
    }

    @Test
    void aFailedTransactionLeavesNoResult() {
        RemoteEvaluations r = store.remoteEvaluations();
        r.register("atomic", "c-1", "{}");
        r.submitted("atomic", "9", "{}");
        try {
            store.inTransaction(tx -> {
                tx.remoteEvaluations().complete("atomic", "9", "{\"status\":\"ok\"}");
                throw new IllegalStateException("the worker died mid-write");
            });
        } catch (IllegalStateException expected) {
            // rolled back
        }
        RemoteEvaluation e = r.find("atomic").orElseThrow();
        assertThat(e.result()).isNull();
        assertThat(e.jobId()).isEqualTo("9");
        assertThat(r.jobs("atomic").get(0).ended()).isFalse();
    }
}
