package archlab.knowledge.store;

import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ways people name an experiment, and the one rule that turns any of them back into the
 * experiment: its id ({@code exp-...}), its full name ({@code e7-swap-the-feature-map}), or its
 * short name, the campaign's running number ({@code e7}, {@code 7}, {@code #7}). Every front end
 * (the CLI, the console, the browser's URLs) resolves through here, so a name one of them prints
 * pastes into any other.
 */
public final class ExperimentHandles {
    /** A short name: {@code e7}, {@code 7} or {@code #7}. Digits only, of any length (never parsed as a number). */
    private static final Pattern SHORT = Pattern.compile("#?[eE]?0*(\\d+)");
    /** A campaign's experiment name: {@code e7} or {@code e7-slug}. */
    private static final Pattern NAMED = Pattern.compile("e(\\d+)(?:-.*)?", Pattern.DOTALL);

    private ExperimentHandles() {
    }

    /**
     * The experiment {@code handle} names among {@code candidates}: an exact id first, then an exact
     * name, then a short name. Empty when none matches.
     */
    public static <T> Optional<T> resolve(String handle, Iterable<T> candidates, Function<T, String> id,
                                          Function<T, String> name) {
        if (handle == null || handle.isBlank()) {
            return Optional.empty();
        }
        String h = handle.strip();
        T byName = null;
        T byNumber = null;
        Matcher m = SHORT.matcher(h);
        String number = m.matches() ? m.group(1) : null;
        for (T c : candidates) {
            if (h.equals(id.apply(c))) {
                return Optional.of(c);
            }
            String n = name.apply(c);
            if (byName == null && h.equals(n)) {
                byName = c;
            }
            if (byNumber == null && number != null && number.equals(shortNumber(n))) {
                byNumber = c;
            }
        }
        return Optional.ofNullable(byName != null ? byName : byNumber);
    }

    /** The short name ({@code e7}) of a campaign's experiment name, or null for a name without a number. */
    public static String shortName(String name) {
        String n = shortNumber(name);
        return n == null ? null : "e" + n;
    }

    /** The running number of a name, as digits without leading zeros, or null. */
    static String shortNumber(String name) {
        if (name == null) {
            return null;
        }
        Matcher m = NAMED.matcher(name);
        if (!m.matches()) {
            return null;
        }
        String digits = m.group(1).replaceFirst("^0+(?=\\d)", "");
        return digits;
    }

    /** The largest running number among the names, for messages that say what exists; 0 without any. */
    public static <T> long highestNumber(Iterable<T> candidates, Function<T, String> name) {
        long max = 0;
        for (T c : candidates) {
            String n = shortNumber(name.apply(c));
            if (n != null && n.length() < 18) {
                max = Math.max(max, Long.parseLong(n));
            }
        }
        return max;
    }

    /** Why a handle matched nothing, and what would: for every front end's error message. */
    public static <T> String notFound(String handle, String campaignName, Iterable<T> candidates,
                                      Function<T, String> name) {
        long last = highestNumber(candidates, name);
        return "campaign " + campaignName + " has no experiment " + (handle == null ? "" : handle.strip())
                + (last == 0 ? " (give an experiment id or name)"
                : "; give an id, a full name or a short name e1 to e" + last);
    }
}
