package archlab.knowledge.store;

import java.security.SecureRandom;
import java.util.Locale;

/**
 * Ids for campaigns and experiments: {@code PREFIX-} and 16 base-32 characters, the first nine the
 * time in milliseconds (so ids sort by creation), the rest random. Unique across processes and
 * machines, so several workers can create experiments in one shared store without asking it first.
 */
public final class Ids {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    /** A new id such as {@code exp-01jdx3k9q7m2c8vw}. */
    public static String next(String prefix) {
        long time = System.currentTimeMillis();
        char[] out = new char[16];
        for (int i = 8; i >= 0; i--) {
            out[i] = ALPHABET[(int) (time & 31)];
            time >>>= 5;
        }
        for (int i = 9; i < 16; i++) {
            out[i] = ALPHABET[RANDOM.nextInt(32)];
        }
        return prefix.toLowerCase(Locale.ROOT) + "-" + new String(out);
    }
}
