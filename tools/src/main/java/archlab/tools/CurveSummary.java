package archlab.tools;

import java.util.List;
import java.util.Map;

/**
 * A training curve in a few numbers: where the loss started, how low it got, where it ended, whether it
 * was still moving at the end, where warmup ended (the step of the peak learning rate), how many spikes
 * it had, and the held-out metrics of the evaluations along the way.
 *
 * @param warmupEndStep   the step where the learning rate peaked; null when the curve has no learning
 *                        rate or the rate was still rising at its last point ({@code warmupUnfinished})
 * @param tailChange      relative change of the training loss over the last fifth of the curve (at least
 *                        two points each side), negative when it fell: -0.1 is a 10 % drop
 * @param secondHalfChange the same over the second half
 * @param tailShare       the drop of the training loss over the last fifth as a share of its whole drop
 *                        (first to last point); 0 when the loss did not fall overall
 * @param spikes          points after the first fifth whose loss jumped above 1.5 × the previous point
 *                        and above 1.5 × the lowest loss so far
 * @param evals           the points that carry held-out metrics, in step order
 */
public record CurveSummary(int points, int firstStep, int lastStep, double firstLoss, double minLoss,
                           int minLossStep, double lastLoss, Integer warmupEndStep, boolean warmupUnfinished,
                           Double peakLr, double tailChange, double secondHalfChange, double tailShare, int spikes,
                           List<Measurements.Point> evals) {
    public CurveSummary {
        evals = List.copyOf(evals);
    }

    /** The summary of a curve with at least one point. */
    public static CurveSummary of(List<Measurements.Point> curve) {
        if (curve.isEmpty()) {
            throw new IllegalArgumentException("an empty curve has no summary");
        }
        int n = curve.size();
        double min = Double.POSITIVE_INFINITY;
        int minStep = curve.get(0).step();
        for (Measurements.Point p : curve) {
            if (p.loss() < min) {
                min = p.loss();
                minStep = p.step();
            }
        }
        Integer warmupEnd = null;
        boolean unfinished = false;
        Double peak = null;
        int peakIndex = -1;
        for (int i = 0; i < n; i++) {
            Double lr = curve.get(i).lr();
            if (lr != null && (peak == null || lr > peak)) {
                peak = lr;
                peakIndex = i;
            }
        }
        if (peak != null) {
            if (peakIndex == n - 1 && n > 1 && curve.get(0).lr() != null && curve.get(0).lr() < peak) {
                unfinished = true;
            } else {
                warmupEnd = curve.get(peakIndex).step();
            }
        }
        int spikes = 0;
        double lowest = curve.get(0).loss();
        for (int i = 1; i < n; i++) {
            double l = curve.get(i).loss();
            if (i > n / 5 && l > 1.5 * curve.get(i - 1).loss() && l > 1.5 * lowest) {
                spikes++;
            }
            lowest = Math.min(lowest, l);
        }
        List<Measurements.Point> evals = curve.stream().filter(p -> !p.eval().isEmpty()).toList();
        double first = curve.get(0).loss();
        double last = curve.get(n - 1).loss();
        double[] tail = ends(curve, Math.max(2, n / 5));
        double[] half = ends(curve, Math.max(2, n / 2));
        double share = tail != null && first > last ? (tail[0] - tail[1]) / (first - last) : 0;
        return new CurveSummary(n, curve.get(0).step(), curve.get(n - 1).step(), first, min, minStep, last, warmupEnd,
                unfinished, peak, relative(tail), relative(half), share, spikes, evals);
    }

    /** The held-out values of one metric at each evaluation, in step order. */
    public List<Double> heldOut(String metric) {
        return evals.stream().map(p -> p.eval().get(metric)).filter(v -> v != null).toList();
    }

    /** The held-out metrics of the last evaluation; empty when the run never evaluated. */
    public Map<String, Double> lastEval() {
        return evals.isEmpty() ? Map.of() : evals.get(evals.size() - 1).eval();
    }

    /** (end − start) / |start|; 0 when there is nothing to compare. */
    private static double relative(double[] ends) {
        return ends == null || ends[0] == 0 ? 0 : (ends[1] - ends[0]) / Math.abs(ends[0]);
    }

    /**
     * The loss at the start and at the end of the last {@code window} points, each averaged with its neighbour
     * inside the window when the window has four points or more (training loss is noisy batch to batch); null
     * when the curve is too short or not finite there.
     */
    private static double[] ends(List<Measurements.Point> curve, int window) {
        int n = curve.size();
        if (n < 3) {
            return null;
        }
        int w = Math.min(window, n);
        int start = n - w;
        double head = curve.get(start).loss();
        double tail = curve.get(n - 1).loss();
        if (w >= 4) {
            head = (head + curve.get(start + 1).loss()) / 2;
            tail = (tail + curve.get(n - 2).loss()) / 2;
        }
        return Double.isFinite(head) && Double.isFinite(tail) ? new double[] {head, tail} : null;
    }
}
