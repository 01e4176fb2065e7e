package archlab.sandbox.compile;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.graph.ScanForm;
import archlab.sandbox.graph.ScanRecognizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A definition's graph compiled to DJL: its weights, initialised from a seed, and a forward pass
 * that evaluates the graph op by op, so that gradients flow through every primitive, scan included.
 *
 * <p>Two DJL pitfalls shape this code (see docs/sandbox.md). Constants are real NDArrays owned by the
 * step's manager, never Java numbers passed to {@code mul(Number)}, whose temporary buffer is freed
 * while autograd still reads it. And every result is attached to the step's manager, because a
 * result otherwise belongs to its first operand's manager, which for a weight lives forever.
 */
public final class CompiledModel implements AutoCloseable {
    /** A learnable array; {@code decay} says whether AdamW's weight decay applies to it. */
    public record Weight(String name, OpNode node, NDArray array, boolean decay) {
    }

    private static final float NORM_EPS = 1e-5f;
    private static final double NEG_INF = Double.NEGATIVE_INFINITY;

    private final ArchGraph graph;
    private final NDManager manager;
    /** FLOAT32, as trained; FLOAT64 only for the causality probe's check of its own rounding. */
    private final DataType dtype;
    private final ScanMode scanMode;
    /** The form of each scan node, recognised once per model. */
    private final Map<OpNode, ScanForm> scanForms = new HashMap<>();
    private final Map<OpNode, List<NDArray>> weightsByNode = new HashMap<>();
    /** Score products whose constant scale is applied to their left operand instead (ScoreScaleFold). */
    private final ScoreScaleFold scoreScales;
    /** [T, T] keep-masks by (T, window), owned by the model: built once, not every step (see Step#keep). */
    private final Map<List<Long>, NDArray> masks = new HashMap<>();
    private final List<Weight> weights = new ArrayList<>();
    /** What {@code progress()} reads: the trainer's step / (steps - 1) while it trains, 1.0 otherwise. */
    private double progress = 1.0;

    /**
     * How scans run: {@code CHUNKED} gives each scan that {@link ScanRecognizer} recognises its
     * chunkwise-parallel form ({@link ChunkedScan}) and runs the rest one step at a time;
     * {@code SEQUENTIAL} runs every scan one step at a time, the reference semantics.
     */
    public enum ScanMode { CHUNKED, SEQUENTIAL }

    /** Steps per chunk for every chunked scan; 0 for each form's measured default. */
    private final int chunk;

    private CompiledModel(ArchGraph graph, NDManager manager, DataType dtype, ScanMode scanMode, int chunk) {
        this.graph = graph;
        this.manager = manager;
        this.dtype = dtype;
        this.scanMode = scanMode;
        this.chunk = chunk;
        this.scoreScales = ScoreScaleFold.of(graph);
    }

    /** Creates the weights under a sub-manager of {@code parent}, initialised from {@code seed}; scans chunked. */
    public static CompiledModel compile(ArchGraph graph, NDManager parent, long seed) {
        return compile(graph, parent, seed, ScanMode.CHUNKED);
    }

    /** As {@link #compile(ArchGraph, NDManager, long)}, with scans run as {@code scanMode} says. */
    public static CompiledModel compile(ArchGraph graph, NDManager parent, long seed, ScanMode scanMode) {
        return compile(graph, parent, seed, scanMode, 0);
    }

    /** As above, with {@code chunk} steps per chunk in every chunked scan (0: the measured defaults); for tests and benchmarks. */
    public static CompiledModel compile(ArchGraph graph, NDManager parent, long seed, ScanMode scanMode, int chunk) {
        CompiledModel m = new CompiledModel(graph, parent.newSubManager(), DataType.FLOAT32, scanMode, chunk);
        m.initialise(graph, new Random(seed));
        return m;
    }

