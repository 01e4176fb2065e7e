package archlab.agent.research.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.agent.research.Fixtures;
import archlab.agent.research.ResearchContext;
import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.store.Experiment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContextRenderingTest {
    final ContextRendering rendering = ContextRendering.defaults();

    @Test
    void theSameContextRendersToTheSameText() {
        Map<String, String> a = rendering.sections(Fixtures.context("cmp-1"));
        Map<String, String> b = rendering.sections(Fixtures.context("cmp-1"));

        assertThat(a).isEqualTo(b);
        assertThat(a.keySet()).containsExactly("task", "parent", "family", "references", "papers", "similar",
                "subroutines", "directives");
        assertThat(a.get("references")).isEqualTo("None.");
    }

    @Test
    void everySectionStaysWithinItsCap() {
        ResearchContext base = Fixtures.context("cmp-1");
        List<Experiment> siblings = new ArrayList<>();
        List<PaperIndex.Hit> papers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            siblings.add(Fixtures.sibling("cmp-1", "exp-" + i, "An idea with a long title number " + i, i / 200.0));
            papers.add(Fixtures.paper("note-" + i, "A paper " + i, Fixtures.PARENT));
        }
        String huge = Fixtures.PARENT.repeat(100);
        Experiment bigParent = base.node().toBuilder().definition(huge, "archlab", "ok", null).build();
        ResearchContext big = new ResearchContext("cmp-1", "mqar", bigParent, null, siblings, siblings, List.of(),
                papers, base.similar(), base.subroutines(), base.directives());
        ContextRendering.Caps caps = ContextRendering.Caps.DEFAULT;

        Map<String, String> s = rendering.sections(big);

        assertThat(s.get("parent").length()).isLessThanOrEqualTo(caps.parent() + 40);
        assertThat(s.get("parent")).endsWith("characters cut]").startsWith("Experiment tiny_la");
        assertThat(s.get("family").length()).isLessThanOrEqualTo(caps.family() + 40);
        // best fitness first
        assertThat(s.get("family")).contains("Siblings (200):\n- exp-199 ");
        assertThat(s.get("references").length()).isLessThanOrEqualTo(caps.references() + 40);
        assertThat(rendering.papers(big, true).length()).isLessThanOrEqualTo(caps.papers() + 40);
        assertThat(rendering.experiment(bigParent, null, "mqar").length()).isLessThanOrEqualTo(caps.experiment() + 40);
    }

    @Test
    void aRootExpansionShowsTheSeeds() {
        ResearchContext root = new ResearchContext("cmp-1", "mqar", null, null, null, null,
                List.of(Fixtures.PARENT, Fixtures.CHILD_SOFTMAX), null, null, null, null);

        assertThat(rendering.parent(root)).startsWith("No parent: this step starts a new root")
                .contains("Seed 1:\narch tiny_la").contains("Seed 2:\narch tiny_softmax");
        assertThat(rendering.parentDefinition(root)).startsWith("arch tiny_la");
        assertThat(rendering.family(root, null, 2)).isEqualTo("Grandparent: none\nSiblings: none yet.\n");
        assertThat(rendering.papers(root, false)).isEqualTo("None retrieved.");
        assertThat(rendering.similar(root)).isEqualTo("None found.");
        assertThat(rendering.subroutines(root)).isEqualTo("None mined yet.");
        assertThat(rendering.directives(root)).isEqualTo("None.");
    }

    @Test
    void numberedLinesMatchTheCheckersCount() {
        assertThat(ContextRendering.numbered("a\nb\n\nd\n")).isEqualTo("1 | a\n2 | b\n3 | \n4 | d\n");
        String ten = "x\n".repeat(10);
        assertThat(ContextRendering.numbered(ten)).startsWith(" 1 | x").contains("10 | x");
    }

    @Test
    void cappingCutsAtALineAndSaysHowMuch() {
        String text = "line one\nline two\nline three\n".repeat(50);

        String capped = ContextRendering.cap(text, 300);

        assertThat(capped.length()).isLessThanOrEqualTo(300);
        assertThat(capped).matches("(?s).*line (one|two|three)\n\\[\\.\\.\\. \\d+ characters cut]");
        assertThat(ContextRendering.cap("short", 300)).isEqualTo("short");
        assertThatThrownBy(() -> new ContextRendering.Caps(10, 3000, 3000, 3000, 3000, 3000, 3000, 3000))
                .hasMessageContaining("at least 200 characters");
    }

    @Test
    void anExperimentShowsItsDiffAgainstTheParentAndItsCurve() {
        Experiment parent = Fixtures.parent("cmp-1");
        Experiment child = LlmAnalystTest.result();

        String s = rendering.experiment(child, parent, "mqar");

        assertThat(s).contains("Change against the parent tiny_la:\n")
                .contains("short_conv").contains("Cost: ").doesNotContain("s training")
                .contains("Training: loss 3.3000 -> 1.5000 over 20 steps")
                .contains("Definition:\narch tiny_la_conv");
        assertThat(ContextRendering.metrics("{\"mqar\": {\"accuracy\": 0.5}}", "charlm")).isEqualTo("mqar: accuracy 0.5000");
        assertThat(ContextRendering.metrics("not json", "mqar")).isEmpty();
        assertThat(ContextRendering.analysisText("free text\nanalysis")).isEqualTo("free text analysis");
    }
}
