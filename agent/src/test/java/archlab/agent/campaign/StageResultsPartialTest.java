package archlab.agent.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.evaluators.fitness.FitnessWeights;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Store;
import archlab.sandbox.task.Tasks;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run stopped from outside after a held-out evaluation finishes its experiment as partial: kept, never ranked. */
class StageResultsPartialTest {
    @TempDir
    Path dir;

    private static final String CURVE = "[{\"step\": 100, \"loss\": 2.0, \"lr\": 0.003, \"eval\": {\"accuracy\": 0.4, \"loss\": 2.1}},"
            + " {\"step\": 160, \"loss\": 1.8, \"lr\": 0.002, \"eval\": null}]";

    @Test
    void aDeadlineCutRunWithAnEvaluationMakesThePartialExperiment() throws Exception {
        CampaignConfig config = CampaignFile.load(Path.of("../campaigns/quickstart.yaml"));
        try (Store store = Store.openRunFolder(dir)) {
            Campaign c = store.campaigns().insert(Campaign.create("partial", null, "offline"));
            Experiment e = store.experiments().insert(Experiment.builder("exp-1", c.id()).name("e2")
                    .checkedDefinition(config.baseline().source()).status(ExperimentStatus.TRAINING).stage("explore")
                    .build());
            store.evaluations().upsert(Evaluation.of(e.id(), "explore", 0, StageResults.PARTIAL,
                    "{\"accuracy\": 0.4, \"loss\": 2.1}", CURVE,
                    "{\"status\": \"failed\", \"steps_done\": 160, \"failure\": {\"kind\": \"deadline\", \"message\":"
                            + " \"stopped at the campaign's wall-clock deadline (budget wall_clock 45s) at step 160 of 300\"}}"));
            StageResults results = new StageResults(store, c.id(), Tasks.create("mqar", Map.of()), () -> config,
                    FitnessWeights.DEFAULT);
            results.baseline("explore", 0.3);

            Experiment done = results.finish(e, config.stages().get(0), store.evaluations().forExperiment(e.id()), true,
                    true);

            assertThat(done.status()).isEqualTo(ExperimentStatus.PARTIAL);
            assertThat(done.fitness()).as("never ranked").isNull();
            assertThat(done.failureKind()).as("the deadline's, not relabelled as the watchdog's").isEqualTo("deadline");
            assertThat(done.failureMessage()).contains("wall-clock deadline",
                    "its held-out accuracy was 0.4000 at step 100 (partial: not ranked)");
            assertThat(done.metrics()).contains("\"accuracy\":0.4");
            assertThat(done.curves()).contains("\"step\": 160");
            assertThat(results.promote(config.stages().get(0), new CampaignConfig.Promotion(3, null))).isEmpty();
            assertThat(List.of(done.status().isMeasured(), done.status().isFinal())).containsOnly(true);
        }
    }
}
