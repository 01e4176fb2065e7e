package archlab.agent.browser;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Writing HTML safely: every piece of text that came from the store (hypotheses, definitions, LLM
 * prompts, names, ids) goes through {@link #esc} or {@link #url}; markup is only ever our own.
 */
final class Html {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    private Html() {
    }

    /** Text for element content or a quoted attribute value. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A value for a URL path segment or query parameter. */
    static String url(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String number(Double v) {
        if (v == null || !Double.isFinite(v)) {
            return "";
        }
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e6)) {
            return String.format(Locale.ROOT, "%.3g", v);
        }
        return String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    static String count(Long v) {
        if (v == null) {
            return "";
        }
        double a = Math.abs((double) v);
        if (a >= 1e9) {
            return String.format(Locale.ROOT, "%.2fG", v / 1e9);
        }
        if (a >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (a >= 1e4) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        return Long.toString(v);
    }

    static String time(Instant t) {
        return t == null ? "" : TIME.format(t);
    }

    /** A colour from red (low) through yellow to green (high) for a value in [0, 1]; grey without one. */
    static String heat(Double t) {
        if (t == null || !Double.isFinite(t)) {
            return "#d9d9d9";
        }
        double x = Math.max(0, Math.min(1, t));
        int r = (int) Math.round(x < 0.5 ? 230 : 230 - (x - 0.5) * 2 * 150);
        int g = (int) Math.round(x < 0.5 ? 90 + x * 2 * 130 : 220);
        int b = 90;
        return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, b);
    }
}
