package archlab.knowledge.similarity;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Store;
import archlab.sandbox.lang.StandardLibrary;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An index over a campaign's experiments in the store: graphs, hashes, motivations and outcomes. */
class SimilarityStoreTest {
    @TempDir
    Path runDir;

    @Test
    void indexesACampaignAndReportsNeighbourOutcomes() {
        try (Store store = Store.openRunFolder(runDir)) {
            Campaign c = store.campaigns().insert(Campaign.create("sim", "{}", "offline"));
            store.experiments().insertAll(List.of(
                    Experiment.builder("t", c.id()).checkedDefinition(Architectures.source("transformer"))
                            .hypothesis(new Hypothesis("softmax baseline", "attention recalls exactly", null))
                            .status(ExperimentStatus.DONE).fitness(0.8).build(),
                    Experiment.builder("g", c.id()).checkedDefinition(Architectures.source("gla"))
                            .hypothesis(new Hypothesis("gated decay", "a forget gate on the state", null))
                            .status(ExperimentStatus.FAILED).failure("diverged", "loss is NaN at step 40").build(),
                    Experiment.builder("p", c.id()).definition("class M(nn.Module): ...", "pytorch", null, null)
                            .hypothesis(new Hypothesis("imported", "a gated state with decay", null))
                            .status(ExperimentStatus.DONE).fitness(0.5).build()));
            SimilarityIndex index = SimilarityIndex.fromStore(store, c.id(), SimilarityIndexTest.WORDS,
                    StandardLibrary.library());
            assertThat(index.size()).isEqualTo(3);
            List<SimilarHit> hits = index.similar(Architectures.graph(Architectures.RENAMED_TRANSFORMER), null, 3);
            assertThat(hits.get(0).experimentId()).isEqualTo("t");
            assertThat(hits.get(0).duplicate()).isTrue();
            assertThat(hits.get(0).outcome()).isEqualTo(new Outcome(0.8, "done", null, null));
            SimilarityReport report = index.report(SimilarityIndex.Candidate.of(
                    Architectures.graph(Architectures.source("gla").replace("** (1 / 16)", "** (1 / 8)")),
                    "a forget gate on the state"), 3);
            assertThat(report.hits().get(0).experimentId()).isEqualTo("g");
            assertThat(report.hits().get(0).outcome().failureReason()).contains("NaN");
            assertThat(report.failureKinds()).containsEntry("diverged", 1);
            // The imported experiment has no graph: found by its motivation.
            assertThat(index.similar(null, "a gated state with decay", 1).get(0).experimentId()).isEqualTo("p");
        }
    }
}
