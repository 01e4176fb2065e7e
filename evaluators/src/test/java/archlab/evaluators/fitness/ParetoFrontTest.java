package archlab.evaluators.fitness;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParetoFrontTest {
    private static ParetoFront.Point p(String id, double quality, double... costs) {
        return new ParetoFront.Point(id, quality, costs);
    }

    @Test
    void keepsExactlyTheNonDominatedDesigns() {
        List<ParetoFront.Point> points = List.of(
                p("small-weak", 0.60, 1_000),
                p("mid", 0.80, 5_000),
                p("mid-worse", 0.75, 6_000),   // dominated by mid
                p("big-best", 0.90, 20_000),
                p("big-same", 0.90, 25_000),   // dominated by big-best (same quality, costlier)
                p("nan", Double.NaN, 10));
        assertThat(ParetoFront.of(points)).extracting(ParetoFront.Point::id)
                .containsExactly("small-weak", "mid", "big-best");
    }

    @Test
    void twoCostsTradeOffAgainstEachOther() {
        List<ParetoFront.Point> points = List.of(
                p("few-params", 0.8, 100, 900),
                p("few-flops", 0.8, 900, 100),
                p("both-worse", 0.8, 901, 901));
        assertThat(ParetoFront.of(points)).extracting(ParetoFront.Point::id)
                .containsExactly("few-params", "few-flops");
    }

    @Test
    void identicalPointsAreBothKept() {
        assertThat(ParetoFront.of(List.of(p("a", 0.5, 1), p("b", 0.5, 1)))).hasSize(2);
    }

    @Test
    void mismatchedObjectivesAreAnError() {
        assertThatThrownBy(() -> ParetoFront.of(List.of(p("a", 0.5, 1), p("b", 0.6, 1, 2))))
                .hasMessageContaining("different objectives");
    }
}
