package archlab.tools;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * The text a tool hands a model: lines appended until a character budget is spent, then one closing
 * line that says how much was left out. Numbers are rounded to four significant digits in one fixed
 * format, so the same result always reads the same, whatever the locale.
 */
public final class BoundedText {
    private final int maxChars;
    private final StringBuilder out = new StringBuilder();
    private int omitted;

    public BoundedText(int maxChars) {
        if (maxChars < 80) {
            throw new IllegalArgumentException("a tool's text needs at least 80 characters, got " + maxChars);
        }
        this.maxChars = maxChars;
    }

    /** Appends one line (newlines inside it are kept) when it fits in the budget; otherwise counts it as left out. */
    public BoundedText line(String text) {
        // Room is kept for the closing line, so the result never exceeds maxChars.
        if (omitted == 0 && out.length() + text.length() + 1 <= maxChars - 60) {
            out.append(text).append('\n');
        } else {
            omitted += Math.max(1, (int) text.lines().count());
        }
        return this;
    }

    public BoundedText line(String format, Object... args) {
        return line(String.format(Locale.ROOT, format, args));
    }

    /** Whether a line has been left out: later lines will be too. */
    public boolean full() {
        return omitted > 0;
    }

    @Override
    public String toString() {
        if (omitted == 0) {
            return out.toString();
        }
        return out + "… " + omitted + " more line" + (omitted == 1 ? "" : "s") + " left out (limit " + maxChars
                + " characters)\n";
    }

    /** {@code text} on one line, at most {@code max} characters, with an ellipsis where it was cut. */
    public static String clip(String text, int max) {
        if (text == null) {
            return "";
        }
        String flat = text.replaceAll("\\s+", " ").strip();
        return flat.length() <= max ? flat : flat.substring(0, Math.max(0, max - 1)).stripTrailing() + "…";
    }

    /** Four significant digits, plain notation between 1e-4 and 1e9, scientific outside; "n/a" for null. */
    public static String number(Double value) {
        if (value == null) {
            return "n/a";
        }
        double v = value;
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.toString(v);
        }
        if (v == 0) {
            return "0";
        }
        double abs = Math.abs(v);
        if (abs >= 1e-4 && abs < 1e9) {
            return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }

    public static String number(double value) {
        return number(Double.valueOf(value));
    }

    /** A count with thousands separators, such as {@code 1,234,567}. */
    public static String count(Long value) {
        return value == null ? "n/a" : String.format(Locale.ROOT, "%,d", value);
    }
}
