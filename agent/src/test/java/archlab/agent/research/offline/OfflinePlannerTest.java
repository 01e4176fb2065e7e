package archlab.agent.research.offline;

import static org.assertj.core.api.Assertions.assertThat;

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
import archlab.knowledge.store.Subroutine;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The planner's choices that depend on the memory: subroutines, directives, the paper notes. */
class OfflinePlannerTest {
    @TempDir
    Path run;

    @Test
    void reuseSplicesTheMinedSubroutineIntoTheChild() {
        try (TestLab lab = new TestLab(run)) {
            lab.store.subroutines().upsert(new Subroutine(lab.id() + ":948b3eabbe5b45c9", lab.id(), "mined_948b3eabbe",
                    References.MINED.definition(), 30, 0.6, 0.49, 0, null, null, null));
            Experiment node = lab.done(null, "retnet", TestLab.architecture("retnet"), 0.5, "retnet");
            ResearchContext ctx = ToolContextSource.builder(lab.tools).task("mqar").build().contextFor(lab.id(), node);
            ResearchPolicy policy = OfflinePolicy.create(lab.tools, SmokeTrainer.SKIP, 5);
            Direction d = policy.planner().direct(ctx, Move.REUSE_SUBROUTINE);
            assertThat(d.references()).startsWith("splice-subroutine").contains("mined_948b3eabbe");
            assertThat(d.summary()).contains("subroutines: mined_948b3eabbe");
            Proposal p = policy.planner().propose(ctx, d, 2).get(0);
            assertThat(p.plan()).containsEntry("subroutine", "mined_948b3eabbe");
            Coding c = policy.coder().code(ctx, p);
            assertThat(c.ok()).isTrue();
            assertThat(c.definition()).contains("block mined_948b3eabbe(a):")
                    .contains("h2 = h + mined_948b3eabbe(rmsnorm(h))");
        }
    }

    @Test
    void withoutSubroutinesReuseSaysWhy() {
        try (TestLab lab = new TestLab(run)) {
            Experiment node = lab.done(null, "retnet", TestLab.architecture("retnet"), 0.5, "retnet");
            ResearchContext ctx = ToolContextSource.builder(lab.tools).build().contextFor(lab.id(), node);
            Direction d = OfflinePolicy.create(lab.tools, SmokeTrainer.SKIP, 5).planner().direct(ctx, Move.REUSE_SUBROUTINE);
            assertThat(d.references()).isEmpty();
            assertThat(d.summary()).contains("no mined subroutine yet");
        }
    }

    @Test
    void directivesRuleMovesOutAndAskForOthers() {
        try (TestLab lab = new TestLab(run)) {
            Experiment node = lab.done(null, "linear", TestLab.architecture("linear_attention"), 0.4, "linear");
            lab.store.directives().add(lab.id(), "Stop using short convolutions, please", null);
            lab.store.directives().add(lab.id(), "prefer a sliding window hybrid", null);
            ResearchContext ctx = ToolContextSource.builder(lab.tools).task("mqar").build().contextFor(lab.id(), node);
            for (long seed = 0; seed < 12; seed++) {
                Direction d = OfflinePolicy.create(lab.tools, SmokeTrainer.SKIP, seed).planner().direct(ctx, Move.MUTATE);
                assertThat(d.references()).doesNotContain("add-short-conv").contains("hybrid-window");
                if (d.references().get(0).equals("hybrid-window")) {
                    assertThat(d.summary()).contains("a directive asks for it");
                }
            }
        }
    }

    @Test
    void applyInsightRestsOnTheRetrievedNotes() {
        try (TestLab lab = new TestLab(run)) {
            Experiment node = lab.done(null, "mamba", TestLab.architecture("mamba"), 0.3, "mamba");
            ResearchContext ctx = ToolContextSource.builder(lab.tools).task("mqar").build().contextFor(lab.id(), node);
            ResearchPolicy policy = OfflinePolicy.create(lab.tools, SmokeTrainer.SKIP, 11);
            Direction d = policy.planner().direct(ctx, Move.APPLY_INSIGHT);
            List<String> retrieved = ctx.papers().stream().map(h -> h.note().slug()).toList();
            assertThat(d.references()).anyMatch(retrieved::contains);
            for (Proposal p : policy.planner().propose(ctx, d, 3)) {
                assertThat(p.plan().get("papers").split(",")).isNotEmpty();
                if (p.plan().get("move").equals("transplant-note")) {
                    assertThat(retrieved).contains(p.plan().get("note"));
                }
            }
        }
    }
}
