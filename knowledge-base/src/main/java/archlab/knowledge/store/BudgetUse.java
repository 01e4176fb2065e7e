package archlab.knowledge.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A campaign's spend against its limits, limit by limit, in words: what {@code status} prints instead
 * of the stored JSON, with what was overspent called out (a wall clock is checked between steps, so
 * the last step can run past it).
 */
public final class BudgetUse {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BudgetUse() {
    }

    /** One limit: what it bounds, what was spent, the limit (null: none). */
    public record Line(String what, double spent, Double limit) {
        public boolean over() {
            return limit != null && spent > limit;
        }

        /** "93 s of 180 s wall clock (52 %)", "8 of 8 experiments (100 %)", "618 s of 540 s wall clock: 78 s over". */
        public String text() {
            // one unit for both numbers, chosen by the limit, so that they compare at a glance
            double scale = limit == null ? spent : limit;
            String s = amount(what, spent, scale) + (limit == null ? "" : " of " + amount(what, limit, scale)) + " "
                    + label(what);
            if (limit == null) {
                return s + " (no limit)";
            }
            if (over()) {
                return s + ": OVER by " + amount(what, spent - limit, scale)
                        + String.format(Locale.ROOT, " (+%.0f %%)", limit == 0 ? 100 : 100 * (spent - limit) / limit);
            }
            return s + String.format(Locale.ROOT, " (%.0f %%)", limit == 0 ? 100 : 100 * spent / limit);
        }
    }

    /** The limits in {@code budgets} (the campaign's JSON) with their spend in {@code spend}; spend without a limit too. */
    public static List<Line> of(String budgets, String spend) {
        JsonNode b = parse(budgets);
        JsonNode s = parse(spend);
        List<Line> out = new ArrayList<>();
        for (String key : List.of("experiments", "wall_s", "tokens", "money")) {
            JsonNode limit = b.get(key);
            JsonNode used = s.get(key);
            if ((limit != null && limit.isNumber()) || (used != null && used.isNumber())) {
                out.add(new Line(key, used != null && used.isNumber() ? used.asDouble() : 0,
                        limit != null && limit.isNumber() ? limit.asDouble() : null));
            }
        }
        return out;
    }

    private static String label(String key) {
        return switch (key) {
            case "wall_s" -> "wall clock";
            case "tokens" -> "LLM tokens";
            case "money" -> "LLM money";
            default -> key;
        };
    }

    private static String amount(String key, double v, double scale) {
        return switch (key) {
            case "wall_s" -> scale >= 3 * 3600 ? String.format(Locale.ROOT, "%.1f h", v / 3600)
                    : scale >= 600 ? String.format(Locale.ROOT, "%.1f min", v / 60) : String.format(Locale.ROOT, "%.0f s", v);
            case "money" -> String.format(Locale.ROOT, "$%.2f", v);
            default -> String.format(Locale.ROOT, "%,.0f", v);
        };
    }

    private static JsonNode parse(String json) {
        try {
            return json == null || json.isBlank() ? JSON.createObjectNode() : JSON.readTree(json);
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }
}
