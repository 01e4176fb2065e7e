package archlab.evaluators.fitness;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class FitnessTest {
    private final Fitness accuracy = new Fitness("accuracy", true, 0.80, 0.50, FitnessWeights.DEFAULT);
    private final Fitness loss = new Fitness("val_loss", false, 2.0, null, FitnessWeights.DEFAULT);

    @Test
    void theBaselineScoresOneHalf() {
        FitnessScore s = accuracy.score(0.80, null);
        assertThat(s.relative()).isZero();
        assertThat(s.quantitative()).isEqualTo(0.5);
        assertThat(s.combined()).isEqualTo(0.5);
    }

    @Test
    void halfAgainBetterScoresSigmoidOfOne() {
        FitnessScore s = accuracy.score(1.20, null);
        assertThat(s.relative()).isCloseTo(0.50, within(1e-12));
        assertThat(s.quantitative()).isCloseTo(1 / (1 + Math.exp(-1)), within(1e-12));
        assertThat(accuracy.score(1.6, null).quantitative()).as("twice as good is not yet saturated").isLessThan(0.9);
        assertThat(s.overRandom()).isCloseTo((1.20 - 0.50) / 0.50, within(1e-12));
    }

    @Test
    void lowerIsBetterMetricsFlipTheSign() {
        assertThat(loss.score(1.8, null).relative()).isCloseTo(0.1, within(1e-12));
        assertThat(loss.score(2.2, null).quantitative()).isLessThan(0.5);
        assertThat(loss.score(1.8, null).overRandom()).isNull();
    }

    @Test
    void judgeWeightAppliesOnlyWhenAJudgeRan() {
        FitnessScore s = accuracy.score(0.80, 1.0);
        assertThat(s.quantitative()).isEqualTo(0.5);
        assertThat(s.judged()).isEqualTo(1.0);
        assertThat(s.combined()).isCloseTo(0.8 * 0.5 + 0.2 * 1.0, within(1e-12));
    }

    @Test
    void aNanResultScoresZeroInsteadOfPoisoningRankings() {
        FitnessScore s = accuracy.score(Double.NaN, null);
        assertThat(s.quantitative()).isZero();
        assertThat(s.combined()).isZero();
        assertThat(s.overRandom()).isNull();
    }

    @Test
    void badSettingsAreNamed() {
        assertThatThrownBy(() -> new FitnessWeights(0, 0.2)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new FitnessWeights(0.1, 1.5)).hasMessageContaining("judged weight");
        assertThatThrownBy(() -> new Fitness("accuracy", true, Double.NaN, null, FitnessWeights.DEFAULT))
                .hasMessageContaining("baseline's accuracy");
        assertThatThrownBy(() -> accuracy.score(0.9, 2.0)).hasMessageContaining("judged score");
    }

    @Property(tries = 300)
    void squashedScoreIsMonotoneAndInsideTheOpenInterval(@ForAll @DoubleRange(min = 0, max = 1) double a,
                                                        @ForAll @DoubleRange(min = 0, max = 1) double b) {
        double fa = accuracy.score(a, null).quantitative();
        double fb = accuracy.score(b, null).quantitative();
        assertThat(fa).isBetween(0.0, 1.0);
        if (a < b) {
            assertThat(fa).isLessThanOrEqualTo(fb);
        }
    }
}
