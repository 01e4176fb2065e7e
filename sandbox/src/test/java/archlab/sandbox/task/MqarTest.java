package archlab.sandbox.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import org.junit.jupiter.api.Test;

class MqarTest {

    /** Checks every MQAR invariant on every row of a batch. */
    static void assertValid(Mqar t, Batch b) {
        int v = t.vocab();
        int n = t.pairs();
        int l = t.seqLen();
        assertThat(b.seqLen()).isEqualTo(l);
        Set<Integer> slotPositions = new HashSet<>();
        for (int g = 0; g < t.querySlots(); g++) {
            slotPositions.add(t.slotPosition(g));
        }
        for (int r = 0; r < b.size(); r++) {
            int off = r * l;
            String where = "row " + r + ": " + Arrays.toString(Arrays.copyOfRange(b.inputs(), off, off + l));
            int[] keys = new int[n];
            int[] values = new int[n];
            Set<Integer> seenKeys = new HashSet<>();
            Set<Integer> seenValues = new HashSet<>();
            for (int i = 0; i < n; i++) {
                keys[i] = b.inputs()[off + 2 * i];
                values[i] = b.inputs()[off + 2 * i + 1];
                assertThat(keys[i]).as(where).isBetween(1, v / 2 - 1);
                assertThat(values[i]).as(where).isBetween(v / 2, v - 1);
                assertThat(seenKeys.add(keys[i])).as("repeated key, " + where).isTrue();
                assertThat(seenValues.add(values[i])).as("repeated value, " + where).isTrue();
                assertThat(b.weights()[off + 2 * i]).isZero();
                assertThat(b.weights()[off + 2 * i + 1]).isZero();
            }
            Set<Integer> queried = new HashSet<>();
            int answers = 0;
            for (int p = 2 * n; p < l; p++) {
                int in = b.inputs()[off + p];
                int tg = b.targets()[off + p];
                float w = b.weights()[off + p];
                if (w != 0f) {
                    assertThat(w).isEqualTo(1f);
                    answers++;
                    assertThat(slotPositions).as(where).contains(p);
                    int i = indexOf(keys, in);
                    assertThat(i).as("query at %d is not a key, %s", p, where).isGreaterThanOrEqualTo(0);
                    assertThat(tg).as("target at query %d, %s", p, where).isEqualTo(values[i]);
                    assertThat(queried.add(in)).as("key queried twice, " + where).isTrue();
                } else {
                    assertThat(in).as("filler at %d, %s", p, where).isEqualTo(Mqar.FILLER);
                    assertThat(tg).isZero();
                }
            }
            assertThat(answers).as("every key is queried, " + where).isEqualTo(n);
        }
    }

