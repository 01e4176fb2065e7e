package archlab.sandbox.task;

import java.util.SplittableRandom;

/**
 * Seed mixing for the task generators. Every random draw a task makes comes from a
 * {@link SplittableRandom} seeded here from (seed, stream, a, b), so data is a pure function of its
 * coordinates and nothing is shared between calls or threads.
 */
final class Seeds {
    /** Stream constants: the training and held-out streams of a task never share a generator. */
    static final long TRAIN = 0x7452_4149_4E5F_5354L;
    static final long EVAL = 0x4556_414C_5F53_5452L;

    private Seeds() {}

    /** A generator for one example, identified by its stream and two coordinates. */
    static SplittableRandom rng(long seed, long stream, long a, long b) {
        return new SplittableRandom(mix(seed, stream, a, b));
    }

    static long mix(long seed, long stream, long a, long b) {
        long h = fmix(seed ^ 0x9E37_79B9_7F4A_7C15L);
        h = fmix(h + stream * 0xBF58_476D_1CE4_E5B9L);
        h = fmix(h + a * 0x94D0_49BB_1331_11EBL);
        h = fmix(h + b * 0x9E37_79B9_7F4A_7C15L);
        return h;
    }

    /** The SplitMix64 / Stafford variant 13 finaliser. */
    private static long fmix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    static void checkBatch(long stepOrIndex, int batchSize, String what) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        if (stepOrIndex < 0) {
            throw new IllegalArgumentException(what + " must be non-negative, got " + stepOrIndex);
        }
    }
}
