package archlab.agent.research.offline;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.research.Coding;
import archlab.agent.research.CodingAttempt;
import archlab.agent.research.Direction;
import archlab.agent.research.Move;
import archlab.agent.research.Proposal;
import archlab.agent.research.ResearchContext;
import archlab.agent.research.ResearchPolicy;
import archlab.agent.research.SmokeTrainer;
import archlab.agent.research.TestLab;
import archlab.agent.research.ToolContextSource;
import archlab.knowledge.store.Experiment;
import archlab.sandbox.ModelDefinition;
import archlab.tools.DefinitionChecker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offline planner and coder on every reference architecture, through the real tools and store. */
class OfflinePolicyTest {
    @TempDir
    Path run;

    static final List<Move> MOVES = List.of(Move.MUTATE, Move.APPLY_INSIGHT, Move.RECOMBINE, Move.REFINE);

    @Test
    void validDistinctIntentPreservingChildrenForEveryReference() {
        try (TestLab lab = new TestLab(run)) {
            List<String> seeds = TestLab.NAMES.stream().map(TestLab::architecture).toList();
            ToolContextSource contexts = ToolContextSource.builder(lab.tools).task("mqar").seeds(seeds).build();
            ResearchPolicy policy = OfflinePolicy.create(lab.tools, SmokeTrainer.SKIP, 42);
            assertThat(policy.name()).isEqualTo("offline");
            assertThat(policy.optionalJudge()).isEmpty();
            DefinitionChecker checker = new DefinitionChecker();
            List<String> report = new ArrayList<>();
            for (String name : TestLab.NAMES) {
                // a result that plateaued low on mqar: something for REFINE to answer
                Experiment node = lab.insert(Experiment.builder(archlab.knowledge.store.Ids.next("exp"), lab.id())
                        .name(name).checkedDefinition(TestLab.architecture(name))
                        .status(archlab.knowledge.store.ExperimentStatus.DONE).fitness(0.3)
                        .metrics("{\"mqar\": {\"accuracy\": 0.3, \"loss\": 2.5}}")
                        .curves(TestLab.curve(20, 5, 2.5, 30, i -> i < 6 ? 5 - 0.4 * i : 2.6)).build());
                ResearchContext ctx = contexts.contextFor(lab.id(), node);
                String parentHash = checker.check(node.definition()).hash();
                Set<String> hashes = new HashSet<>();
                for (Move move : MOVES) {
                    Direction d = policy.planner().direct(ctx, move);
                    List<Proposal> proposals = policy.planner().propose(ctx, d, 3);
                    report.add(name + " " + move + ": " + d.references() + " → " + proposals.size());
                    assertThat(proposals).as(name + " " + move + ": " + d.summary()).isNotEmpty();
                    assertThat(proposals).extracting(Proposal::title).doesNotHaveDuplicates();
                    for (Proposal p : proposals) {
                        assertThat(p.motivation()).hasSizeGreaterThan(40);
                        assertThat(p.expectedEffect()).contains("parameters").contains("FLOPs");
                        assertThat(p.metric()).isEqualTo("accuracy");
                        assertThat(p.risk()).isNotBlank();
                        assertThat(p.plan()).containsKeys("move", "variant", "base");
                        Coding c = policy.coder().code(ctx, p);
                        assertThat(c.ok()).as(name + " " + p.title() + ": " + c.attempts()).isTrue();
                        assertThat(c.attempts()).last().extracting(CodingAttempt::stage).isEqualTo(CodingAttempt.OK);
                        DefinitionChecker.Check check = checker.check(c.definition());
                        assertThat(check.ok()).isTrue();
                        assertThat(check.hash()).isNotEqualTo(parentHash);
                        hashes.add(check.hash());
                        assertThat(c.definition()).startsWith("# " + p.title());
                    }
                }
                assertThat(hashes.size()).as(name + ": distinct children").isGreaterThanOrEqualTo(6);
            }
            System.out.println(String.join("\n", report));
        }
    }

    @Test
    void theSameSeedGivesTheSameDirectionsAndProposals() {
        try (TestLab lab = new TestLab(run)) {
            Experiment node = lab.done(null, "gla", TestLab.architecture("gla"), 0.4, "gla baseline");
            ResearchContext ctx = ToolContextSource.builder(lab.tools).task("mqar")
                    .seeds(List.of(TestLab.architecture("transformer"))).build().contextFor(lab.id(), node);
            List<String> first = plan(OfflinePolicy.create(lab.tools, SmokeTrainer.SKIP, 7), ctx);
            List<String> again = plan(OfflinePolicy.create(lab.tools, SmokeTrainer.SKIP, 7), ctx);
            assertThat(again).isEqualTo(first);
            List<String> otherSeeds = new ArrayList<>();
            for (long s = 100; s < 110; s++) {
                otherSeeds.add(String.join("|", plan(OfflinePolicy.create(lab.tools, SmokeTrainer.SKIP, s), ctx)));
            }
            assertThat(new HashSet<>(otherSeeds)).as("seeds change the draw").hasSizeGreaterThan(1);
        }
    }

    private static List<String> plan(ResearchPolicy policy, ResearchContext ctx) {
        List<String> out = new ArrayList<>();
        for (Move m : MOVES) {
            Direction d = policy.planner().direct(ctx, m);
            out.add(d.summary() + " " + d.references());
            for (Proposal p : policy.planner().propose(ctx, d, 3)) {
                out.add(p.title() + " " + p.plan());
                out.add(policy.coder().code(ctx, p).definition());
            }
        }
        return out;
    }

