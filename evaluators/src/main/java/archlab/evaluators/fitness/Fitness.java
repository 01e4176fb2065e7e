package archlab.evaluators.fitness;

import java.util.Objects;

/**
 * Scores a measured metric against a fixed baseline (docs/fitness.md): relative improvement,
 * squashed to (0, 1), optionally mixed with the judge's score. Improvement over the average random
 * architecture is reported beside it, because "NAS evaluation is frustratingly hard" (Yang et al.)
 * showed that gains over a weak baseline often vanish against random sampling.
 */
public final class Fitness {
    private final String metric;
    private final boolean higherIsBetter;
    private final double baseline;
    private final Double randomMean;
    private final FitnessWeights weights;

    /**
     * @param randomMean mean of the metric over randomly sampled architectures; null when unknown
     */
    public Fitness(String metric, boolean higherIsBetter, double baseline, Double randomMean, FitnessWeights weights) {
        this.metric = Objects.requireNonNull(metric, "metric");
        if (!Double.isFinite(baseline)) {
            throw new IllegalArgumentException("the baseline's " + metric + " is not a finite number: " + baseline);
        }
        this.higherIsBetter = higherIsBetter;
        this.baseline = baseline;
        this.randomMean = randomMean;
        this.weights = Objects.requireNonNull(weights, "weights");
    }

    /**
     * Scores {@code value}. A non-finite value (a run that produced NaN) scores as the worst possible
     * result instead of poisoning means and rankings downstream.
     *
     * @param judged the judge's mean score in [0, 1], or null
     */
    public FitnessScore score(double value, Double judged) {
        if (judged != null && !(judged >= 0 && judged <= 1)) {
            throw new IllegalArgumentException("judged score must be in [0, 1], was " + judged);
        }
        double relative = Double.isFinite(value) ? relative(value, baseline) : Double.NEGATIVE_INFINITY;
        double quantitative = squash(relative, weights.temperature());
        double combined = judged == null ? quantitative
                : (1 - weights.judged()) * quantitative + weights.judged() * judged;
        Double overRandom = randomMean == null || !Double.isFinite(value) ? null : relative(value, randomMean);
        return new FitnessScore(metric, value, baseline, relative, quantitative, judged, combined, overRandom);
    }

    /** Relative improvement, signed so that positive is better in either direction of the metric. */
    double relative(double value, double reference) {
        // The floor keeps a near-zero reference (a loss close to 0) from turning noise into huge ratios.
        double scale = Math.max(Math.abs(reference), 1e-3);
        double delta = higherIsBetter ? value - reference : reference - value;
        return delta / scale;
    }

    static double squash(double relative, double temperature) {
        if (relative == Double.NEGATIVE_INFINITY) {
            return 0.0;
        }
        return 1.0 / (1.0 + Math.exp(-relative / temperature));
    }
}