    /**
     * The same model, its weights copied to float64, for telling a real difference from float32
     * rounding that a design amplifies; not for training (no decay flags are kept, no gradients).
     */
    public CompiledModel inDoublePrecision(NDManager parent) {
        CompiledModel m = new CompiledModel(graph, parent.newSubManager(), DataType.FLOAT64, scanMode, chunk);
        m.progress = progress;
        for (Weight w : weights) {
            NDArray a = w.array().toType(DataType.FLOAT64, true);
            a.attach(m.manager);
            m.weightsByNode.computeIfAbsent(w.node(), k -> new ArrayList<>()).add(a);
            m.weights.add(new Weight(w.name(), w.node(), a, w.decay()));
        }
        return m;
    }

    public List<Weight> weights() {
        return weights;
    }

    /**
     * Sets the training progress that {@code progress()} reads, in [0, 1]: the trainer sets
     * step / (steps - 1) before each step, so the last step and everything after training (evaluation
     * at the end, the causality probe, an export) see 1.0, the trained model's value.
     */
    public void setProgress(double progress) {
        if (!(progress >= 0 && progress <= 1)) {
            throw new IllegalArgumentException("progress must be in [0, 1], got " + progress);
        }
        this.progress = progress;
    }

    public double progress() {
        return progress;
    }

    public long parameterCount() {
        return weights.stream().mapToLong(w -> w.array().size()).sum();
    }

    public ArchGraph graph() {
        return graph;
    }

    // ------------------------------------------------------------------ initialisation

    /** Conventions: fan-in normal for projections, N(0, 1) embeddings, unit norm gains, zero biases. */
    private void initialise(ArchGraph g, Random rng) {
        for (OpNode n : g.nodes()) {
            switch (n.op()) {
                case "embed" -> add(n, "weight", normal(rng, 1.0, vocab(n), (Integer) n.attrs().get("dim")), true);
                case "linear" -> {
                    int in = n.inputs().get(0).shape().last();
                    int out = (Integer) n.attrs().get("out");
                    add(n, "weight", start(n, rng, normal(rng, 1.0 / Math.sqrt(in)), in, out), true);
                    if (Boolean.TRUE.equals(n.attrs().get("bias"))) {
                        add(n, "bias", constant(biasStart(n), out), false);
                    }
                }
                case "conv1d" -> {
                    int d = n.shape().last();
                    int k = (Integer) n.attrs().get("kernel");
                    add(n, "weight", start(n, rng, uniform(rng, 1.0 / Math.sqrt(k)), k, d), true);
                    if (!Boolean.FALSE.equals(n.attrs().get("bias"))) {
                        add(n, "bias", constant(biasStart(n), d), false);
                    }
                }
                case "rmsnorm" -> add(n, "gain", constant(1, n.shape().last()), false);
                case "layernorm" -> {
                    add(n, "gain", constant(1, n.shape().last()), false);
                    add(n, "bias", constant(0, n.shape().last()), false);
                }
                case "parameter" -> {
                    int[] dims = n.shape().dims().stream().mapToInt(Integer::intValue).toArray();
                    add(n, "value", start(n, rng, normal(rng, 0.02), dims), false);
                }
                case "scan" -> initialise(n.body(), rng);
                default -> {
                }
            }
        }
    }

    private static int vocab(OpNode embed) {
        return (Integer) embed.attrs().get("vocab");
    }

    private record Init(float[] values, long[] shape) {
    }

    private void add(OpNode n, String role, Init init, boolean decay) {
        NDArray a = manager.create(init.values(), new Shape(init.shape()));
        a.setRequiresGradient(true);
        weightsByNode.computeIfAbsent(n, k -> new ArrayList<>()).add(a);
        weights.add(new Weight("n" + n.id() + "." + n.op() + "." + role, n, a, decay));
    }

