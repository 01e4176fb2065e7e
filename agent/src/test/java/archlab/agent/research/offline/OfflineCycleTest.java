package archlab.agent.research.offline;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.research.Analysis;
import archlab.agent.research.Coding;
import archlab.agent.research.Direction;
import archlab.agent.research.Move;
import archlab.agent.research.Proposal;
import archlab.agent.research.ResearchContext;
import archlab.agent.research.ResearchPolicy;
import archlab.agent.research.SmokeTrainer;
import archlab.agent.research.TestLab;
import archlab.agent.research.ToolContextSource;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Ids;
import archlab.knowledge.store.Insight;
import archlab.tools.Symptoms;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One offline cycle against a real store: a child diverges after warmup; the analyst diagnoses it and its
 * analysis and insight are stored; the context built through the tools carries that diagnosis; a REFINE
 * direction cites it; the proposals are coded into definitions that check and are stored as new experiments.
 */
class OfflineCycleTest {
    @TempDir
    Path run;

    @Test
    void aDivergedNodeLeadsToARefineThatCitesTheDiagnosis() throws Exception {
        try (TestLab lab = new TestLab(run)) {
            ResearchPolicy policy = OfflinePolicy.create(lab.tools, SmokeTrainer.SKIP, 2024);
            ToolContextSource contexts = ToolContextSource.builder(lab.tools).task("mqar").build();
            Experiment root = lab.done(null, "transformer", TestLab.architecture("transformer"), 0.7, "baseline");
            Experiment diverged = lab.insert(Experiment.builder(Ids.next("exp"), lab.id()).parentId(root.id())
                    .name("gla").hypothesis(new Hypothesis("Gated linear attention", "a decay lets the state forget",
                            "higher accuracy"))
                    .checkedDefinition(TestLab.architecture("gla")).status(ExperimentStatus.FAILED)
                    .failure("diverged", "training loss became NaN at step 120; lower the learning rate, add a norm")
                    .curves(TestLab.curve(12, 5, 3, 50, i -> 5 - 0.15 * i)).build());

            // the analyst reads the failure against the family; its analysis and insight go to the store
            Analysis analysis = policy.analyst().analyse(contexts.contextFor(lab.id(), root), diverged);
            assertThat(analysis.diagnoses()).contains(Symptoms.DIVERGED_AFTER_WARMUP);
            lab.store.experiments().update(diverged.toBuilder()
                    .analysis(new ObjectMapper().writeValueAsString(analysis)).build());
            lab.store.insights().insert(Insight.of(lab.id(), analysis.insight(), List.of(diverged.id()),
                    analysis.paperIds()));
            assertThat(lab.store.insights().forExperiment(diverged.id())).singleElement()
                    .satisfies(i -> assertThat(i.text()).contains("diverge after warmup"));

            // the next expansion of that node refines it, citing the diagnosis
            Experiment node = lab.store.experiments().find(diverged.id()).orElseThrow();
            ResearchContext ctx = contexts.contextFor(lab.id(), node);
            assertThat(ctx.grandparent().id()).isEqualTo(root.id());
            Direction d = policy.planner().direct(ctx, Move.REFINE);
            assertThat(d.move()).isEqualTo(Move.REFINE);
            assertThat(d.summary()).contains("after diverged-after-warmup: training diverged at step 120, after warmup"
                    + " ended at step 50");
            assertThat(d.references()).contains("base:node");
            assertThat(DesignCatalogue.byId(d.references().get(0)).moves()).contains(Move.REFINE);

            // a norm move answers the divergence directly and says so in its motivation
            Proposal norm = policy.planner().propose(ctx, new Direction(Move.REFINE, "norms",
                    List.of("change-norm", "base:node")), 1).get(0);
            assertThat(norm.motivation()).contains("The parent shows diverged-after-warmup");
            assertThat(norm.plan()).containsEntry("move", "change-norm").containsEntry("base", "node");

            List<Proposal> proposals = policy.planner().propose(ctx, d, 3);
            assertThat(proposals).hasSize(3);
            for (Proposal p : proposals) {
                Coding c = policy.coder().code(ctx, p);
                assertThat(c.ok()).as(p.title() + " " + c.attempts()).isTrue();
                Experiment child = lab.insert(Experiment.builder(Ids.next("exp"), lab.id()).parentId(node.id())
                        .hypothesis(p.hypothesis()).checkedDefinition(c.definition()).build());
                assertThat(child.definitionCheck()).isEqualTo(Experiment.CHECK_OK);
                assertThat(child.hypothesis().expectedEffect()).endsWith("(metric: accuracy)");
            }
            // the same step again finds those children in the store and proposes something else
            List<Proposal> again = policy.planner().propose(ctx, d, 3);
            assertThat(again).extracting(Proposal::title).doesNotContainAnyElementsOf(
                    proposals.stream().map(Proposal::title).toList());
        }
    }
}
