package archlab.agent.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Ids;
import archlab.knowledge.store.Store;
import archlab.sandbox.task.Tasks;
import archlab.sandbox.train.Failure;
import archlab.sandbox.train.ProgressListener;
import archlab.sandbox.worker.EvaluationRequest;
import archlab.sandbox.worker.EvaluationResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deterministic schedule hands results back in the order their runs started, whichever finishes
 * first; the free one in the order they finish. The executor here finishes three runs in reverse.
 */
class RunQueueTest {
    @TempDir
    Path dir;

    /** Finishes each run when the test says so. */
    static final class Scripted implements Executor {
        final Map<String, CountDownLatch> release = new ConcurrentHashMap<>();

        CountDownLatch latch(String experimentId) {
            return release.computeIfAbsent(experimentId, k -> new CountDownLatch(1));
        }

        @Override
        public EvaluationResult evaluate(EvaluationRequest request, ProgressListener progress) {
            try {
                latch(request.id()).await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return EvaluationResult.failed(request.id(), Failure.of("diverged", "train", "scripted"), 0.1, 0);
        }

        @Override
        public int slots() {
            return 3;
        }

        @Override
        public String describe() {
            return "scripted";
        }

        @Override
        public void close() {
        }
    }

    List<String> order(boolean deterministic) throws Exception {
        Path run = Files.createDirectories(dir.resolve(deterministic ? "det" : "free"));
        try (Store store = Store.openRunFolder(run)) {
            Campaign c = store.campaigns().insert(Campaign.create("q", "name: q", "offline"));
            CampaignConfig config = CampaignFile.load(Path.of("../campaigns/quickstart.yaml"));
            Scripted executor = new Scripted();
            List<String> ids = new ArrayList<>();
            try (RunQueue queue = new RunQueue(executor, store, CampaignEvents.NONE,
                    Tasks.create("mqar", Map.of()), () -> config, () -> 3, deterministic,
                    () -> Double.POSITIVE_INFINITY)) {
                for (int i = 0; i < 3; i++) {
                    Experiment e = store.experiments().insert(Experiment.builder(Ids.next("exp"), c.id()).name("e" + i)
                            .checkedDefinition(config.baseline().source().replace("param d = 64", "param d = " + (32 + 16 * i)))
                            .status(ExperimentStatus.QUEUED).build());
                    ids.add(e.id());
                    queue.enqueueMissing(e, config.stages().get(0));
                }
                while (queue.dispatch(false)) {
                    // start all three
                }
                assertThat(queue.inFlight()).isEqualTo(3);
                List<String> back = new ArrayList<>();
                // The last started finishes first, then the middle one, then the first.
                for (int i = 2; i >= 0; i--) {
                    executor.latch(ids.get(i)).countDown();
                    Thread.sleep(200);
                    RunQueue.Finished f;
                    while ((f = queue.poll()) != null) {
                        back.add(store.experiments().find(f.job().experimentId()).orElseThrow().name());
                    }
                }
                assertThat(queue.inFlight()).isZero();
                return back;
            }
        }
    }

    @Test
    void theDeterministicScheduleHandsResultsBackInTheOrderRunsStarted() throws Exception {
        assertThat(order(true)).containsExactly("e0", "e1", "e2");
    }

    @Test
    void theFreeScheduleHandsThemBackAsTheyFinish() throws Exception {
        assertThat(order(false)).containsExactly("e2", "e1", "e0");
    }
}
