package archlab.sandbox.task;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Multi-query associative recall (MQAR), with the semantics of Zoology (Arora et al. 2023,
 * "Zoology: Measuring and Improving Recall in Efficient Language Models").
 *
 * <p>Each example holds {@code N} key-value pairs up front, {@code k1 v1 k2 v2 ... kN vN}. Keys are
 * distinct and come from {@code [1, V/2)}; values are distinct and come from {@code [V/2, V)}; id 0
 * is the filler. The remaining {@code L - 2N} positions hold filler, except that every key appears
 * once more as a query. At a query position the input is {@code k_i} and the target at that same
 * position is {@code v_i}: the model must emit the value right after seeing the key again. Only the
 * {@code N} query positions have weight 1; every other position has target 0 and weight 0.
 *
 * <p>Query positions follow Zoology's generator: the region after the pairs is cut into slots at
 * stride 2 (query positions {@code 2N, 2N+2, ...}, so queries are never adjacent), slot {@code g}
 * gets weight {@code (g+1)^(powerA-1)}, and {@code N} distinct slots are drawn by successive
 * weighted sampling without replacement (as numpy's {@code choice(replace=False, p=...)}), the
 * {@code i}-th draw placing the query for the {@code i}-th pair. With Zoology's {@code powerA = 0.01}
 * the slot weights fall off like {@code 1/(g+1)}, so most queries sit close to the pairs and a few
 * far away. When the stride-2 layout has fewer than {@code N} slots ({@code 3N <= L < 4N - 1}) the
 * slots are every position after the pairs (stride 1) instead, so all {@code N} keys are always
 * queried.
 */
public final class Mqar implements Task {
    public static final String NAME = "mqar";
    public static final int DEFAULT_VOCAB = 256;
    public static final int DEFAULT_SEQ_LEN = 64;
    public static final int DEFAULT_PAIRS = 8;
    public static final double DEFAULT_POWER_A = 0.01;
    /** The filler token, also the target at unscored positions. */
    public static final int FILLER = 0;

    private final int vocab;
    private final int seqLen;
    private final int pairs;
    private final double powerA;
    private final int stride;
    private final double[] slotWeights;

    public Mqar() {
        this(DEFAULT_VOCAB, DEFAULT_SEQ_LEN, DEFAULT_PAIRS, DEFAULT_POWER_A);
    }

    public Mqar(int vocab, int seqLen, int pairs) {
        this(vocab, seqLen, pairs, DEFAULT_POWER_A);
    }

    /**
     * @param vocab  {@code V}: even, at least 4; keys are {@code [1, V/2)}, values {@code [V/2, V)}
     * @param seqLen {@code L}: at least {@code 3N} (pairs plus one slot per query)
     * @param pairs  {@code N}: at least 1 and at most {@code V/2 - 1}
     * @param powerA the exponent {@code a} of the query-slot weights {@code (g+1)^(a-1)}; Zoology uses
     *               0.01; 1 makes the slots uniform
     */
    public Mqar(int vocab, int seqLen, int pairs, double powerA) {
        if (vocab < 4 || vocab % 2 != 0) {
            throw new IllegalArgumentException("mqar: vocab must be even and at least 4, got " + vocab);
        }
        if (pairs < 1) {
            throw new IllegalArgumentException("mqar: pairs must be at least 1, got " + pairs);
        }
        if (pairs > vocab / 2 - 1) {
            throw new IllegalArgumentException("mqar: pairs must be at most vocab/2 - 1 = " + (vocab / 2 - 1)
                    + " (keys are distinct ids in [1, vocab/2)), got pairs " + pairs + " with vocab " + vocab);
        }
        if ((long) 3 * pairs > seqLen) {
            throw new IllegalArgumentException("mqar: seq_len must be at least 3*pairs = " + (3L * pairs)
                    + " (2*pairs for the key-value pairs, then one position per query), got seq_len " + seqLen
                    + " with pairs " + pairs);
        }
        if (!(powerA > 0) || Double.isInfinite(powerA)) {
            throw new IllegalArgumentException("mqar: power_a must be a positive finite number, got " + powerA);
        }
        this.vocab = vocab;
        this.seqLen = seqLen;
        this.pairs = pairs;
        this.powerA = powerA;
        int rest = seqLen - 2 * pairs;
        int evenSlots = (rest + 1) / 2;
        this.stride = evenSlots >= pairs ? 2 : 1;
        int slots = stride == 2 ? evenSlots : rest;
        this.slotWeights = new double[slots];
        for (int g = 0; g < slots; g++) {
            slotWeights[g] = Math.pow(g + 1, powerA - 1);
        }
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

    public int pairs() {
        return pairs;
    }

    public double powerA() {
        return powerA;
    }

    /** 2 when queries sit at every other position after the pairs (Zoology's layout), else 1. */
    public int queryStride() {
        return stride;
    }

    /** The number of positions a query may take. */
    public int querySlots() {
        return slotWeights.length;
    }

    /** The position of query slot {@code g}. */
    public int slotPosition(int g) {
        return 2 * pairs + stride * g;
    }

    @Override
    public Batch trainBatch(long seed, long step, int batchSize) {
        Seeds.checkBatch(step, batchSize, "step");
        Batch b = empty(batchSize);
        Scratch s = new Scratch();
        for (int r = 0; r < batchSize; r++) {
            fill(b, r, Seeds.rng(seed, Seeds.TRAIN, step, r), s);
        }
        return b;
    }

    /** Held-out example {@code e} is {@code index * batchSize + row}: the held-out set does not depend on the batch size. */
    @Override
    public Batch evalBatch(long seed, int index, int batchSize) {
        Seeds.checkBatch(index, batchSize, "index");
        Batch b = empty(batchSize);
        Scratch s = new Scratch();
        for (int r = 0; r < batchSize; r++) {
            fill(b, r, Seeds.rng(seed, Seeds.EVAL, (long) index * batchSize + r, 0), s);
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

    /** Scratch buffers shared by the rows of one batch. */
    private final class Scratch {
        final int[] keyPool = identity(vocab / 2 - 1);
        final int[] valuePool = identity(vocab / 2);
        final int[] swaps = new int[pairs];
        final int[] keys = new int[pairs];
        final int[] values = new int[pairs];
        final int[] slots = new int[pairs];
        final double[] slotKeys = new double[pairs];
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    private void fill(Batch b, int row, SplittableRandom rng, Scratch s) {
        sampleDistinct(rng, s.keyPool, s.swaps, s.keys, 1);
        sampleDistinct(rng, s.valuePool, s.swaps, s.values, vocab / 2);
        sampleSlots(rng, s.slots, s.slotKeys);
        int off = row * seqLen;
        int[] in = b.inputs();
        int[] tg = b.targets();
        float[] w = b.weights();
        for (int i = 0; i < pairs; i++) {
            in[off + 2 * i] = s.keys[i];
            in[off + 2 * i + 1] = s.values[i];
            int q = off + slotPosition(s.slots[i]);
            in[q] = s.keys[i];
            tg[q] = s.values[i];
            w[q] = 1f;
        }
    }

    /**
     * {@code out.length} distinct ids {@code base + pool[j]}, in random order: a partial Fisher-Yates
     * shuffle of {@code pool}, undone afterwards so the pool is the identity again for the next row.
     */
    private static void sampleDistinct(SplittableRandom rng, int[] pool, int[] swaps, int[] out, int base) {
        int n = out.length;
        for (int i = 0; i < n; i++) {
            int j = i + rng.nextInt(pool.length - i);
            swaps[i] = j;
            int t = pool[i];
            pool[i] = pool[j];
            pool[j] = t;
            out[i] = base + pool[i];
        }
        for (int i = n - 1; i >= 0; i--) {
            int j = swaps[i];
            int t = pool[i];
            pool[i] = pool[j];
            pool[j] = t;
        }
    }

    /**
     * {@code pairs} distinct slots by successive weighted sampling without replacement, in draw order.
     * Efraimidis-Spirakis: slot {@code g} gets the key {@code ln(u)/w_g}; the slots with the largest
     * keys, in decreasing key order, have the distribution of successive draws.
     */
    private void sampleSlots(SplittableRandom rng, int[] chosen, double[] best) {
        int k = chosen.length;
        int filled = 0;
        for (int g = 0; g < slotWeights.length; g++) {
            double key = Math.log(1.0 - rng.nextDouble()) / slotWeights[g];
            if (filled == k && key <= best[k - 1]) {
                continue;
            }
            int i = filled < k ? filled++ : k - 1;
            while (i > 0 && best[i - 1] < key) {
                best[i] = best[i - 1];
                chosen[i] = chosen[i - 1];
                i--;
            }
            best[i] = key;
            chosen[i] = g;
        }
    }

    /**
     * The reference Transformer (d 64, 2 layers) crosses from guessing among the values in context
     * (about 1/pairs) to exact recall between 2000 and 3000 steps at the default setting, and is at
     * 1.0 by 4000 (docs/tasks.md).
     */
    @Override
    public int defaultSteps() {
        return 4000;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("task", NAME);
        c.put("vocab", vocab);
        c.put("seq_len", seqLen);
        c.put("pairs", pairs);
        c.put("power_a", powerA);
        c.put("query_stride", stride);
        c.put("filler", FILLER);
        return Collections.unmodifiableMap(c);
    }

    @Override
    public String toString() {
        return "mqar" + config();
    }
}
