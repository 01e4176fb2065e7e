package archlab.agent.search;

import java.util.Arrays;

/**
 * The results seen so far, as a sorted list, to put any fitness on the search's normalised scale: the
 * share of results below it, ties counting half ({@code (below + equal / 2) / n}). Ranks make the
 * search blind to a task's units and to any monotone change of its metric: the same choices follow
 * from accuracies in percent, fractions, or their logits.
 */
final class FitnessRanks {
    private double[] sorted = new double[16];
    private int n;

    void add(double fitness) {
        if (n == sorted.length) {
            sorted = Arrays.copyOf(sorted, n * 2);
        }
        int at = lowerBound(fitness);
        System.arraycopy(sorted, at, sorted, at + 1, n - at);
        sorted[at] = fitness;
        n++;
    }

    int size() {
        return n;
    }

    /** {@code fitness} on the normalised scale, in [0, 1]; 0.5 before any result. */
    double normalise(double fitness) {
        if (n == 0) {
            return 0.5;
        }
        int below = lowerBound(fitness);
        int upTo = upperBound(fitness);
        return (below + (upTo - below) / 2.0) / n;
    }

    double best() {
        return n == 0 ? Double.NaN : sorted[n - 1];
    }

    private int lowerBound(double v) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private int upperBound(double v) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
