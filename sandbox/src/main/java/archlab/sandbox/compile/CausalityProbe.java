package archlab.sandbox.compile;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import archlab.sandbox.ModelDefinition;
import java.util.Locale;
import java.util.Random;

/**
 * An empirical check that a compiled model is a causal language model, run before it trains. The
 * checker's causality analysis is a proof over the primitives; this is the experiment that guards
 * against a gap in that proof (or in the compiler): it runs the real forward pass, so whatever the
 * analysis missed shows up as numbers.
 *
 * <p>On a random batch of {@value #ROWS} rows of {@code seqLen} tokens, three forward passes:
 * <ol>
 *   <li>the batch;</li>
 *   <li>the batch with every token from a random position {@code s} on replaced (a different {@code s}
 *       per row): the logits at every {@code t < s} must be bit-identical to pass 1, since a causal
 *       model cannot even round differently when only later tokens differ;</li>
 *   <li>the first {@code p} tokens alone, for a random {@code p}: the logits must equal pass 1's first
 *       {@code p} positions, so the model computes the same thing token by token (generation, the
 *       exported module on a prefix) as in training. Here kernels see other sizes and may sum in
 *       another order, so equality is within {@link #PREFIX_TOLERANCE} of the logits' scale, and a
 *       larger finite difference must show again with the model in float64.</li>
 * </ol>
 */
public final class CausalityProbe {
    /** Rows in the probe batch, each with its own change position. */
    static final int ROWS = 2;
    /**
     * Prefix runs may round differently: |a - b| <= tol * (1 + the largest |logit| of the full run).
     * Beyond it, a finite difference is checked again in float64 (see {@link #probe(Forward, Forward,
     * NDManager, int, int, long)}).
     */
    static final double PREFIX_TOLERANCE = 1e-4;

    private CausalityProbe() {
    }

    /**
     * What the probe found. {@code causal} is false on the first violation, which {@link #message()}
     * describes with its positions.
     *
     * @param kind        {@code token} (pass 2 failed), {@code prefix} (pass 3 failed) or {@code none}
     * @param changedFrom the position from which pass 2 changed the tokens, in the row that failed (or row 0)
     * @param position    the first position whose logits differ (-1 when none)
     * @param prefix      the prefix length of pass 3
     * @param difference  the largest |difference| at the failing position (NaN when one side is NaN); when
     *                    causal, the largest rounding difference between the prefix run and the full run
     * @param scale       the largest finite |logit| of the full run, the scale of the prefix tolerance
     * @param millis      the probe's wall time, the three forward passes included
     * @param finite      whether every logit of the full run was finite (a causal model may still overflow)
     */
    public record Verdict(boolean causal, String kind, int seqLen, int changedFrom, int position, int prefix,
                          double difference, double scale, double millis, boolean finite) {
        /** {@code null} when causal; otherwise a sentence for the coder, starting with "non-causal (empirical)". */
        public String message() {
            if (causal) {
                return null;
            }
            String diff = Double.isNaN(difference) ? "NaN on one side only" : String.format(Locale.ROOT, "by %.3g",
                    difference);
            if (kind.equals("token")) {
                return "non-causal (empirical): changing the tokens from position " + changedFrom + " on (of "
                        + seqLen + ") changed the logits at position " + position + " (" + diff + "), so position "
                        + position + " reads later tokens, which the checker did not catch; change how the design mixes positions";
            }
            return "non-causal (empirical): the logits at position " + position + " differ between a run on the first "
                    + prefix + " tokens and a run on all " + seqLen + " (" + diff + "), so the output depends on "
                    + "how many tokens follow (a reduction over keys that counts masked entries, or a value that "
                    + "crosses the mask); generation would not match training";
        }
    }

    /**
     * Compiles {@code definition} with {@code seed} (on one intra-op thread, in a manager of its own)
     * and probes it at its own {@code seq_len} and vocab: what {@code archlab check --probe} runs.
     */
    public static Verdict probe(ModelDefinition definition, long seed) {
        try (NDManager root = Engines.pytorch(1).newBaseManager();
             CompiledModel model = CompiledModel.compile(definition.graph(), root, seed)) {
            return probe(model, root, definition.graph().output().shape().last(), definition.seqLen(), seed);
        }
    }

    /**
     * Probes {@code model} on {@code seqLen} tokens drawn from {@code vocab} ids with {@code seed}. Every
     * array it makes lives in a sub-manager of {@code parent}, closed before it returns.
     */
    public static Verdict probe(CompiledModel model, NDManager parent, int vocab, int seqLen, long seed) {
        try (CompiledModel wide = model.inDoublePrecision(parent)) {
            return probe(model::forward, wide::forward, parent, vocab, seqLen, seed);
        }
    }

    /** A forward pass: token ids {@code [B, T]} (int32) to logits {@code [B, T, vocab]}, owned by the manager given. */
    @FunctionalInterface
    public interface Forward {
        NDArray apply(NDManager manager, NDArray tokens);
    }

