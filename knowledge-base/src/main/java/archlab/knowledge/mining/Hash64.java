package archlab.knowledge.mining;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** 64-bit hashing for pattern codes: SHA-256 for labels (once per node), a strong mixer for combining. */
final class Hash64 {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long PRIME = 0x100000001B3L;

    private Hash64() {
    }

    /** The splitmix64 finaliser: a bijection on longs that spreads every input bit over the output. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** An order-sensitive combination of a running hash with the next value. */
    static long step(long h, long value) {
        return mix(h * PRIME ^ mix(value + GOLDEN));
    }

    /** An order-sensitive combination of a running hash with a tagged value. */
    static long step(long h, int tag, long value) {
        return step(step(h, tag), value);
    }

    /** The first 8 bytes of the SHA-256 of {@code text}. */
    static long of(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            long h = 0;
            for (int i = 0; i < 8; i++) {
                h = (h << 8) | (d[i] & 0xFF);
            }
            return h;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    static String hex(long code) {
        return String.format("%016x", code);
    }
}