    /**
     * The start a weight op's attributes ask for (docs/language.md, "Initialisation"): {@code init=c}
     * a constant, {@code std} a normal draw, {@code init="uniform"} with {@code bound}, {@code "identity"}
     * ones on the diagonal of the last two dims, {@code "dirac"} a conv1d that passes x[t] through;
     * otherwise {@code fallback}, the op's default.
     */
    private static Init start(OpNode n, Random rng, java.util.function.Function<int[], Init> fallback, int... dims) {
        Object init = n.attrs().get("init");
        Object std = n.attrs().get("std");
        if (init instanceof Number c) {
            return constant(c.doubleValue(), dims);
        }
        if ("uniform".equals(init)) {
            return uniform(rng, ((Number) n.attrs().get("bound")).doubleValue(), dims);
        }
        if ("identity".equals(init)) {
            return identity(dims);
        }
        if ("dirac".equals(init)) {
            // weight [k, d]: w[0] = 1 weighs x[t], every earlier step 0
            Init z = constant(0, dims);
            java.util.Arrays.fill(z.values(), 0, dims[1], 1f);
            return z;
        }
        if (std instanceof Number sd) {
            return normal(rng, sd.doubleValue(), dims);
        }
        return fallback.apply(dims);
    }

    /** What a bias starts at: {@code bias=c} in the definition, else 0. */
    private static double biasStart(OpNode n) {
        Object c = n.attrs().get("bias_init");
        return c == null ? 0 : ((Number) c).doubleValue();
    }

    /** Ones where the last two indices are equal (a rectangular eye), for every leading index. */
    private static Init identity(int... dims) {
        Init z = constant(0, dims);
        int rows = dims[dims.length - 2];
        int cols = dims[dims.length - 1];
        for (int base = 0; base < z.values().length; base += rows * cols) {
            for (int i = 0; i < Math.min(rows, cols); i++) {
                z.values()[base + i * cols + i] = 1f;
            }
        }
        return z;
    }

    private static java.util.function.Function<int[], Init> normal(Random rng, double std) {
        return dims -> normal(rng, std, dims);
    }

    private static java.util.function.Function<int[], Init> uniform(Random rng, double bound) {
        return dims -> uniform(rng, bound, dims);
    }

