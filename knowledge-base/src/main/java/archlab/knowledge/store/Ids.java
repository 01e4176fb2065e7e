package archlab.knowledge.store;

import java.security.SecureRandom;
import java.util.Locale;

/**
 * Ids for campaigns and experiments: {@code PREFIX-} and 16 base-32 characters, the first nine the
 * time in milliseconds (so ids sort by creation), the rest random. Unique across processes and
 * machines, so several workers can create experiments in one shared store without asking it first.
 *
 * <p>Within one process ids strictly increase: an id made in the same millisecond as the one before
 * follows it (its random part plus one). Lists ordered by creation time break ties by id, so
 * experiments created in one millisecond keep the order they were made in, whatever the random
 * parts, and a campaign run twice lists them the same way.
 */
public final class Ids {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    private static final long SUFFIX_MAX = (1L << 35) - 1;
    private static long lastTime = -1;
    private static long lastSuffix;

    /** A new id such as {@code exp-01jdx3k9q7m2c8vw}. */
    public static String next(String prefix) {
        long time;
        long suffix;
        synchronized (Ids.class) {
            time = System.currentTimeMillis();
            if (time <= lastTime && lastSuffix < SUFFIX_MAX) {
                time = lastTime;
                suffix = lastSuffix + 1;
            } else {
                time = Math.max(time, lastTime + 1);
                // Room above it, so that the ids made in this millisecond after it still fit.
                suffix = RANDOM.nextLong(SUFFIX_MAX / 2);
            }
            lastTime = time;
            lastSuffix = suffix;
        }
        char[] out = new char[16];
        for (int i = 8; i >= 0; i--) {
            out[i] = ALPHABET[(int) (time & 31)];
            time >>>= 5;
        }
        for (int i = 15; i >= 9; i--) {
            out[i] = ALPHABET[(int) (suffix & 31)];
            suffix >>>= 5;
        }
        return prefix.toLowerCase(Locale.ROOT) + "-" + new String(out);
    }
}
