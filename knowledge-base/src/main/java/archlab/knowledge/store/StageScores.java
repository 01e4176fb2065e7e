package archlab.knowledge.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The one definition of "best" and of "better than the baseline", which every front end (the CLI's
 * status, leaderboard and show, the console, the browser, the report) uses.
 *
 * <p><b>Against the baseline:</b> a campaign trains its baseline at every fidelity stage with the
 * same steps and seeds as the designs; a design's score at a stage (kept in its {@code extra} under
 * {@code fitness.STAGE}) compares its mean metric with the baseline's at that same stage. A number
 * therefore always travels with its stage: 1.0 accuracy is +238 % over the baseline at explore
 * and +257 % at verify because the baseline differs, not the design.
 *
 * <p><b>Best:</b> designs are ranked by the latest stage they reached (a later stage trains longer,
 * over more seeds: its fitness is the better-measured one), then by fitness at that stage. A
 * fitness is comparable only within a stage, so a design verified at 0.9916 ranks above one that
 * only reached explore at 0.9942, and every listing says which stage each number comes from.
 * Progress over time ("best so far") is drawn at the first stage, the only one every design passes.
 */
public final class StageScores {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the ranking rule says, in words, for listings to print above themselves. */
    public static final String RULE = "ranked by the latest stage reached, then by fitness at that stage;"
            + " a fitness compares with the baseline at its own stage";

    private StageScores() {
    }

    /** An experiment's score at one stage, against the baseline at the same stage. Parts may be null in imports. */
    public record Score(String stage, String metric, Double value, Double baseline, Double relative, Double combined) {
        /** "accuracy 0.9321 against the baseline's 0.2646 at verify (+252.2 %)", or what of it is known. */
        public String againstBaseline() {
            StringBuilder b = new StringBuilder(metric == null ? "metric" : metric).append(' ').append(number(value));
            if (baseline != null) {
                b.append(" against the baseline's ").append(number(baseline));
            }
            b.append(" at ").append(stage);
            if (relative != null && Double.isFinite(relative)) {
                b.append(String.format(Locale.ROOT, " (%+.1f %%)", 100 * relative));
            }
            return b.toString();
        }
    }

    /** The scores kept in an experiment's {@code extra}, stage by stage in the order they were written. */
    public static Map<String, Score> of(String extra) {
        Map<String, Score> out = new LinkedHashMap<>();
        if (extra == null || !extra.contains("\"fitness\"")) {
            return out;
        }
        JsonNode root;
        try {
            root = JSON.readTree(extra);
        } catch (Exception e) {
            return out;
        }
        JsonNode f = root.path("fitness");
        if (!f.isObject()) {
            return out;
        }
        for (Map.Entry<String, JsonNode> s : f.properties()) {
            JsonNode n = s.getValue();
            if (n.isObject()) {
                out.put(s.getKey(), new Score(s.getKey(), n.path("metric").asText(null), num(n, "value"),
                        num(n, "baseline"), num(n, "relative"), num(n, "combined")));
            }
        }
        return out;
    }

    /** The fitness at {@code stage}: the stored score's combined value, else the experiment's own fitness when it stands there. */
    public static Double fitnessAt(String stage, String extra, String experimentStage, Double fitness) {
        Score s = of(extra).get(stage);
        if (s != null && s.combined() != null) {
            return s.combined();
        }
        return stage != null && stage.equals(experimentStage) ? fitness : null;
    }

    /**
     * The ranking: later stage first, then higher fitness, then id (a stable order). {@code stages} are
     * the campaign's stage names in order; a stage not among them ranks below all of them.
     */
    public static <T> Comparator<T> ranking(List<String> stages, Function<T, String> stage,
                                            Function<T, Double> fitness, Function<T, String> id) {
        return Comparator.comparingInt((T t) -> -stages.indexOf(stage.apply(t)))
                .thenComparing(fitness, Comparator.nullsLast(Comparator.reverseOrder()))
                .thenComparing(id);
    }

    /**
     * A metric as people read it: four decimals, or three significant digits in scientific notation
     * below 0.001 ({@code 6.657e-04}, not {@code 6.656693440163508E-4}).
     */
    public static String number(Double v) {
        if (v == null) {
            return "-";
        }
        if (!Double.isFinite(v)) {
            return v.isNaN() ? "NaN" : v > 0 ? "inf" : "-inf";
        }
        if (v != 0 && Math.abs(v) < 1e-3) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        if (Math.abs(v) >= 1e6) {
            return String.format(Locale.ROOT, "%.4g", v);
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static Double num(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isNumber() ? v.asDouble() : null;
    }
}