    private static Init normal(Random rng, double std, int... dims) {
        float[] v = new float[count(dims)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rng.nextGaussian() * std);
        }
        return new Init(v, longs(dims));
    }

    private static Init uniform(Random rng, double bound, int... dims) {
        float[] v = new float[count(dims)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        return new Init(v, longs(dims));
    }

    private static Init constant(double value, int... dims) {
        float[] v = new float[count(dims)];
        java.util.Arrays.fill(v, (float) value);
        return new Init(v, longs(dims));
    }

    private static int count(int[] dims) {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    private static long[] longs(int[] dims) {
        long[] s = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            s[i] = dims[i];
        }
        return s;
    }

    // ------------------------------------------------------------------ forward

    /**
     * Logits {@code [B, T, vocab]} for token ids {@code [B, T]} (int32). Every array made on the way
     * belongs to {@code step}; close it after the backward pass, not before.
     */
    public NDArray forward(NDManager step, NDArray tokens) {
        Step s = new Step(step, dtype, tokens.getShape().get(0), tokens.getShape().get(1), progress, masks, manager);
        Map<OpNode, NDArray> inputs = new HashMap<>();
        inputs.put(graph.inputs().get(0), tokens);
        return evaluate(graph, inputs, s).get(0);
    }

    /** Per-call state: the manager, the batch and sequence lengths, and constants and masks made once per call. */
    private static final class Step {
        final NDManager manager;
        final DataType dtype;
        final long batch;
        final long time;
        final double progress;
        final Map<Double, NDArray> constants = new HashMap<>();
        /** The model's masks: they outlive the step, so everything made from them is attached to the step. */
        final Map<List<Long>, NDArray> masks;
        final NDManager ownerOfMasks;
        final Map<Long, NDArray[]> rotations = new HashMap<>();

        Step(NDManager manager, DataType dtype, long batch, long time, double progress, Map<List<Long>, NDArray> masks,
             NDManager ownerOfMasks) {
            this.progress = progress;
            this.manager = manager;
            this.ownerOfMasks = ownerOfMasks;
            this.dtype = dtype;
            this.batch = batch;
            this.time = time;
            this.masks = masks;
        }

        NDArray constant(double value) {
            boolean wide = dtype == DataType.FLOAT64;
            return constants.computeIfAbsent(wide ? value : (double) (float) value,
                    v -> wide ? manager.create(value) : manager.create((float) value));
        }

        NDArray zeros(Shape shape) {
            return manager.zeros(shape, dtype);
        }

        /**
         * A [T, T] boolean over (query i, key j): true where j <= i, and j > i - window when window > 0.
         * Kept by the model across steps (a few lengths at most: the cache is dropped past 8), since
         * building it in Java costs T^2 per step; it belongs to the model's manager, so it is never
         * closed with a step.
         */
        NDArray keep(int window) {
            List<Long> key = List.of(time, (long) window);
            NDArray cached = masks.get(key);
            if (cached != null) {
                return cached;
            }
            boolean[] m = new boolean[(int) (time * time)];
            for (int i = 0; i < time; i++) {
                for (int j = 0; j < time; j++) {
                    m[(int) (i * time + j)] = j <= i && (window <= 0 || j > i - window);
                }
            }
            if (masks.size() >= 8) {
                masks.values().forEach(NDArray::close);
                masks.clear();
            }
            NDArray mask = ownerOfMasks.create(m, new Shape(time, time));
            masks.put(key, mask);
            return mask;
        }

        /**
         * {@code x} with its dropped (query, key) entries replaced by {@code fill}, whatever they held.
         * A select, not arithmetic: an inf or NaN above the diagonal must not become NaN (0 * inf,
         * inf - inf) and reach the rows below it. The condition and the filler are broadcast views.
         * The mask is the model's: the view and the result are attached to the step, or they would
         * stay with the model's manager and pile up.
         */
        NDArray fill(NDArray x, int window, double value) {
            Shape shape = x.getShape();
            NDArray condition = keep(window).broadcast(shape);
            condition.attach(manager);
            NDArray out = NDArrays.where(condition, x, constant(value).broadcast(shape));
            out.attach(manager);
            return out;
        }

        /**
         * {@code a @ b} over the keys, for {@code a} with its entries above the diagonal already 0, that
         * reads {@code b} only at keys j <= i. The product itself multiplies every b[j] by a[i, j], and
         * 0 * inf is NaN, so a non-finite b[j] would reach every row i < j. Non-finite entries of b are
         * therefore multiplied as 0, and a row i that read one at some j <= i is NaN, as the product
         * there is (or is inf: NaN is what the trainer and the probe see either way).
         */
        NDArray contract(NDArray a, NDArray b) {
            NDArray bad = b.isNaN().logicalOr(b.isInfinite());
            NDArray out = a.matMul(NDArrays.where(bad, constant(0).broadcast(b.getShape()), b));
            // rows of b are the keys: the running count of non-finite values up to key i poisons row i
            NDArray read = bad.toType(dtype, false).cumSum(b.getShape().dimension() - 2)
                    .gt(constant(0)).broadcast(out.getShape());
            return NDArrays.where(read, constant(Double.NaN).broadcast(out.getShape()), out);
        }

        /** [T] (or [T, 1] with keepdim): 1, 2, ..., T, the number of keys query i may read. */
        NDArray keyCount(boolean keepdim) {
            NDArray counts = manager.arange(1f, time + 1f).toType(dtype, false);
            return keepdim ? counts.reshape(time, 1) : counts;
        }
    }

    private List<NDArray> evaluate(ArchGraph g, Map<OpNode, NDArray> inputs, Step s) {
        Map<OpNode, NDArray> values = new HashMap<>(inputs);
        for (OpNode n : g.nodes()) {
            if (values.containsKey(n)) {
                continue;
            }
            NDArray out = apply(n, values, s);
            out.attach(s.manager);
            values.put(n, out);
        }
        List<NDArray> outs = new ArrayList<>();
        for (OpNode o : g.outputs()) {
            outs.add(values.get(o));
        }
        return outs;
    }

    private NDArray apply(OpNode n, Map<OpNode, NDArray> values, Step s) {
        List<NDArray> in = new ArrayList<>();
        for (OpNode i : n.inputs()) {
            in.add(values.get(i));
        }
        NDArray x = in.isEmpty() ? null : in.get(0);
        Map<String, Object> a = n.attrs();
        boolean keys = n.readsKeys();
        if (keys && !alreadyFilled(n)) {
            // -inf for what normalises or maxes over the keys, 0 for what sums them (docs/language.md)
            x = s.fill(x, 0, n.op().equals("softmax") || n.op().equals("max") ? NEG_INF : 0);
        }
        List<NDArray> w = weightsByNode.get(n);
        if (scoreScales.absorbed().contains(n)) {
            return x;
        }
        Double scale = scoreScales.scales().get(n);
        if (scale != null) {
            x = x.mul(s.constant(scale));
        }
        return switch (n.op()) {
            case "const" -> s.constant(((Number) a.get("value")).doubleValue());
            // Multiplying by a step-owned 1 makes every later result step-owned (see the class comment).
            case "parameter" -> s.constant(1).mul(w.get(0));
            case "embed" -> x.getNDArrayInternal().embedding(x, w.get(0), ai.djl.ndarray.types.SparseFormat.DENSE)
                    .singletonOrThrow();
            case "linear" -> w.size() > 1 ? x.matMul(w.get(0)).add(w.get(1)) : x.matMul(w.get(0));
            case "conv1d" -> conv1d(x, w.get(0), w.size() > 1 ? w.get(1) : null, s);
            // times the reciprocal square root of the [.., 1] mean square: a multiply over x, whose backward is
            // cheaper than a divide's (DJL has no rsqrt; pow(-1/2) on the small array is the same thing)
            case "rmsnorm" -> x.mul(x.square().mean(new int[] {-1}, true).add(s.constant(NORM_EPS))
                    .pow(s.constant(-0.5))).mul(w.get(0));
            // libtorch's fused layer_norm: one op forward and one backward instead of seven
            case "layernorm" -> x.getNDArrayInternal().layerNorm(x, new Shape(x.getShape().get(x.getShape().dimension() - 1)),
                    w.get(0), w.get(1), NORM_EPS).get(0);
            case "add" -> x.add(in.get(1));
            case "sub" -> x.sub(in.get(1));
            case "mul" -> x.mul(in.get(1));
            case "div" -> x.div(in.get(1));
            case "pow" -> x.pow(s.constant(((Number) a.get("exponent")).doubleValue()));
            case "neg" -> x.neg();
            case "maximum" -> NDArrays.maximum(x, in.get(1));
            case "minimum" -> NDArrays.minimum(x, in.get(1));
            case "exp" -> x.exp();
            case "log" -> x.log();
            case "sqrt" -> x.sqrt();
            case "abs" -> x.abs();
            case "sigmoid" -> Activation.sigmoid(x);
            case "tanh" -> x.tanh();
            case "relu" -> Activation.relu(x);
            case "gelu" -> x.getNDArrayInternal().gelu();
            case "silu" -> x.mul(Activation.sigmoid(x));
            // log(1 + e^x) = max(x, 0) + log(1 + e^-|x|), stable for large |x|
            case "softplus" -> Activation.relu(x).add(x.abs().neg().exp().add(s.constant(1)).log());
            // elu(x) = max(x, 0) + exp(min(x, 0)) - 1
            case "elu" -> Activation.relu(x).add(NDArrays.minimum(x, s.constant(0)).exp()).sub(s.constant(1));
            case "softmax" -> x.softmax((Integer) a.get("dim"));
            case "cumsum" -> x.cumSum((Integer) a.get("dim"));
            case "causal_mask" -> s.fill(x, (Integer) a.get("window"), NEG_INF);
            case "causal_zero" -> s.fill(x, (Integer) a.get("window"), 0);
            case "shift" -> shift(x, n.shape().timeAxis(), (Integer) a.get("steps"), s);
            case "rope" -> rope(x, s);
            case "positions" -> s.manager.arange((int) s.time).toType(s.dtype, false).reshape(s.time, 1);
            case "split_heads" -> {
                Shape sh = x.getShape();
                int h = (Integer) a.get("heads");
                yield x.reshape(sh.get(0), sh.get(1), h, sh.get(2) / h).transpose(0, 2, 1, 3);
            }
            case "merge_heads" -> {
                Shape sh = x.getShape();
                yield x.transpose(0, 2, 1, 3).reshape(sh.get(0), sh.get(2), sh.get(1) * sh.get(3));
            }
            case "transpose" -> x.swapAxes((Integer) a.get("a"), (Integer) a.get("b"));
            case "unsqueeze" -> x.expandDims((Integer) a.get("dim"));
            case "squeeze" -> x.squeeze((Integer) a.get("dim"));
            case "flatten" -> {
                long[] d = x.getShape().getShape();
                long[] out = java.util.Arrays.copyOf(d, d.length - 1);
                out[out.length - 1] = d[d.length - 2] * d[d.length - 1];
                yield x.reshape(out);
            }
            case "concat" -> NDArrays.concat(new NDList(in), (Integer) a.get("dim"));
            case "slice" -> x.get(new NDIndex().addAllDim((Integer) a.get("dim"))
                    .addSliceDim((Integer) a.get("start"), (Integer) a.get("end")));
            case "sum" -> x.sum(new int[] {(Integer) a.get("dim")}, (Boolean) a.get("keepdim"));
            // over keys: the causal mean, divided by the i + 1 keys query i may read, not by T
            case "mean" -> keys
                    ? x.sum(new int[] {(Integer) a.get("dim")}, (Boolean) a.get("keepdim"))
                            .div(s.keyCount((Boolean) a.get("keepdim")))
                    : x.mean(new int[] {(Integer) a.get("dim")}, (Boolean) a.get("keepdim"));
            case "max" -> x.max(new int[] {(Integer) a.get("dim")}, (Boolean) a.get("keepdim"));
            case "matmul" -> keys ? s.contract(x, in.get(1)) : x.matMul(in.get(1));
            case "scan" -> scan(n, in, s);
            case "sign" -> x.sign();
            // maximum/minimum with step-owned constants, not clip(Number, Number) (see the class comment)
            case "clamp" -> {
                NDArray y = a.containsKey("lo") ? NDArrays.maximum(x, s.constant(((Number) a.get("lo")).doubleValue())) : x;
                yield a.containsKey("hi") ? NDArrays.minimum(y, s.constant(((Number) a.get("hi")).doubleValue())) : y;
            }
            // DJL's where does not broadcast: expand the three operands to the result's shape first
            case "where" -> {
                Shape shape = broadcastShape(broadcastShape(x.getShape(), in.get(1).getShape()), in.get(2).getShape());
                yield NDArrays.where(x.gt(s.constant(0)).broadcast(shape), in.get(1).broadcast(shape),
                        in.get(2).broadcast(shape));
            }
            case "eye" -> s.manager.eye((Integer) a.get("n")).toType(s.dtype, false);
            case "progress" -> s.constant(s.progress);
            case "sort" -> Boolean.TRUE.equals(a.get("descending"))
                    ? x.neg().sort((Integer) a.get("dim")).neg() : x.sort((Integer) a.get("dim"));
            case "topk" -> x.topK((Integer) a.get("k"), (Integer) a.get("dim"), true, true).get(0);
            case "var", "std" -> {
                int[] dim = {(Integer) a.get("dim")};
                NDArray v = x.sub(x.mean(dim, true)).square().mean(dim, (Boolean) a.get("keepdim"));
                yield n.op().equals("std") ? v.sqrt() : v;
            }
            case "norm" -> x.square().sum(new int[] {(Integer) a.get("dim")}, (Boolean) a.get("keepdim")).sqrt();
            case "gather" -> gather(x, (Integer) a.get("dim"), (List<?>) a.get("index"));
            default -> throw new IllegalStateException("the compiler has no rule for op '" + n.op() + "'");
        };
    }

    /**
     * Whether the score matrix {@code n} reads over its keys already holds the value the refill would
     * put above the diagonal, whatever the values: the output of {@code causal_mask} (a select to -inf)
     * for {@code softmax} and {@code max}; of {@code causal_zero} (a select to 0), or {@code softmax} of
     * a {@code causal_mask}, whose entries there are exp(-inf) / sum = 0 exactly, for {@code @},
     * {@code sum} and {@code mean}. (A row that holds a NaN is NaN after softmax, with or without the
     * refill, and a row reaches only its own output.) Each refill skipped is one pass, forward and
     * backward, over a [B, H, T, T] array: most of softmax attention's time at long T.
     */
    private static boolean alreadyFilled(OpNode n) {
        OpNode in = n.inputs().get(0);
        if (n.op().equals("softmax") || n.op().equals("max")) {
            return in.op().equals("causal_mask");
        }
        return in.op().equals("causal_zero")
                || in.op().equals("softmax") && in.inputs().get(0).op().equals("causal_mask")
                && (Integer) in.attrs().get("dim") == in.shape().rank() - 1;
    }

    /** Causal depthwise convolution over time: y[t] = b + sum_j w[j] x[t - j], zeros before the start. */
    private static NDArray conv1d(NDArray x, NDArray weight, NDArray bias, Step s) {
        long k = weight.getShape().get(0);
        long t = x.getShape().get(1);
        NDArray padded = k > 1
                ? NDArrays.concat(new NDList(s.zeros(new Shape(x.getShape().get(0), k - 1, x.getShape().get(2))), x), 1)
                : x;
        NDArray stepWeight = s.constant(1).mul(weight);
        NDArray y = null;
        for (long j = 0; j < k; j++) {
            NDArray window = padded.get(new NDIndex().addAllDim().addSliceDim(k - 1 - j, k - 1 - j + t));
            NDArray term = window.mul(stepWeight.get(j));
            y = y == null ? term : y.add(term);
        }
        return bias == null ? y : y.add(bias);
    }

    /** The static entries {@code index} of dim {@code dim}, as a concat of one-wide slices (whose gradients are plain). */
    private static NDArray gather(NDArray x, int dim, List<?> index) {
        NDList parts = new NDList();
        for (Object i : index) {
            int at = (Integer) i;
            parts.add(x.get(new NDIndex().addAllDim(dim).addSliceDim(at, at + 1)));
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, dim);
    }

    /** NumPy broadcasting of two concrete shapes (the checker has already proved they broadcast). */
    private static Shape broadcastShape(Shape a, Shape b) {
        int rank = Math.max(a.dimension(), b.dimension());
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.dimension() ? 1 : a.get(i - (rank - a.dimension()));
            long db = i < rank - b.dimension() ? 1 : b.get(i - (rank - b.dimension()));
            out[i] = da == 1 ? db : da;
        }
        return new Shape(out);
    }

    /** y[t] = x[t - steps] along the time axis, zeros before the start. */
    private static NDArray shift(NDArray x, int axis, int steps, Step s) {
        long[] zeroShape = x.getShape().getShape().clone();
        long t = zeroShape[axis];
        long keep = Math.max(0, t - steps);
        zeroShape[axis] = t - keep;
        NDArray zeros = s.zeros(new Shape(zeroShape));
        if (keep == 0) {
            return zeros;
        }
        NDArray head = x.get(new NDIndex().addAllDim(axis).addSliceDim(0, keep));
        return NDArrays.concat(new NDList(zeros, head), axis);
    }

    /**
     * Rotary embedding, rotate-half convention: feature i pairs with i + d/2 and turns by
     * t * 10000^(-2i/d) at position t.
     */
    private static NDArray rope(NDArray x, Step s) {
        long d = x.getShape().get(x.getShape().dimension() - 1);
        long half = d / 2;
        NDArray[] cs = s.rotations.computeIfAbsent(d, key -> {
            float[] cos = new float[(int) (s.time * half)];
            float[] sin = new float[cos.length];
            for (int t = 0; t < s.time; t++) {
                for (int i = 0; i < half; i++) {
                    double angle = t * Math.pow(10000, -2.0 * i / d);
                    cos[(int) (t * half + i)] = (float) Math.cos(angle);
                    sin[(int) (t * half + i)] = (float) Math.sin(angle);
                }
            }
            return new NDArray[] {s.manager.create(cos, new Shape(s.time, half)).toType(s.dtype, false),
                    s.manager.create(sin, new Shape(s.time, half)).toType(s.dtype, false)};
        });
        NDArray x1 = x.get(new NDIndex().addEllipseDim().addSliceDim(0, half));
        NDArray x2 = x.get(new NDIndex().addEllipseDim().addSliceDim(half, d));
        return NDArrays.concat(new NDList(x1.mul(cs[0]).sub(x2.mul(cs[1])), x1.mul(cs[1]).add(x2.mul(cs[0]))), -1);
    }

    /** The form each scan of the model (nested ones included) gets under this model's scan mode. */
    private ScanForm scanForm(OpNode scan) {
        if (scanMode == ScanMode.SEQUENTIAL) {
            return new ScanForm.Sequential("sequential scans were asked for");
        }
        return scanForms.computeIfAbsent(scan, ScanRecognizer::recognise);
    }

    /** The chunked form where the scan is recognised, else one step at a time. */
    private NDArray scan(OpNode n, List<NDArray> xs, Step s) {
        ScanForm form = scanForm(n);
        if (form instanceof ScanForm.Sequential) {
            return sequentialScan(n, xs, s);
        }
        return new ChunkedScan(s.manager, s.dtype, chunk).run(n, form, xs, s.batch,
                (inputs, wanted) -> evaluateCone(n.body(), inputs, wanted, s));
    }

    /** The values of {@code wanted} and of the nodes they read, from {@code inputs}. */
    private Map<OpNode, NDArray> evaluateCone(ArchGraph g, Map<OpNode, NDArray> inputs, java.util.Collection<OpNode> wanted,
                                              Step s) {
        java.util.Set<OpNode> needed = new java.util.HashSet<>(wanted);
        for (OpNode w : wanted) {
            needed.addAll(g.dag().getAncestors(w));
        }
        Map<OpNode, NDArray> values = new HashMap<>(inputs);
        for (OpNode n : g.nodes()) {
            if (needed.contains(n) && !values.containsKey(n)) {
                NDArray out = apply(n, values, s);
                out.attach(s.manager);
                values.put(n, out);
            }
        }
        return values;
    }

    /** Runs the step graph once per time step, carrying the state; stacks the outputs over time. */
    @SuppressWarnings("unchecked")
    private NDArray sequentialScan(OpNode n, List<NDArray> xs, Step s) {
        ArchGraph body = n.body();
        int axis = (Integer) n.attrs().get("axis");
        List<Integer> stateDims = (List<Integer>) n.attrs().get("state");
        long[] stateShape = new long[stateDims.size() + 1];
        // B from the tokens: a scan input need not carry the batch (positions(x) is [T, 1])
        stateShape[0] = s.batch;
        for (int i = 0; i < stateDims.size(); i++) {
            stateShape[i + 1] = stateDims.get(i);
        }
        NDArray state = s.zeros(new Shape(stateShape));
        long time = xs.get(0).getShape().get(axis);
        // One split per input rather than a get per step: DJL's get records a slice per leading dim, and
        // the backward of each fills a zero array the size of the whole input, T times over.
        List<NDList> slices = new ArrayList<>();
        for (NDArray x : xs) {
            NDList parts = x.split(time, axis);
            parts.attach(s.manager);
            slices.add(parts);
        }
        NDList ys = new NDList();
        for (int t = 0; t < time; t++) {
            Map<OpNode, NDArray> inputs = new HashMap<>();
            inputs.put(body.inputs().get(0), state);
            for (int i = 0; i < xs.size(); i++) {
                NDArray slice = slices.get(i).get(t).squeeze(axis);
                slice.attach(s.manager);
                inputs.put(body.inputs().get(i + 1), slice);
            }
            List<NDArray> outs = evaluate(body, inputs, s);
            state = outs.get(0);
            ys.add(outs.get(1));
        }
        return NDArrays.stack(ys, axis);
    }

    @Override
    public void close() {
        manager.close();
    }
}
