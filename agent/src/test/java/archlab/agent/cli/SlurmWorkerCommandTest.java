package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.slurm.RemoteWorker;
import archlab.knowledge.store.RemoteEvaluation;
import archlab.knowledge.store.Store;
import archlab.sandbox.train.Failure;
import archlab.sandbox.train.TrainConfig;
import archlab.sandbox.worker.EvaluationRequest;
import archlab.sandbox.worker.EvaluationResult;
import archlab.sandbox.worker.Protocol;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code archlab worker}, the entry point of every Slurm job, run here without Slurm: it reads the
 * request from the store, trains it in the sandbox and writes the result once.
 */
class SlurmWorkerCommandTest {
    @TempDir
    Path dir;

    @Test
    void trainsTheStoredRequestAndWritesItsResultOnce() throws Exception {
        String url = Store.runFolderUrl(dir);
        String source = Files.readString(Path.of("../knowledge-base/architectures/linear_attention.arch"));
        EvaluationRequest request = EvaluationRequest.of("exp-w", source, "exp-w.arch", "mqar",
                Map.of("vocab", "16", "seq_len", "24", "pairs", "3"), TrainConfig.builder().steps(20).batchSize(8).build());
        try (Store store = Store.open(url)) {
            store.remoteEvaluations().register("exp-w/explore/0", "c-1", Protocol.mapper().writeValueAsString(request));
            store.remoteEvaluations().submitted("exp-w/explore/0", "17", Protocol.mapper().writeValueAsString(request));

            MainTest.Result r = MainTest.run("worker", "--store", url, "--evaluation", "exp-w/explore/0", "--job", "17",
                    "--threads", "1");
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.err()).contains("evaluation exp-w/explore/0 ok: result written");
            RemoteEvaluation row = store.remoteEvaluations().find("exp-w/explore/0").orElseThrow();
            EvaluationResult result = Protocol.mapper().readValue(row.result(), EvaluationResult.class);
            assertThat(result.ok()).isTrue();
            assertThat(result.id()).isEqualTo("exp-w");
            assertThat(result.stepsDone()).isEqualTo(20);
            assertThat(row.resultJobId()).isEqualTo("17");
            assertThat(store.remoteEvaluations().jobs("exp-w/explore/0")).singleElement()
                    .satisfies(j -> assertThat(j.state()).isEqualTo("COMPLETED"));

            MainTest.Result again = MainTest.run("worker", "--store", url, "--evaluation", "exp-w/explore/0", "--job", "18");
            assertThat(again.exitCode()).isZero();
            assertThat(again.err()).contains("already has a result (from job 17): nothing to do");
            assertThat(store.remoteEvaluations().find("exp-w/explore/0").orElseThrow().result()).isEqualTo(row.result());
        }
    }

    @Test
    void badInputIsExitCodeOneWithAReason() {
        MainTest.Result noStore = MainTest.run("worker", "--evaluation", "x");
        if (System.getenv("ARCHLAB_STORE_URL") == null) {
            assertThat(noStore.exitCode()).isEqualTo(1);
            assertThat(noStore.err()).contains("no store: give --store JDBC_URL or set ARCHLAB_STORE_URL");
        }
        MainTest.Result missing = MainTest.run("worker", "--store", Store.runFolderUrl(dir), "--evaluation", "nope/0/0");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("the store has no evaluation nope/0/0");
    }

    @Test
    void aSandboxKilledFromOutsideIsNotTheDefinitionsFailure() {
        EvaluationResult sigterm = EvaluationResult.failed("e", Failure.of(EvaluationResult.CRASH, "worker",
                "killed by signal 15"), 1, 1).withWorker(new EvaluationResult.WorkerInfo(5, false, 1, 1, 143));
        EvaluationResult segfault = EvaluationResult.failed("e", Failure.of(EvaluationResult.CRASH, "worker",
                "killed by signal 11"), 1, 1).withWorker(new EvaluationResult.WorkerInfo(5, false, 1, 1, 139));
        EvaluationResult closed = EvaluationResult.failed("e", Failure.of(EvaluationResult.INTERNAL, "worker",
                "the sandbox was closed"), 1, 1);
        EvaluationResult timeout = EvaluationResult.failed("e", Failure.of(EvaluationResult.TIMEOUT, "train",
                "ran past wall_s"), 1, 1);
        assertThat(RemoteWorker.fromOutside(sigterm)).isTrue();
        assertThat(RemoteWorker.fromOutside(closed)).isTrue();
        assertThat(RemoteWorker.fromOutside(segfault)).as("the definition's own crash is a result").isFalse();
        assertThat(RemoteWorker.fromOutside(timeout)).as("the sandbox's limit is a result").isFalse();
    }
}