    /**
     * Probes any forward pass; {@link #probe(CompiledModel, NDManager, int, int, long)} probes a compiled
     * model's. {@code precise}, when not null, is the same model in float64: a finite prefix mismatch
     * counts only if it shows there too.
     */
    public static Verdict probe(Forward model, Forward precise, NDManager parent, int vocab, int seqLen, long seed) {
        long start = System.nanoTime();
        Random rng = new Random(seed * 0x9E3779B97F4A7C15L + 26);
        int t = seqLen;
        int[] tokens = new int[ROWS * t];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rng.nextInt(vocab);
        }
        int[] from = new int[ROWS];
        int[] changed = tokens.clone();
        for (int r = 0; r < ROWS; r++) {
            from[r] = t < 2 ? t : 1 + rng.nextInt(t - 1);
            for (int i = from[r]; i < t && vocab > 1; i++) {
                changed[r * t + i] = (tokens[r * t + i] + 1 + rng.nextInt(vocab - 1)) % vocab;
            }
        }
        int prefix = t < 2 ? t : 1 + rng.nextInt(t - 1);
        float[] full;
        float[] other;
        int v;
        try (NDManager m = parent.newSubManager()) {
            NDArray logits = model.apply(m, m.create(tokens, new Shape(ROWS, t)));
            v = (int) logits.getShape().get(2);
            full = logits.toFloatArray();
            other = model.apply(m, m.create(changed, new Shape(ROWS, t))).toFloatArray();
        }
        boolean finite = true;
        double scale = 0;
        for (float f : full) {
            finite &= Float.isFinite(f);
            scale = Float.isFinite(f) ? Math.max(scale, Math.abs(f)) : scale;
        }
        // 1. later tokens changed: earlier logits bit for bit
        for (int pos = 0; pos < t; pos++) {
            for (int r = 0; r < ROWS; r++) {
                if (pos >= from[r]) {
                    continue;
                }
                double worst = 0;
                boolean differs = false;
                for (int k = 0; k < v; k++) {
                    int i = (r * t + pos) * v + k;
                    if (Float.floatToIntBits(full[i]) != Float.floatToIntBits(other[i])) {
                        differs = true;
                        worst = Math.max(worst, Double.isNaN(full[i] - other[i]) ? Double.NaN
                                : Math.abs(full[i] - other[i]));
                    }
                }
                if (differs) {
                    return new Verdict(false, "token", t, from[r], pos, prefix, worst, scale, millis(start), finite);
                }
            }
        }

        // 2. a prefix alone: the full run's first positions, up to float32 rounding. Some designs amplify
        // rounding without bound (an rmsnorm or an exp of a sum that cancels exactly), and kernels of
        // other sizes round differently, so a finite mismatch is checked again in float64, where that
        // noise is 1e-9 times smaller; NaN or inf on one side only counts as it is (float64 would not
        // overflow where float32 does, and an overflow is exactly what can cross a mask).
        double tol = PREFIX_TOLERANCE * (1 + scale);
        double[] first = prefixMismatch(model, parent, tokens, t, prefix, full, v, tol);
        if (first[0] >= 0 && (Double.isNaN(first[1]) || Double.isInfinite(first[1]) || precise == null
                || confirmed(precise, parent, tokens, t, prefix, (int) first[0], tol))) {
            return new Verdict(false, "prefix", t, from[0], (int) first[0], prefix, first[1], scale, millis(start),
                    finite);
        }
        return new Verdict(true, "none", t, from[0], -1, prefix, first[2], scale, millis(start), finite);
    }

    /** Whether, in float64, the prefix run also differs from the full run at a position up to {@code pos}. */
    private static boolean confirmed(Forward precise, NDManager parent, int[] tokens, int t, int prefix, int pos,
                                     double tol) {
        Forward narrowed = (m, ids) -> precise.apply(m, ids).toType(DataType.FLOAT32, false);
        float[] full;
        try (NDManager m = parent.newSubManager()) {
            full = narrowed.apply(m, m.create(tokens, new Shape(ROWS, t))).toFloatArray();
        }
        double[] again = prefixMismatch(narrowed, parent, tokens, t, prefix, full, full.length / (ROWS * t), tol);
        return again[0] >= 0 && again[0] <= pos;
    }

    private static double millis(long start) {
        return (System.nanoTime() - start) / 1e6;
    }

    /**
     * The first position below {@code prefix} whose logits in a run on the first {@code prefix} tokens
     * differ from {@code full}'s beyond {@code tol} (or are NaN on one side), or -1, the largest
     * difference there, and the largest finite difference at any position.
     */
    private static double[] prefixMismatch(Forward model, NDManager parent, int[] tokens, int t, int prefix,
                                           float[] full, int v, double tol) {
        int[] head = new int[ROWS * prefix];
        for (int r = 0; r < ROWS; r++) {
            System.arraycopy(tokens, r * t, head, r * prefix, prefix);
        }
        float[] part;
        try (NDManager m = parent.newSubManager()) {
            part = model.apply(m, m.create(head, new Shape(ROWS, prefix))).toFloatArray();
        }
        double rounding = 0;
        for (int pos = 0; pos < prefix; pos++) {
            double worst = 0;
            boolean differs = false;
            for (int r = 0; r < ROWS; r++) {
                for (int k = 0; k < v; k++) {
                    float a = full[(r * t + pos) * v + k];
                    float b = part[(r * prefix + pos) * v + k];
                    if (a == b || Float.isNaN(a) && Float.isNaN(b)) {
                        continue;
                    }
                    double d = Math.abs((double) a - b);
                    if (Double.isNaN(d) || Double.isInfinite(d) || d > tol) {
                        differs = true;
                        worst = Double.isNaN(d) || Double.isNaN(worst) ? Double.NaN : Math.max(worst, d);
                    } else {
                        rounding = Math.max(rounding, d);
                    }
                }
            }
            if (differs) {
                return new double[] {pos, worst, rounding};
            }
        }
        return new double[] {-1, 0, rounding};
    }
}
