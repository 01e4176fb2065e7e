package archlab.evaluators.fitness;

/**
 * Fitness in its parts, each kept so that reports can show them separately.
 *
 * @param metric           the task metric the score rests on ({@code accuracy}, {@code val_loss})
 * @param value            the experiment's value of that metric
 * @param baseline         the baseline architecture's value at the same stage
 * @param relative         signed relative improvement over the baseline (positive is better, whichever
 *                         direction the metric runs)
 * @param quantitative     {@code relative} squashed to (0, 1); 0.5 is the baseline
 * @param judged           the judge's mean score in [0, 1], or null when no judge ran
 * @param combined         what the search ranks by (see {@link FitnessWeights})
 * @param overRandom       signed relative improvement over the mean of randomly sampled
 *                         architectures, or null when none were measured
 */
public record FitnessScore(String metric, double value, double baseline, double relative, double quantitative,
                           Double judged, double combined, Double overRandom) {
}
