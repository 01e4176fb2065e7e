package archlab.knowledge.mining;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Library;
import archlab.sandbox.lang.Parser;
import archlab.sandbox.lang.StandardLibrary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SubroutineMinerTest {
    static List<SyntheticPopulation.Member> population;
    static List<MiningInput> inputs;
    static SubroutineMiner.Result result;
    static String motifCode;

    @BeforeAll
    static void mine() throws DefinitionException {
        population = new SyntheticPopulation(7).generate(100, 30, 10);
        inputs = new ArrayList<>();
        for (SyntheticPopulation.Member m : population) {
            ArchGraph g = ModelDefinition.parse(m.source(), m.id() + ".arch").graph();
            inputs.add(new MiningInput(m.id(), g, m.fitness(), m.failed()));
        }
        long t = System.nanoTime();
        result = new SubroutineMiner().mine(inputs);
        System.out.printf("mined %d graphs in %d ms: %s%n", inputs.size(), (System.nanoTime() - t) / 1_000_000,
                result.stats());
        motifCode = codeOfBlock("block motif(u):\n    return " + SyntheticPopulation.MOTIF.replace("U", "u") + "\n",
                "motif", 64);
    }

    /** The code of a block's body, from a definition that calls it on a [B, T, width] input. */
    static String codeOfBlock(String block, String name, int width) throws DefinitionException {
        String src = "param d = " + width + "\n" + block + "\nmodel(tokens):\n"
                + "    x = embed(tokens, d)\n    return linear(" + name + "(rmsnorm(x)), vocab)\n";
        ArchGraph g = ModelDefinition.parse(src, "motif.arch").graph();
        List<OpNode> ops = g.nodes().stream().filter(n -> n.scope().equals(name)).toList();
        return SubgraphCode.of(g, ops);
    }

    @Test
    void findsThePlantedMotifWithItsSupportAndLift() {
        MinedSubroutine motif = result.subroutines().stream().filter(m -> m.code().equals(motifCode)).findFirst()
                .orElseThrow(() -> new AssertionError("the planted motif " + motifCode + " is not among "
                        + result.subroutines().stream().map(m -> m.blockSource()).toList()));
        long plantedOk = population.stream().filter(m -> m.planted() && !m.failed()).count();
        assertThat(motif.support()).isEqualTo((int) plantedOk);
        assertThat(motif.supportFraction()).isBetween(0.25, 0.40);
        assertThat(motif.ops()).isEqualTo(5);
        assertThat(motif.arity()).isEqualTo(1);
        assertThat(motif.meanFitnessWith()).isGreaterThan(motif.meanFitnessWithout());
        assertThat(motif.contrastFailures()).isPositive(); // no failure carries it
        assertThat(motif.exampleExperimentIds()).isNotEmpty().allSatisfy(id -> assertThat(population.stream()
                .filter(m -> m.id().equals(id)).findFirst().orElseThrow().planted()).isTrue());
        // It is the best reason for the fitness difference, so it ranks first.
        assertThat(result.subroutines().get(0).code()).isEqualTo(motifCode);
        assertThat(motif.blockSource()).contains("block " + motif.name() + "(a):")
                .contains("silu(linear(a, size(a, -1)))").contains("sigmoid(conv1d(a, 4))");
        System.out.println(motif.blockSource());
    }

    @Test
    void everyMinedBlockChecksWhenCalledAndJoinsALibrary() throws DefinitionException {
        assertThat(result.subroutines()).isNotEmpty();
        Library lib = SubroutineMiner.library(StandardLibrary.library(), result.subroutines(), "mined/test.arch");
        for (MinedSubroutine m : result.subroutines()) {
            assertThat(lib.contains(m.name())).isTrue();
            assertThat(MinedSubroutine.header(m.blockSource())).isEqualTo(new MinedSubroutine.Header(m.code(), m.ops()));
            Parser.parseLibrary(m.blockSource(), "mined/" + m.name() + ".arch");
        }
        // The motif's block, called from a fresh definition at another width, checks and has the motif's code.
        MinedSubroutine motif = result.subroutines().stream().filter(m -> m.code().equals(motifCode)).findFirst()
                .orElseThrow();
        String def = "param d = 48\nmodel(tokens):\n    x = embed(tokens, d)\n    y = x + " + motif.name()
                + "(rmsnorm(x))\n    return lm_head(rmsnorm(y))\n";
        ModelDefinition d = ModelDefinition.parse(def, "uses_mined.arch", lib, Map.of());
        List<OpNode> ops = d.graph().nodes().stream().filter(n -> n.scope().equals(motif.name())).toList();
        assertThat(SubgraphCode.of(d.graph(), ops)).isEqualTo(motifCode);
        // Usage: found by code, whether the definition calls the block or writes the ops out.
        assertThat(SubroutineMiner.usage(d.graph(), result.subroutines()))
                .anySatisfy(u -> assertThat(u.name()).isEqualTo(motif.name()));
        String written = def.replace(motif.name() + "(rmsnorm(x))", "silu(linear(rmsnorm(x), d)) * sigmoid(conv1d(rmsnorm(x), 4))");
        ModelDefinition w = ModelDefinition.parse(written, "writes_it_out.arch");
        // rmsnorm(x) written twice is two ops: the motif then reads two different inputs, not one.
        assertThat(SubroutineMiner.usage(w.graph(), List.of(motif))).isEmpty();
        String shared = "param d = 48\nmodel(tokens):\n    x = embed(tokens, d)\n    n = rmsnorm(x)\n"
                + "    y = x + sigmoid(conv1d(n, 4)) * silu(linear(n, d))\n    return lm_head(rmsnorm(y))\n";
        assertThat(SubroutineMiner.usage(ModelDefinition.parse(shared, "s.arch").graph(), List.of(motif)))
                .containsExactly(new SubroutineUsage(motif.name(), motif.code(), 1));
    }

    @Test
    void miningIsFast() {
        assertThat(result.stats().millis()).isLessThan(20_000);
        assertThat(result.stats().graphs()).isEqualTo(100);
        assertThat(result.stats().failures()).isEqualTo(10);
        assertThat(result.stats().truncatedGraphs()).isZero();
    }
}