    private static int indexOf(int[] a, int x) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == x) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void defaultsAreZoologysSmallSetting() {
        Mqar t = new Mqar();
        assertThat(t.vocab()).isEqualTo(256);
        assertThat(t.seqLen()).isEqualTo(64);
        assertThat(t.pairs()).isEqualTo(8);
        assertThat(t.powerA()).isEqualTo(0.01);
        assertThat(t.queryStride()).isEqualTo(2);
        assertThat(t.querySlots()).isEqualTo(24);
        assertThat(t.primaryMetric()).isEqualTo("accuracy");
        assertThat(t.higherIsBetter()).isTrue();
        assertThat(t.metrics(0.5, 0.75)).containsOnlyKeys("loss", "accuracy").containsEntry("accuracy", 0.75);
        assertThat(t.config()).containsEntry("task", "mqar").containsEntry("pairs", 8).containsEntry("seq_len", 64);
    }

    @Test
    void invariantsHoldOnManyDefaultExamples() {
        Mqar t = new Mqar();
        for (int step = 0; step < 20; step++) {
            assertValid(t, t.trainBatch(7, step, 64));
            assertValid(t, t.evalBatch(7, step, 64));
        }
    }

    @Test
    void zoologysLayoutIsKeptWhenItFitsAndTheDenseOneOtherwise() {
        // L = 4N - 1: stride 2 still fits (slots at 2N, 2N+2, ..., L-1).
        Mqar fits = new Mqar(64, 31, 8);
        assertThat(fits.queryStride()).isEqualTo(2);
        assertThat(fits.querySlots()).isEqualTo(8);
        assertValid(fits, fits.trainBatch(1, 0, 200));
        // 3N <= L < 4N - 1: every position after the pairs is a slot.
        Mqar dense = new Mqar(64, 24, 8);
        assertThat(dense.queryStride()).isEqualTo(1);
        assertThat(dense.querySlots()).isEqualTo(8);
        assertValid(dense, dense.trainBatch(1, 0, 200));
        Mqar dense2 = new Mqar(64, 29, 8);
        assertThat(dense2.queryStride()).isEqualTo(1);
        assertThat(dense2.querySlots()).isEqualTo(13);
        assertValid(dense2, dense2.evalBatch(1, 3, 200));
    }

    @Test
    void smallestVocabularyUsesEveryKeyAndValue() {
        Mqar t = new Mqar(4, 3, 1);
        Batch b = t.trainBatch(3, 0, 50);
        assertValid(t, b);
        for (int r = 0; r < 50; r++) {
            assertThat(b.inputs()[3 * r]).isEqualTo(1);
            assertThat(b.inputs()[3 * r + 1]).isIn(2, 3);
            assertThat(b.inputs()[3 * r + 2]).isEqualTo(1);
            assertThat(b.targets()[3 * r + 2]).isEqualTo(b.inputs()[3 * r + 1]);
        }
        // V = 20, N = 9: every key in [1, 10) is used, each exactly once.
        Mqar full = new Mqar(20, 40, 9);
        Batch fb = full.trainBatch(5, 2, 30);
        assertValid(full, fb);
        for (int r = 0; r < 30; r++) {
            int[] keys = new int[9];
            for (int i = 0; i < 9; i++) {
                keys[i] = fb.inputs()[r * 40 + 2 * i];
            }
            Arrays.sort(keys);
            assertThat(keys).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
        }
    }

    @Property(tries = 300, shrinking = ShrinkingMode.OFF)
    void invariantsHoldForRandomSettings(@ForAll long seed) {
        Random r = new Random(seed);
        int v = 2 * (2 + r.nextInt(200));
        int n = 1 + r.nextInt(Math.min(v / 2 - 1, 24));
        int l = 3 * n + r.nextInt(80);
        double a = r.nextBoolean() ? 0.01 : 0.01 + 2 * r.nextDouble();
        Mqar t = new Mqar(v, l, n, a);
        assertValid(t, t.trainBatch(seed, r.nextInt(1_000_000), 1 + r.nextInt(8)));
        assertValid(t, t.evalBatch(seed, r.nextInt(1000), 1 + r.nextInt(8)));
    }

    @Test
    void queriesFavourShortGaps() {
        Mqar t = new Mqar();
        int slots = t.querySlots();
        int[] hits = new int[slots];
        int[] firstDraw = new int[slots];
        int examples = 0;
        for (int step = 0; step < 40; step++) {
            Batch b = t.trainBatch(11, step, 100);
            for (int r = 0; r < b.size(); r++) {
                examples++;
                int off = r * t.seqLen();
                int firstKey = b.inputs()[off];
                for (int g = 0; g < slots; g++) {
                    int p = off + t.slotPosition(g);
                    if (b.weights()[p] != 0f) {
                        hits[g]++;
                        if (b.inputs()[p] == firstKey) {
                            firstDraw[g]++;
                        }
                    }
                }
            }
        }
        int shortHalf = Arrays.stream(hits, 0, slots / 2).sum();
        int longHalf = Arrays.stream(hits, slots / 2, slots).sum();
        assertThat(shortHalf).as("queries in the nearer half of the slots vs the farther half")
                .isGreaterThan(2 * longHalf);
        assertThat(hits[0]).isGreaterThan(hits[slots - 1] * 3);
        // The first pair's query is the first draw, so its slot has the power law itself:
        // p(g) = (g+1)^(a-1) / sum_h (h+1)^(a-1).
        double z = 0;
        for (int g = 0; g < slots; g++) {
            z += Math.pow(g + 1, t.powerA() - 1);
        }
        for (int g : new int[] {0, 1, 5, slots - 1}) {
            double expected = Math.pow(g + 1, t.powerA() - 1) / z;
            assertThat(firstDraw[g] / (double) examples).as("first-draw frequency of slot %d", g)
                    .isCloseTo(expected, org.assertj.core.data.Offset.offset(0.03));
        }
    }

    @Test
    void powerAOneMakesTheSlotsUniform() {
        Mqar t = new Mqar(256, 64, 8, 1.0);
        int slots = t.querySlots();
        int[] hits = new int[slots];
        for (int step = 0; step < 40; step++) {
            Batch b = t.trainBatch(11, step, 100);
            for (int r = 0; r < b.size(); r++) {
                for (int g = 0; g < slots; g++) {
                    if (b.weights()[r * t.seqLen() + t.slotPosition(g)] != 0f) {
                        hits[g]++;
                    }
                }
            }
        }
        int shortHalf = Arrays.stream(hits, 0, slots / 2).sum();
        int longHalf = Arrays.stream(hits, slots / 2, slots).sum();
        assertThat(shortHalf / (double) (shortHalf + longHalf)).isBetween(0.47, 0.53);
    }

    @Test
    void batchesArePureFunctionsOfSeedStepAndSize() {
        Mqar t = new Mqar();
        Batch a = t.trainBatch(42, 17, 32);
        Batch b = new Mqar().trainBatch(42, 17, 32);
        assertThat(b.inputs()).isEqualTo(a.inputs());
        assertThat(b.targets()).isEqualTo(a.targets());
        assertThat(b.weights()).isEqualTo(a.weights());
        assertThat(t.trainBatch(42, 18, 32).inputs()).isNotEqualTo(a.inputs());
        assertThat(t.trainBatch(43, 17, 32).inputs()).isNotEqualTo(a.inputs());
        assertThat(t.evalBatch(42, 3, 32).inputs()).isEqualTo(t.evalBatch(42, 3, 32).inputs());
        assertThat(t.evalBatch(42, 4, 32).inputs()).isNotEqualTo(t.evalBatch(42, 3, 32).inputs());
    }

    @Test
    void rowsWithinABatchDiffer() {
        Batch b = new Mqar().trainBatch(1, 0, 2);
        assertThat(Arrays.copyOfRange(b.inputs(), 0, 64)).isNotEqualTo(Arrays.copyOfRange(b.inputs(), 64, 128));
    }

    @Test
    void trainAndEvalStreamsDiffer() {
        Mqar t = new Mqar();
        for (int i = 0; i < 5; i++) {
            assertThat(t.evalBatch(42, i, 16).inputs()).isNotEqualTo(t.trainBatch(42, i, 16).inputs());
        }
    }

    @Test
    void theHeldOutSetDoesNotDependOnTheBatchSize() {
        Mqar t = new Mqar();
        Batch big = t.evalBatch(9, 0, 8);
        Batch second = t.evalBatch(9, 1, 4);
        assertThat(second.inputs()).isEqualTo(Arrays.copyOfRange(big.inputs(), 4 * 64, 8 * 64));
        // Training rows are a prefix-stable function of (seed, step, row).
        Batch train = t.trainBatch(9, 5, 8);
        assertThat(t.trainBatch(9, 5, 3).inputs()).isEqualTo(Arrays.copyOfRange(train.inputs(), 0, 3 * 64));
    }

    @Test
    void badSettingsAreRejectedWithClearMessages() {
        assertThatThrownBy(() -> new Mqar(255, 64, 8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vocab must be even and at least 4");
        assertThatThrownBy(() -> new Mqar(2, 64, 1)).hasMessageContaining("vocab must be even and at least 4");
        assertThatThrownBy(() -> new Mqar(256, 64, 0)).hasMessageContaining("pairs must be at least 1");
        assertThatThrownBy(() -> new Mqar(16, 64, 8)).hasMessageContaining("pairs must be at most vocab/2 - 1 = 7");
        assertThatThrownBy(() -> new Mqar(256, 23, 8)).hasMessageContaining("seq_len must be at least 3*pairs = 24");
        assertThatThrownBy(() -> new Mqar(256, 64, 8, 0)).hasMessageContaining("power_a must be a positive");
        assertThatThrownBy(() -> new Mqar(256, 64, 8, Double.NaN)).hasMessageContaining("power_a");
        Mqar t = new Mqar();
        assertThatThrownBy(() -> t.trainBatch(1, 0, 0)).hasMessageContaining("batchSize must be at least 1");
        assertThatThrownBy(() -> t.trainBatch(1, -1, 4)).hasMessageContaining("step must be non-negative");
        assertThatThrownBy(() -> t.evalBatch(1, -1, 4)).hasMessageContaining("index must be non-negative");
    }
}
