package archlab.sandbox.task;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Selective copying, from Mamba (Gu and Dao 2023, Section 4.1.1) after Jing et al.: {@code M} data
 * tokens, drawn uniformly (with repetition) from {@code [2, V)}, are scattered at random distinct
 * positions, in order, among filler tokens (id 0) in the first {@code L - M - 1} positions. Position
 * {@code L - M - 1} holds the marker (id 1), and the last {@code M} positions hold the marker too
 * (as in the S4/Mamba generator, whose answer region is all markers). The targets at the last
 * {@code M} positions are the data tokens in order, and only they have weight 1.
 *
 * <p>Because the data positions change from example to example, a time-invariant mixer (a fixed
 * convolution) cannot solve it; a content-aware (selective) one can.
 */
public final class SelectiveCopy implements Task {
    public static final String NAME = "selective_copy";
    public static final int DEFAULT_VOCAB = 32;
    public static final int DEFAULT_SEQ_LEN = 64;
    public static final int DEFAULT_TOKENS = 8;
    public static final int FILLER = 0;
    public static final int MARKER = 1;
    /** The smallest data token id. */
    public static final int FIRST_DATA = 2;

    private final int vocab;
    private final int seqLen;
    private final int tokens;
    private final int region;

    public SelectiveCopy() {
        this(DEFAULT_VOCAB, DEFAULT_SEQ_LEN, DEFAULT_TOKENS);
    }

    /**
     * @param vocab  {@code V}: at least 3 (data tokens are {@code [2, V)})
     * @param seqLen {@code L}: at least {@code 2M + 1}
     * @param tokens {@code M}: at least 1
     */
    public SelectiveCopy(int vocab, int seqLen, int tokens) {
        if (vocab < 3) {
            throw new IllegalArgumentException("selective_copy: vocab must be at least 3 (0 is filler, 1 the marker,"
                    + " data tokens are [2, vocab)), got " + vocab);
        }
        if (tokens < 1) {
            throw new IllegalArgumentException("selective_copy: tokens must be at least 1, got " + tokens);
        }
        if ((long) 2 * tokens + 1 > seqLen) {
            throw new IllegalArgumentException("selective_copy: seq_len must be at least 2*tokens + 1 = "
                    + (2L * tokens + 1) + " (the data region, the marker and the answers), got seq_len " + seqLen
                    + " with tokens " + tokens);
        }
        this.vocab = vocab;
        this.seqLen = seqLen;
        this.tokens = tokens;
        this.region = seqLen - tokens - 1;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int vocab() {
        return vocab;
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    public int tokens() {
        return tokens;
    }

    /** The number of leading positions that hold the data tokens and the filler: {@code L - M - 1}. */
    public int dataRegion() {
        return region;
    }

    @Override
    public Batch trainBatch(long seed, long step, int batchSize) {
        Seeds.checkBatch(step, batchSize, "step");
        Batch b = empty(batchSize);
        int[] pool = identity(region);
        for (int r = 0; r < batchSize; r++) {
            fill(b, r, Seeds.rng(seed, Seeds.TRAIN ^ 0x5C, step, r), pool);
        }
        return b;
    }

    /** Held-out example {@code e} is {@code index * batchSize + row}: the held-out set does not depend on the batch size. */
    @Override
    public Batch evalBatch(long seed, int index, int batchSize) {
        Seeds.checkBatch(index, batchSize, "index");
        Batch b = empty(batchSize);
        int[] pool = identity(region);
        for (int r = 0; r < batchSize; r++) {
            fill(b, r, Seeds.rng(seed, Seeds.EVAL ^ 0x5C, (long) index * batchSize + r, 0), pool);
        }
        return b;
    }

    private Batch empty(int batchSize) {
        long n = (long) batchSize * seqLen;
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batchSize*seq_len is too large: " + n);
        }
        return new Batch(batchSize, seqLen, new int[(int) n], new int[(int) n], new float[(int) n]);
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    private void fill(Batch b, int row, SplittableRandom rng, int[] pool) {
        int off = row * seqLen;
        int[] in = b.inputs();
        int[] tg = b.targets();
        float[] w = b.weights();
        // Choose M distinct positions in the data region: a partial Fisher-Yates shuffle, then mark
        // the chosen positions (the marks give them in increasing order), then undo the shuffle.
        int[] swaps = new int[tokens];
        boolean[] used = new boolean[region];
        for (int i = 0; i < tokens; i++) {
            int j = i + rng.nextInt(region - i);
            swaps[i] = j;
            int t = pool[i];
            pool[i] = pool[j];
            pool[j] = t;
            used[pool[i]] = true;
        }
        for (int i = tokens - 1; i >= 0; i--) {
            int j = swaps[i];
            int t = pool[i];
            pool[i] = pool[j];
            pool[j] = t;
        }
        int k = 0;
        int answer = off + region + 1;
        for (int p = 0; p < region; p++) {
            if (used[p]) {
                int token = FIRST_DATA + rng.nextInt(vocab - FIRST_DATA);
                in[off + p] = token;
                tg[answer + k] = token;
                w[answer + k] = 1f;
                k++;
            }
        }
        for (int p = region; p < seqLen; p++) {
            in[off + p] = MARKER;
        }
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("task", NAME);
        c.put("vocab", vocab);
        c.put("seq_len", seqLen);
        c.put("tokens", tokens);
        c.put("filler", FILLER);
        c.put("marker", MARKER);
        return Collections.unmodifiableMap(c);
    }

    @Override
    public String toString() {
        return "selective_copy" + config();
    }
}