    @Test
    void theCoderTriesTheNextVariantAfterAFailedSmokeTrainAndStopsAtTheLimit() {
        try (TestLab lab = new TestLab(run)) {
            Experiment node = lab.done(null, "transformer", TestLab.architecture("transformer"), 0.5, "t");
            ResearchContext ctx = ToolContextSource.builder(lab.tools).task("mqar").build().contextFor(lab.id(), node);
            ResearchPolicy firstFails = OfflinePolicy.builder(lab.tools).seed(1).smokeTrainer(new SmokeTrainer() {
                int calls;

                @Override
                public java.util.Optional<String> smoke(String definition) {
                    return calls++ == 0 ? java.util.Optional.of("diverged: training loss became NaN at step 3")
                            : java.util.Optional.empty();
                }
            }).build();
            Direction d = new Direction(Move.MUTATE, "short convs", List.of("add-short-conv", "base:node"));
            Proposal p = firstFails.planner().propose(ctx, d, 1).get(0);
            Coding c = firstFails.coder().code(ctx, p);
            assertThat(c.ok()).isTrue();
            assertThat(c.attempts()).extracting(CodingAttempt::stage).containsExactly("smoke", CodingAttempt.OK);
            assertThat(c.attempts().get(0).error()).isEqualTo("diverged: training loss became NaN at step 3");
            assertThat(c.attempts().get(0).definition()).contains("[kernel=4,site=attention:softmax_attention,targets=qk]");
            assertThat(c.attempts().get(1).definition()).doesNotContain("targets=qk]");

            ResearchPolicy alwaysFails = OfflinePolicy.builder(lab.tools).maxAttempts(2)
                    .smokeTrainer(s -> java.util.Optional.of("oom: 9 GB")).build();
            Coding none = alwaysFails.coder().code(ctx, p);
            assertThat(none.ok()).isFalse();
            assertThat(none.definition()).isNull();
            assertThat(none.attempts()).hasSize(2).allSatisfy(a -> assertThat(a.stage()).isEqualTo("smoke"));
        }
    }

    @Test
    void theCoderRefusesAProposalWithoutADesignMove() {
        try (TestLab lab = new TestLab(run)) {
            Experiment node = lab.done(null, "transformer", TestLab.architecture("transformer"), 0.5, "t");
            ResearchContext ctx = ToolContextSource.builder(lab.tools).build().contextFor(lab.id(), node);
            ResearchPolicy policy = OfflinePolicy.create(lab.tools, SmokeTrainer.SKIP, 1);
            Direction d = new Direction(Move.MUTATE, "free text", List.of());
            Coding c = policy.coder().code(ctx, new Proposal("Try something", "m", "e", "accuracy", "r", d, null));
            assertThat(c.ok()).isFalse();
            assertThat(c.attempts()).singleElement().satisfies(a -> {
                assertThat(a.stage()).isEqualTo("intent");
                assertThat(a.error()).contains("its plan has no 'move'").contains("add-short-conv");
            });
            Coding unknown = policy.coder().code(ctx, new Proposal("x", "m", "e", "accuracy", "r", d,
                    java.util.Map.of("move", "teleport", "base", "node")));
            assertThat(unknown.attempts().get(0).error()).contains("names 'teleport'");
        }
    }

    @Test
    void aRootExpansionEvaluatesTheSeedsFirst() {
        try (TestLab lab = new TestLab(run)) {
            List<String> seeds = List.of(TestLab.architecture("transformer"), TestLab.architecture("mamba"));
            ResearchPolicy policy = OfflinePolicy.create(lab.tools, SmokeTrainer.SKIP, 3);
            ResearchContext ctx = ToolContextSource.builder(lab.tools).task("mqar").seeds(seeds).build()
                    .contextFor(lab.id(), null);
            Direction d = policy.planner().direct(ctx, Move.MUTATE);
            assertThat(d.references()).containsExactly("seed:0", "seed:1");
            List<Proposal> ps = policy.planner().propose(ctx, d, 5);
            assertThat(ps).extracting(Proposal::title).containsExactly("Baseline: the seed transformer as it is",
                    "Baseline: the seed mamba as it is");
            Coding c = policy.coder().code(ctx, ps.get(1));
            assertThat(c.definition()).isEqualTo(seeds.get(1));
            // once both seeds are in the store, a root expansion edits a seed instead
            lab.done(null, "transformer", seeds.get(0), 0.5, "seed 0");
            lab.done(null, "mamba", seeds.get(1), 0.5, "seed 1");
            ResearchContext later = ToolContextSource.builder(lab.tools).task("mqar").seeds(seeds).build()
                    .contextFor(lab.id(), null);
            Direction edit = policy.planner().direct(later, Move.MUTATE);
            assertThat(edit.references()).contains("base:seed:0");
            Proposal p = policy.planner().propose(later, edit, 1).get(0);
            Coding child = policy.coder().code(later, p);
            assertThat(child.ok()).isTrue();
            assertThat(ModelDefinition.check(child.definition(), "c.arch").hash())
                    .isNotEqualTo(ModelDefinition.check(seeds.get(0), "s.arch").hash());
        }
    }
}
