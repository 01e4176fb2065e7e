package archlab.sandbox.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import org.junit.jupiter.api.Test;

class SelectiveCopyTest {

    /** Checks the layout of every row; returns the data positions of each row. */
    static List<List<Integer>> assertValid(SelectiveCopy t, Batch b) {
        int l = t.seqLen();
        int m = t.tokens();
        int region = t.dataRegion();
        assertThat(region).isEqualTo(l - m - 1);
        List<List<Integer>> positions = new ArrayList<>();
        for (int r = 0; r < b.size(); r++) {
            int off = r * l;
            String where = "row " + r + ": " + Arrays.toString(Arrays.copyOfRange(b.inputs(), off, off + l));
            List<Integer> data = new ArrayList<>();
            List<Integer> pos = new ArrayList<>();
            for (int p = 0; p < region; p++) {
                int in = b.inputs()[off + p];
                assertThat(b.weights()[off + p]).isZero();
                assertThat(b.targets()[off + p]).isZero();
                if (in != SelectiveCopy.FILLER) {
                    assertThat(in).as(where).isBetween(SelectiveCopy.FIRST_DATA, t.vocab() - 1);
                    data.add(in);
                    pos.add(p);
                }
            }
            assertThat(data).as(where).hasSize(m);
            assertThat(b.inputs()[off + region]).isEqualTo(SelectiveCopy.MARKER);
            assertThat(b.weights()[off + region]).isZero();
            for (int k = 0; k < m; k++) {
                int p = off + region + 1 + k;
                assertThat(b.inputs()[p]).as(where).isEqualTo(SelectiveCopy.MARKER);
                assertThat(b.weights()[p]).isEqualTo(1f);
                assertThat(b.targets()[p]).as("answer %d, %s", k, where).isEqualTo(data.get(k));
            }
            positions.add(pos);
        }
        return positions;
    }

    @Test
    void defaults() {
        SelectiveCopy t = new SelectiveCopy();
        assertThat(t.vocab()).isEqualTo(32);
        assertThat(t.seqLen()).isEqualTo(64);
        assertThat(t.tokens()).isEqualTo(8);
        assertThat(t.primaryMetric()).isEqualTo("accuracy");
        assertThat(t.higherIsBetter()).isTrue();
        assertThat(t.metrics(1.0, 0.5)).containsOnlyKeys("loss", "accuracy");
        assertThat(t.config()).containsEntry("task", "selective_copy").containsEntry("tokens", 8);
    }

    @Test
    void layoutHoldsAndPositionsVary() {
        SelectiveCopy t = new SelectiveCopy();
        Set<List<Integer>> layouts = new HashSet<>();
        int[] perPosition = new int[t.dataRegion()];
        for (int step = 0; step < 10; step++) {
            for (List<Integer> pos : assertValid(t, t.trainBatch(5, step, 50))) {
                layouts.add(pos);
                pos.forEach(p -> perPosition[p]++);
            }
            assertValid(t, t.evalBatch(5, step, 50));
        }
        // Content-dependent positions: (almost) every example has its own layout, and every
        // position of the data region is used.
        assertThat(layouts.size()).isGreaterThan(490);
        assertThat(perPosition).doesNotContain(0);
    }

    @Test
    void tightestLayoutFillsTheWholeRegion() {
        SelectiveCopy t = new SelectiveCopy(3, 9, 4);
        Batch b = t.trainBatch(1, 0, 10);
        assertValid(t, b);
        for (int r = 0; r < 10; r++) {
            assertThat(Arrays.copyOfRange(b.inputs(), r * 9, r * 9 + 9)).containsExactly(2, 2, 2, 2, 1, 1, 1, 1, 1);
        }
    }

    @Property(tries = 200, shrinking = ShrinkingMode.OFF)
    void layoutHoldsForRandomSettings(@ForAll long seed) {
        Random r = new Random(seed);
        int v = 3 + r.nextInt(100);
        int m = 1 + r.nextInt(20);
        int l = 2 * m + 1 + r.nextInt(100);
        SelectiveCopy t = new SelectiveCopy(v, l, m);
        assertValid(t, t.trainBatch(seed, r.nextInt(1_000_000), 1 + r.nextInt(8)));
        assertValid(t, t.evalBatch(seed, r.nextInt(1000), 1 + r.nextInt(8)));
    }

    @Test
    void deterministicAndStreamsDiffer() {
        SelectiveCopy t = new SelectiveCopy();
        assertThat(t.trainBatch(3, 9, 16).inputs()).isEqualTo(new SelectiveCopy().trainBatch(3, 9, 16).inputs());
        assertThat(t.trainBatch(3, 9, 16).targets()).isEqualTo(t.trainBatch(3, 9, 16).targets());
        assertThat(t.trainBatch(3, 10, 16).inputs()).isNotEqualTo(t.trainBatch(3, 9, 16).inputs());
        assertThat(t.evalBatch(3, 9, 16).inputs()).isNotEqualTo(t.trainBatch(3, 9, 16).inputs());
        assertThat(t.evalBatch(3, 1, 4).inputs())
                .isEqualTo(Arrays.copyOfRange(t.evalBatch(3, 0, 8).inputs(), 4 * 64, 8 * 64));
    }

    @Test
    void badSettingsAreRejected() {
        assertThatThrownBy(() -> new SelectiveCopy(2, 64, 8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vocab must be at least 3");
        assertThatThrownBy(() -> new SelectiveCopy(32, 64, 0)).hasMessageContaining("tokens must be at least 1");
        assertThatThrownBy(() -> new SelectiveCopy(32, 16, 8)).hasMessageContaining("seq_len must be at least 2*tokens + 1 = 17");
        assertThatThrownBy(() -> new SelectiveCopy().evalBatch(0, 0, 0)).hasMessageContaining("batchSize");
    }
}
