package archlab.agent.research;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.knowledge.similarity.SimilarHit;
import archlab.knowledge.store.Directive;
import archlab.knowledge.store.DirectiveStatus;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Ids;
import archlab.knowledge.store.Subroutine;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToolContextSourceTest {
    @TempDir
    Path run;

    @Test
    void assemblesTheNodesFamilyAndWhatTheMemorySays() {
        try (TestLab lab = new TestLab(run)) {
            Experiment root = lab.done(null, "transformer", TestLab.architecture("transformer"), 0.9, "baseline");
            Experiment node = lab.insert(Experiment.builder(Ids.next("exp"), lab.id()).parentId(root.id()).name("gla")
                    .hypothesis(new archlab.knowledge.store.Hypothesis("decay gates", "forget stale keys", "higher accuracy"))
                    .checkedDefinition(TestLab.architecture("gla")).status(ExperimentStatus.FAILED)
                    .failure("diverged", "training loss became NaN at step 150")
                    .curves(TestLab.curve(15, 5, 3, 50, i -> 5 - 0.1 * i)).build());
            Experiment weak = lab.done(node.id(), "child-a", TestLab.architecture("retnet"), 0.4, "a");
            Experiment strong = lab.done(node.id(), "child-b", TestLab.architecture("deltanet"), 0.8, "b");
            Experiment unmeasured = lab.insert(Experiment.builder(Ids.next("exp"), lab.id()).parentId(node.id())
                    .name("child-c").checkedDefinition(TestLab.architecture("mamba")).build());
            lab.store.subroutines().upsert(new Subroutine(lab.id() + ":1", lab.id(), "mined_0123456789",
                    "# mined subroutine 0123456789abcdef: 2 ops, 1 input\nblock mined_0123456789(a):\n    return silu(a) * a\n",
                    3, 0.7, 0.5, 0, null, null, null));
            Directive keep = lab.store.directives().add(lab.id(), "prefer recurrent mixers", null);
            Directive drop = lab.store.directives().add(lab.id(), "impossible", null);
            lab.store.directives().resolve(drop.id(), DirectiveStatus.REJECTED, null, "cannot");

            ToolContextSource source = ToolContextSource.builder(lab.tools).task("mqar")
                    .seeds(List.of(TestLab.architecture("linear_attention"))).build();
            ResearchContext ctx = source.contextFor(lab.id(), node);

            assertThat(ctx.task()).isEqualTo("mqar");
            assertThat(ctx.node()).isEqualTo(node);
            assertThat(ctx.grandparent().id()).isEqualTo(root.id());
            assertThat(ctx.siblings()).extracting(Experiment::id).containsExactly(strong.id(), weak.id(), unmeasured.id());
            assertThat(ctx.references()).extracting(Experiment::id).containsExactly(root.id(), strong.id(), weak.id());
            assertThat(ctx.seeds()).hasSize(1);
            // retrieved with the node's words: its divergence sends the search to the stability notes
            assertThat(ctx.papers()).hasSize(5);
            assertThat(ctx.papers()).extracting(h -> h.note().slug()).containsAnyOf("rmsnorm", "pre-layer-norm");
            assertThat(ctx.similar()).extracting(SimilarHit::experimentId).doesNotContain(node.id()).isNotEmpty();
            assertThat(ctx.subroutines()).extracting(Subroutine::name).containsExactly("mined_0123456789");
            assertThat(ctx.directives()).extracting(Directive::id).containsExactly(keep.id());
            assertThat(source.paperQuery(node)).contains("decay gates").contains("diverged at step 150");
        }
    }

    @Test
    void aRootExpansionHasSeedsAndPapersForTheTask() {
        try (TestLab lab = new TestLab(run)) {
            ToolContextSource source = ToolContextSource.builder(lab.tools).task("mqar").papers(3)
                    .seeds(List.of(TestLab.architecture("transformer"))).build();
            ResearchContext ctx = source.contextFor(lab.id(), null);
            assertThat(ctx.node()).isNull();
            assertThat(ctx.grandparent()).isNull();
            assertThat(ctx.siblings()).isEmpty();
            assertThat(ctx.similar()).isEmpty();
            assertThat(ctx.seeds()).hasSize(1);
            assertThat(ctx.papers()).hasSize(3);
        }
    }

    @Test
    void refusesAnotherCampaign() {
        try (TestLab lab = new TestLab(run)) {
            ToolContextSource source = ToolContextSource.builder(lab.tools).build();
            assertThatThrownBy(() -> source.contextFor("cmp-other", null))
                    .hasMessage("these tools serve campaign " + lab.id() + ", not cmp-other");
            assertThatThrownBy(() -> ToolContextSource.builder(lab.tools).siblings(-1))
                    .hasMessage("siblings must be at least 0, got -1");
        }
    }

    @Test
    void readsAStoredAnalysisWrittenAsJson() {
        assertThat(ToolContextSource.analysisText("{\"explanation\": \"state too small\", \"diagnoses\": [\"recall-low\"],"
                + " \"paperIds\": [\"zoology\"]}")).isEqualTo("state too small. recall-low");
        assertThat(ToolContextSource.analysisText("plain words")).isEqualTo("plain words");
        assertThat(ToolContextSource.analysisText(null)).isEmpty();
    }
}
