package archlab.agent.search;

import org.apache.commons.math3.stat.correlation.KendallsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;

/**
 * How well the value model ranked results it had not seen when it predicted them (prequential): Kendall's
 * tau-b and Spearman's rho between each evaluated candidate's predicted mean, made at screening time,
 * and its measured fitness. NaN until there are two pairs (or when either side is constant).
 */
public record RankQuality(int pairs, double kendallTau, double spearmanRho) {
    public static RankQuality of(double[] predicted, double[] actual) {
        if (predicted.length != actual.length) {
            throw new IllegalArgumentException(predicted.length + " predictions but " + actual.length + " results");
        }
        if (predicted.length < 2 || constant(predicted) || constant(actual)) {
            return new RankQuality(predicted.length, Double.NaN, Double.NaN);
        }
        return new RankQuality(predicted.length, new KendallsCorrelation().correlation(predicted, actual),
                new SpearmansCorrelation().correlation(predicted, actual));
    }

    private static boolean constant(double[] v) {
        for (double x : v) {
            if (x != v[0]) {
                return false;
            }
        }
        return true;
    }
}
