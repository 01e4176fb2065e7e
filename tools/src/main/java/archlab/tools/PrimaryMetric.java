package archlab.tools;

import java.util.Collection;
import java.util.Map;

/**
 * The metric that ranks results on a task, and which way is better. The built-in tasks rank by
 * {@code accuracy} ({@code mqar}, {@code selective_copy}) or {@code val_loss} ({@code charlm}), as their
 * {@code Task.primaryMetric()} says; for any other task the first of {@code accuracy}, {@code val_loss},
 * {@code loss} that it reports.
 */
public record PrimaryMetric(String name, boolean higherIsBetter) {
    private static final Map<String, PrimaryMetric> BUILT_IN = Map.of(
            "mqar", new PrimaryMetric("accuracy", true),
            "selective_copy", new PrimaryMetric("accuracy", true),
            "charlm", new PrimaryMetric("val_loss", false));

    /** The task's primary metric given the names it reported; null when none of them can rank. */
    public static PrimaryMetric of(String task, Collection<String> reported) {
        PrimaryMetric known = task == null ? null : BUILT_IN.get(task);
        if (known != null) {
            return known;
        }
        if (reported.contains("accuracy")) {
            return new PrimaryMetric("accuracy", true);
        }
        if (reported.contains("val_loss")) {
            return new PrimaryMetric("val_loss", false);
        }
        if (reported.contains("loss")) {
            return new PrimaryMetric("loss", false);
        }
        return null;
    }

    /** The primary metric of a task that has not reported anything yet: the built-in one, else accuracy. */
    public static PrimaryMetric forTask(String task) {
        PrimaryMetric known = task == null ? null : BUILT_IN.get(task);
        return known != null ? known : new PrimaryMetric("accuracy", true);
    }

    /** How much better {@code a} is than {@code b}: positive when better, in the metric's own units. */
    public double gain(double a, double b) {
        return higherIsBetter ? a - b : b - a;
    }

    /** The smallest gain that is more than noise: 0.01 on a [0, 1] accuracy, 1 % of the value for a loss. */
    public double tolerance(double reference) {
        return higherIsBetter ? 0.01 : Math.max(1e-3, 0.01 * Math.abs(reference));
    }
}
