package archlab.agent.search.nb201;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.agent.research.Move;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class Nb201SpaceTest {
    private static final String EXAMPLE =
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";

    @Test
    void cellsReadAndWriteTheBenchmarksNotation() {
        Nb201Cell c = Nb201Cell.parse(EXAMPLE);
        assertThat(c.arch()).isEqualTo(EXAMPLE);
        assertThat(c.op(0)).isEqualTo(3);
        assertThat(c.op(2)).isEqualTo(4);
        assertThat(c.op(5)).isEqualTo(1);
    }

    @Property
    void everyCodeRoundTrips(@ForAll @IntRange(min = 0, max = Nb201Cell.SIZE - 1) int code) {
        Nb201Cell c = new Nb201Cell(code);
        assertThat(Nb201Cell.parse(c.arch())).isEqualTo(c);
    }

    @Test
    void malformedCellsAreNamed() {
        assertThatThrownBy(() -> Nb201Cell.parse("|nor_conv_3x3~0|")).hasMessageContaining("three '+'-separated");
        assertThatThrownBy(() -> Nb201Cell.parse(EXAMPLE.replace("avg_pool_3x3", "max_pool_3x3")))
                .hasMessageContaining("unknown operation 'max_pool_3x3'");
        assertThatThrownBy(() -> Nb201Cell.parse(EXAMPLE.replace("avg_pool_3x3~1", "avg_pool_3x3~0")))
                .hasMessageContaining("should come from node 1");
        assertThatThrownBy(() -> Nb201Cell.parse("|none~0|+|none~0|+|none~0|none~1|none~2|")).hasMessageContaining("needs 2 incoming");
    }

    @Test
    void mutationsAreOneEdgeEditsFirstThenTwoEdgeEdits() {
        Nb201Space space = new Nb201Space();
        Nb201Cell parent = Nb201Cell.parse(EXAMPLE);
        List<Nb201Cell> all = space.propose(parent, Move.MUTATE, List.of(), 1_000, new SplittableRandom(1));
        assertThat(all).hasSize(24 + 240).doesNotHaveDuplicates().doesNotContain(parent);
        assertThat(all.subList(0, 24)).allSatisfy(c -> assertThat(c.distance(parent)).isEqualTo(1));
        assertThat(all.subList(24, all.size())).allSatisfy(c -> assertThat(c.distance(parent)).isEqualTo(2));
        List<Nb201Cell> one = space.propose(parent, Move.MUTATE, List.of(), 1, new SplittableRandom(2));
        assertThat(one).hasSize(1);
        assertThat(one.get(0).distance(parent)).isEqualTo(1);
    }

    @Test
    void recombinationTakesEachEdgeFromOneOfTheTwo() {
        Nb201Space space = new Nb201Space();
        Nb201Cell parent = Nb201Cell.of(3, 3, 3, 3, 3, 3);
        Nb201Cell ref = Nb201Cell.of(1, 1, 1, 1, 1, 1);
        List<Nb201Cell> kids = space.propose(parent, Move.RECOMBINE, List.of(ref), 20, new SplittableRandom(3));
        assertThat(kids).isNotEmpty().doesNotHaveDuplicates().doesNotContain(parent, ref);
        for (Nb201Cell k : kids) {
            int foreign = 0;
            for (int e = 0; e < Nb201Cell.EDGES; e++) {
                if (k.op(e) != 3 && k.op(e) != 1) {
                    foreign++;
                }
            }
            assertThat(foreign).as(k.arch()).isLessThanOrEqualTo(1);
        }
        assertThatThrownBy(() -> space.propose(parent, Move.APPLY_INSIGHT, List.of(), 1, new SplittableRandom(1)))
                .hasMessageContaining("cannot apply_insight");
    }

    @Test
    void freshCellsAreDistinctAndSeeded() {
        Nb201Space space = new Nb201Space();
        List<Nb201Cell> a = space.fresh(100, new SplittableRandom(5));
        assertThat(a).hasSize(100).doesNotHaveDuplicates();
        assertThat(space.fresh(100, new SplittableRandom(5))).isEqualTo(a);
    }

    @Test
    void featuresAreWlSubtreeCountsOfTheLiveGraph() {
        Map<String, Double> f = CellFeatures.of(Nb201Cell.parse(EXAMPLE));
        // round 0: the live graph's labels: in, two sums, out, and the five operations that are not none
        assertThat(f).containsEntry("wl0:in", 1.0).containsEntry("wl0:sum", 2.0).containsEntry("wl0:out", 1.0)
                .containsEntry("wl0:nor_conv_3x3", 3.0).containsEntry("wl0:skip_connect", 2.0)
                .containsEntry("wl0:avg_pool_3x3", 1.0);
        assertThat(f.keySet()).anyMatch(k -> k.startsWith("wl1:")).anyMatch(k -> k.startsWith("wl2:"));
        // in -> conv -> 1 -> pool -> 2 -> skip -> out is the longest path; three convolutions of 9 each
        assertThat(f).containsEntry("depth", 3.0).containsEntry("params", 27.0);
        assertThat(f).containsEntry("paths", 4.0);
    }

    @Test
    void deadBranchesAndNoneEdgesLeaveNoFeatures() {
        // node 2 reaches the output only through edge 2-3; with it set to none, edges 0-2 and 1-2 are dead
        Nb201Cell dead = Nb201Cell.parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|");
        Nb201Cell otherDead = Nb201Cell.parse("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|skip_connect~0|nor_conv_3x3~1|none~2|");
        assertThat(CellFeatures.of(dead)).isEqualTo(CellFeatures.of(otherDead));
        Nb201Cell cut = Nb201Cell.parse("|none~0|+|none~0|none~1|+|none~0|nor_conv_3x3~1|nor_conv_3x3~2|");
        assertThat(CellFeatures.of(cut)).containsEntry("disconnected", 1.0);
    }

    @Test
    void moreRoundsTellMorePositionsApart() {
        // the same operations on different edges: round 0 cannot tell them apart, round 2 can
        Nb201Cell a = Nb201Cell.parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|");
        Nb201Cell b = Nb201Cell.parse("|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|");
        assertThat(CellFeatures.of(a, 0)).isEqualTo(CellFeatures.of(b, 0));
        assertThat(CellFeatures.of(a, 2)).isNotEqualTo(CellFeatures.of(b, 2));
        Set<String> keys = new HashSet<>(CellFeatures.of(a, 2).keySet());
        assertThat(keys).allMatch(k -> k.matches("wl[0-2]:.+|depth|paths|params"));
    }
}
