package archlab.agent.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.agent.search.nb201.CellFeatures;
import archlab.agent.search.nb201.Nb201Cell;
import archlab.agent.search.nb201.SyntheticTable;
import archlab.evaluators.tabular.TabularEvaluator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ValueModelTest {
    private static final TabularEvaluator TABLE = SyntheticTable.table(5);

    /** A random cell whose edges all use operations from {@code ops}. */
    private static Nb201Cell cellFrom(int[] ops, SplittableRandom rng) {
        int[] e = new int[Nb201Cell.EDGES];
        for (int i = 0; i < e.length; i++) {
            e[i] = ops[rng.nextInt(ops.length)];
        }
        return Nb201Cell.of(e);
    }

    private record Fitted(ValueModel model, Set<Nb201Cell> seen) {
    }

    /** Trained on 60 cells built from skip connections and convolutions only. */
    private static Fitted fitted(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] region = {1, 2, 3};
        Set<Nb201Cell> seen = new HashSet<>();
        while (seen.size() < 60) {
            seen.add(cellFrom(region, rng));
        }
        List<Map<String, Double>> x = new ArrayList<>();
        double[] y = new double[seen.size()];
        int i = 0;
        for (Nb201Cell c : seen) {
            x.add(CellFeatures.of(c));
            y[i++] = TABLE.accuracy(c.arch());
        }
        // the search trains on ranks: the share of results below, ties counting half
        double[] sorted = y.clone();
        java.util.Arrays.sort(sorted);
        for (int j = 0; j < y.length; j++) {
            int below = 0;
            int equal = 0;
            for (double v : sorted) {
                below += v < y[j] ? 1 : 0;
                equal += v == y[j] ? 1 : 0;
            }
            y[j] = (below + equal / 2.0) / y.length;
        }
        ValueModel m = new ValueModel(10, 8, 2, 0.5);
        m.fit(x, y, seed);
        return new Fitted(m, seen);
    }

    @Test
    void uncertaintyIsLargerAwayFromTheDataThanNearIt() {
        for (long seed = 1; seed <= 3; seed++) {
            Fitted f = fitted(seed);
            SplittableRandom rng = new SplittableRandom(100 + seed);
            // near: unseen cells one edge away from a training cell, still skip and convolutions only
            List<Nb201Cell> seen = new ArrayList<>(f.seen());
            double near = 0;
            int nearCount = 0;
            while (nearCount < 200) {
                Nb201Cell base = seen.get(rng.nextInt(seen.size()));
                int edge = rng.nextInt(Nb201Cell.EDGES);
                Nb201Cell c = base.with(edge, 1 + rng.nextInt(3));
                if (!f.seen().contains(c)) {
                    near += f.model().predict(CellFeatures.of(c)).uncertainty();
                    nearCount++;
                }
            }
            // far: cells made only of pooling and skip connections' absence: operations never seen in training
            double far = 0;
            int farCount = 0;
            while (farCount < 200) {
                Nb201Cell c = cellFrom(new int[] {0, 4, 4}, rng);
                if (!CellFeatures.of(c).containsKey("disconnected")) {
                    far += f.model().predict(CellFeatures.of(c)).uncertainty();
                    farCount++;
                }
            }
            double at = 0;
            for (Nb201Cell c : seen) {
                at += f.model().predict(CellFeatures.of(c)).uncertainty();
            }
            // at the training designs < one edit away < operations never seen, by clear margins
            assertThat(near / nearCount).as("seed %d: one edit away vs at the data", seed).isGreaterThan(1.2 * at / seen.size());
            assertThat(far / farCount).as("seed %d: far vs one edit away", seed).isGreaterThan(1.2 * near / nearCount);
        }
    }

    @Test
    void predictionsFollowTheDataAndTrainingIsDeterministic() {
        Fitted a = fitted(7);
        Fitted b = fitted(7);
        List<Double> predicted = new ArrayList<>();
        List<Double> actual = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(9);
        for (int i = 0; i < 300; i++) {
            Nb201Cell c = cellFrom(new int[] {1, 2, 3}, rng);
            Prediction p = a.model().predict(CellFeatures.of(c));
            assertThat(b.model().predict(CellFeatures.of(c))).isEqualTo(p);
            predicted.add(p.mean());
            actual.add(TABLE.accuracy(c.arch()));
        }
        RankQuality q = RankQuality.of(predicted.stream().mapToDouble(Double::doubleValue).toArray(),
                actual.stream().mapToDouble(Double::doubleValue).toArray());
        assertThat(q.kendallTau()).isGreaterThan(0.3);
        assertThat(q.spearmanRho()).isGreaterThan(0.4);
    }

    @Test
    void anUntrainedModelIsUninformed() {
        ValueModel m = new ValueModel(4, 4, 1, 1);
        assertThat(m.trained()).isFalse();
        assertThat(m.predict(Map.of("x", 1.0))).isEqualTo(Prediction.UNINFORMED);
        m.fit(List.of(Map.of("x", 1.0)), new double[] {0.8}, 1);
        assertThat(m.trained()).isFalse();
        assertThat(m.predict(Map.of("x", 2.0)).mean()).isEqualTo(0.8);
        assertThatThrownBy(() -> m.fit(List.of(), new double[] {1}, 1)).hasMessageContaining("targets");
        assertThatThrownBy(() -> new ValueModel(1, 4, 1, 1)).hasMessageContaining("at least 2");
    }

    @Test
    void designsSharingNothingWithTheDataGetTheMeanAndTheFullSpread() {
        ValueModel m = new ValueModel(4, 4, 1, 1);
        // "c" is the only result with feature z, and no other feature: it trains on a placeholder
        m.fit(List.of(Map.of("x", 1.0), Map.of("x", 2.0), Map.of("z", 1.0)), new double[] {0.2, 0.8, 0.5}, 3);
        assertThat(m.trained()).isTrue();
        Prediction unknown = m.predict(Map.of("w", 1.0));
        assertThat(unknown.mean()).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(unknown.uncertainty()).isCloseTo(0.3, org.assertj.core.data.Offset.offset(1e-12)); // sd of 0.2 0.8 0.5
        assertThat(m.predict(Map.of()).uncertainty()).isEqualTo(unknown.uncertainty());
    }

    @Test
    void rankQualityMatchesHandComputedValues() {
        // predictions 1 2 3 4 against 1 3 2 4: one discordant pair of six -> tau = (5 - 1) / 6
        RankQuality q = RankQuality.of(new double[] {1, 2, 3, 4}, new double[] {1, 3, 2, 4});
        assertThat(q.kendallTau()).isCloseTo(4.0 / 6, org.assertj.core.data.Offset.offset(1e-12));
        // rho = 1 - 6 * sum d^2 / (n (n^2 - 1)) = 1 - 6 * 2 / 60 = 0.8
        assertThat(q.spearmanRho()).isCloseTo(0.8, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(RankQuality.of(new double[] {1}, new double[] {2}).kendallTau()).isNaN();
    }
}
