package archlab.sandbox.export;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.compile.CompiledModel;
import archlab.sandbox.compile.Engines;
import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.task.Batch;
import archlab.sandbox.task.Task;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Exports a definition as a standalone PyTorch {@code nn.Module} (Python source that imports only
 * {@code torch} and {@code math}), and writes parity bundles that let a Python run check the export
 * against the DJL compiler on the same weights and batch.
 *
 * <p>The generated forward pass is the graph, op by op in the order {@link CompiledModel} evaluates it,
 * with the same semantics (CompiledModel is the reference: rotate-half rope, -inf and 0/1 causal masks,
 * causal depthwise conv1d with weight {@code [k, d]}, norms with eps 1e-5, its softplus and elu
 * formulas, scan as a loop over time). Weights are named after CompiledModel's, {@code n12.linear.weight}
 * becoming {@code n12_linear_weight}, and have the same shapes; linear weights are {@code [in, out]}
 * (not {@code nn.Linear}'s {@code [out, in]}).
 *
 * <p>Weight interchange ({@code weights.bin} + {@code weights.json}): every weight as float32
 * little-endian, concatenated in {@link CompiledModel#weights()} order; the manifest gives each weight's
 * name, shape and byte offset. docs/sandbox.md, "Export to PyTorch", describes the bundle.
 */
public final class PyTorchExporter {
    /** The batch size of a parity bundle unless the caller gives one. */
    public static final int DEFAULT_BATCH_SIZE = 4;
    /** The manifest format written to {@code weights.json}. */
    public static final String WEIGHTS_FORMAT = "archlab-weights-v1";

    private static final float NORM_EPS = 1e-5f;
    private static final String NEG_INF = "float(\"-inf\")";
    private static final Set<String> PY_KEYWORDS = Set.of("None", "True", "False");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PyTorchExporter() {
    }

    // ------------------------------------------------------------------ weights

    /**
     * One learnable array as CompiledModel creates it.
     *
     * @param name   CompiledModel's name, {@code n<id>.<op>.<role>}
     * @param shape  its dims
     * @param offset its byte offset in {@code weights.bin}
     * @param init   a Python expression that draws its initial value like CompiledModel does
     * @param what   a short description of the initialisation, for a comment
     */
    public record WeightSpec(String name, OpNode node, String role, List<Integer> shape, long offset, String init,
                             String what) {
        /** The attribute name in the Python module: the name with dots replaced by underscores. */
        public String pythonName() {
            return pythonName(name);
        }

        public long count() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        static String pythonName(String archlabName) {
            return archlabName.replace('.', '_');
        }
    }

    /** The weights of a graph in {@link CompiledModel#weights()} order, scan bodies included where they sit. */
    public static List<WeightSpec> weights(ArchGraph graph) {
        List<WeightSpec> out = new ArrayList<>();
        collectWeights(graph, out, new long[] {0});
        return out;
    }

    // Mirrors CompiledModel#initialise: the same nodes, roles, shapes and order.
    private static void collectWeights(ArchGraph g, List<WeightSpec> out, long[] offset) {
        for (OpNode n : g.nodes()) {
            switch (n.op()) {
                case "embed" -> {
                    int vocab = (Integer) n.attrs().get("vocab");
                    int dim = (Integer) n.attrs().get("dim");
                    addWeight(out, offset, n, "weight", List.of(vocab, dim),
                            "torch.randn(" + vocab + ", " + dim + ")", "N(0, 1)");
                }
                case "linear" -> {
                    int in = n.inputs().get(0).shape().last();
                    int outDim = (Integer) n.attrs().get("out");
                    String[] start = start(n, List.of(in, outDim),
                            "torch.randn(" + in + ", " + outDim + ") / math.sqrt(" + in + ")", "N(0, 1/fan_in)");
                    addWeight(out, offset, n, "weight", List.of(in, outDim), start[0], start[1] + ", [in, out]");
                    if (Boolean.TRUE.equals(n.attrs().get("bias"))) {
                        addBias(out, offset, n, outDim);
                    }
                }
                case "conv1d" -> {
                    int d = n.shape().last();
                    int k = (Integer) n.attrs().get("kernel");
                    String[] start = start(n, List.of(k, d),
                            "(torch.rand(" + k + ", " + d + ") * 2 - 1) / math.sqrt(" + k + ")", "U(-1/sqrt(k), 1/sqrt(k))");
                    addWeight(out, offset, n, "weight", List.of(k, d), start[0], start[1] + ", [k, d], w[j] weighs x[t - j]");
                    if (!Boolean.FALSE.equals(n.attrs().get("bias"))) {
                        addBias(out, offset, n, d);
                    }
                }
                case "rmsnorm" -> {
                    int d = n.shape().last();
                    addWeight(out, offset, n, "gain", List.of(d), "torch.ones(" + d + ")", "ones");
                }
                case "layernorm" -> {
                    int d = n.shape().last();
                    addWeight(out, offset, n, "gain", List.of(d), "torch.ones(" + d + ")", "ones");
                    addWeight(out, offset, n, "bias", List.of(d), "torch.zeros(" + d + ")", "zeros");
                }
                case "parameter" -> {
                    List<Integer> dims = n.shape().dims();
                    String[] start = start(n, dims, "torch.randn(" + pyArgs(dims) + ") * 0.02", "N(0, 0.02^2)");
                    addWeight(out, offset, n, "value", dims, start[0], start[1]);
                }
                case "scan" -> collectWeights(n.body(), out, offset);
                default -> {
                }
            }
        }
    }

    /** The Python start of a weight and its description; mirrors CompiledModel#start. */
    private static String[] start(OpNode n, List<Integer> dims, String fallback, String fallbackWhat) {
        Object init = n.attrs().get("init");
        Object std = n.attrs().get("std");
        if (init instanceof Number c) {
            double v = c.doubleValue();
            return new String[] {"torch.full(" + pyTuple(dims) + ", " + pyFloat(v) + ")", "constant " + pyFloat(v)};
        }
        if ("uniform".equals(init)) {
            String b = pyFloat(((Number) n.attrs().get("bound")).doubleValue());
            return new String[] {"(torch.rand(" + pyArgs(dims) + ") * 2 - 1) * " + b, "U(-" + b + ", " + b + ")"};
        }
        if ("identity".equals(init)) {
            int rows = dims.get(dims.size() - 2);
            int cols = dims.get(dims.size() - 1);
            return new String[] {"torch.eye(" + rows + ", " + cols + ").expand(" + pyArgs(dims) + ").clone()",
                    "identity"};
        }
        if ("dirac".equals(init)) {
            return new String[] {"torch.cat([torch.ones(1, " + dims.get(1) + "), torch.zeros(" + (dims.get(0) - 1)
                    + ", " + dims.get(1) + ")])", "dirac (passes x[t] through)"};
        }
        if (std instanceof Number sd) {
            String v = pyFloat(sd.doubleValue());
            return new String[] {"torch.randn(" + pyArgs(dims) + ") * " + v, "N(0, " + v + "^2)"};
        }
        return new String[] {fallback, fallbackWhat};
    }

    /** A bias: zeros, or {@code bias=c}'s constant. */
    private static void addBias(List<WeightSpec> out, long[] offset, OpNode n, int size) {
        Object c = n.attrs().get("bias_init");
        if (c == null) {
            addWeight(out, offset, n, "bias", List.of(size), "torch.zeros(" + size + ")", "zeros");
        } else {
            String v = pyFloat(((Number) c).doubleValue());
            addWeight(out, offset, n, "bias", List.of(size), "torch.full((" + size + ",), " + v + ")", "constant " + v);
        }
    }

    private static void addWeight(List<WeightSpec> out, long[] offset, OpNode n, String role, List<Integer> shape,
                                  String init, String what) {
        WeightSpec w = new WeightSpec("n" + n.id() + "." + n.op() + "." + role, n, role, List.copyOf(shape), offset[0],
                init, what);
        out.add(w);
        offset[0] += 4 * w.count();
    }

    // ------------------------------------------------------------------ names

    /** The Python class name for an arch name: CamelCase, a valid identifier. */
    public static String className(String archName) {
        StringBuilder s = new StringBuilder();
        for (String part : archName.split("[^A-Za-z0-9]+")) {
            if (!part.isEmpty()) {
                s.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        String name = s.toString();
        if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
            name = "Arch" + name;
        }
        return PY_KEYWORDS.contains(name) ? name + "Model" : name;
    }

    // ------------------------------------------------------------------ export

    /** Python source of a standalone module for the definition (its graph at the vocab it was checked with). */
    public static String export(ModelDefinition def) {
        return new Writer(def).write();
    }

    /** Builds the module text. One instance per export. */
    private static final class Writer {
        private final ModelDefinition def;
        private final ArchGraph graph;
        private final List<WeightSpec> weights;
        private final Map<OpNode, List<WeightSpec>> weightsByNode = new HashMap<>();
        private final Map<OpNode, String> names = new HashMap<>();
        private final StringBuilder out = new StringBuilder();

        Writer(ModelDefinition def) {
            this.def = def;
            this.graph = def.graph();
            this.weights = weights(graph);
            for (WeightSpec w : weights) {
                weightsByNode.computeIfAbsent(w.node(), k -> new ArrayList<>()).add(w);
            }
        }

        String write() {
            String cls = className(def.name());
            int vocab = graph.output().shape().last();
            long params = weights.stream().mapToLong(WeightSpec::count).sum();
            header(cls, vocab, params);
            helpers();
            table(vocab, params);
            line(0, "");
            line(0, "");
            line(0, "class " + cls + "(nn.Module):");
            line(1, "\"\"\"" + doc(def.name()) + ": tokens [B, T] (int64 ids in [0, " + vocab + ")) -> logits [B, T, "
                    + vocab + "].\"\"\"");
            line(0, "");
            init();
            line(0, "");
            forward();
            line(0, "");
            loader();
            return out.toString();
        }

        private void header(String cls, int vocab, long params) {
            String name = doc(def.name());
            out.append("\"\"\"").append(name).append(" as a standalone PyTorch module, exported by archlab.\n\n");
            out.append("    arch:        ").append(name).append('\n');
            out.append("    source:      ").append(doc(def.file())).append('\n');
            out.append("    source hash: ").append(def.canonicalHash()).append(" (ModelDefinition#canonicalHash)\n");
            out.append("    parameters:  ").append(String.format(Locale.ROOT, "%,d", params)).append('\n');
            out.append("    vocab:       ").append(vocab).append('\n');
            out.append("""

                    Usage:

                        import torch
                        from model import %1$s, masked_cross_entropy

                        model = %1$s()                        # fresh weights, initialised like archlab's trainer
                        model.load_archlab_weights("bundle")   # optional: weights from archlab export-pytorch --parity-dir
                        logits = model(tokens)                 # tokens: int64 [B, T] in [0, vocab) -> float [B, T, vocab]
                        loss = masked_cross_entropy(logits, targets, weights)   # the trainer's loss

                    The forward pass is the definition's graph written out op by op, in the order archlab's DJL
                    compiler (CompiledModel) evaluates it and with its semantics; each line says which op it is, its
                    output shape and where the op comes from in the source. v<id> is the op with that id in
                    `archlab graph` output. Constants are written inline. A scan is a Python loop over time with its
                    step graph inlined. Weights are named after archlab's (n12.linear.weight -> n12_linear_weight) and
                    have the same shapes; a linear weight is [in, out], so y = x @ W.

                    Initial values are drawn with torch's RNG (seed it with torch.manual_seed), so they differ from
                    archlab's (java.util.Random) for the same seed; the distributions are the same: N(0, 1) embeddings,
                    N(0, 1/fan_in) linear weights, U(-1/sqrt(k), 1/sqrt(k)) conv1d weights, unit norm gains, zero
                    biases, and parameter(...) as declared. Load archlab's own values with load_archlab_weights.

                    Runs on any device and dtype the module is moved to (model.to("cuda")).
                    \"\"\"

                    import math

                    import torch
                    from torch import nn
                    """.formatted(cls));
        }

        private void helpers() {
            out.append("""


                    def masked_cross_entropy(logits, targets, weights):
                        \"\"\"archlab's training loss: the mean cross-entropy over positions whose weight is non-zero.

                        logits [B, T, vocab]; targets int64 [B, T]; weights float [B, T] (for MQAR, 1 at answers only).
                        \"\"\"
                        logp = torch.log_softmax(logits, dim=-1)
                        picked = logp.gather(-1, targets.long().unsqueeze(-1)).squeeze(-1)
                        return (-picked * weights).sum() / torch.clamp(weights.sum(), min=1e-9)


                    def _rmsnorm(x, gain):
                        \"\"\"x / sqrt(mean(x^2) + 1e-5) * gain over the last dim.\"\"\"
                        return x / torch.sqrt(x.square().mean(-1, keepdim=True) + %1$s) * gain


                    def _layernorm(x, gain, bias):
                        \"\"\"(x - mean) / sqrt(var + 1e-5) * gain + bias over the last dim (biased variance).\"\"\"
                        centred = x - x.mean(-1, keepdim=True)
                        return centred / torch.sqrt(centred.square().mean(-1, keepdim=True) + %1$s) * gain + bias


                    def _softplus(x):
                        \"\"\"log(1 + e^x), computed as max(x, 0) + log(1 + e^-|x|).\"\"\"
                        return torch.relu(x) + torch.log(torch.exp(-torch.abs(x)) + 1)


                    def _elu(x):
                        \"\"\"elu(x) = max(x, 0) + exp(min(x, 0)) - 1.\"\"\"
                        return torch.relu(x) + torch.exp(torch.clamp(x, max=0.0)) - 1


                    def _causal_conv1d(x, weight, bias):
                        \"\"\"Causal depthwise conv over time: y[t] = bias + sum_j weight[j] * x[t - j], zeros before t = 0.

                        x [B, T, d]; weight [k, d] (weight[0] weighs the current step); bias [d].
                        \"\"\"
                        k, t = weight.shape[0], x.shape[1]
                        padded = torch.cat([x.new_zeros(x.shape[0], k - 1, x.shape[2]), x], dim=1) if k > 1 else x
                        y = None
                        for j in range(k):
                            term = padded[:, k - 1 - j:k - 1 - j + t] * weight[j]
                            y = term if y is None else y + term
                        return y if bias is None else y + bias


                    def _var(x, dim, keepdim):
                        \"\"\"The population variance (divided by n) over dim, as archlab computes it.\"\"\"
                        return (x - x.mean(dim, keepdim=True)).square().mean(dim, keepdim=keepdim)


                    def _shift(x, dim, steps):
                        \"\"\"y[t] = x[t - steps] along the time dim, zeros for the first steps.\"\"\"
                        t = x.shape[dim]
                        keep = max(0, t - steps)
                        zeros = x.new_zeros(x.shape[:dim] + (t - keep,) + x.shape[dim + 1:])
                        return torch.cat([zeros, x.narrow(dim, 0, keep)], dim=dim)


                    def _keep(t, window, device):
                        \"\"\"[T, T] bool over (query i, key j): j <= i, and j > i - window when window > 0.\"\"\"
                        i = torch.arange(t, device=device).unsqueeze(1)
                        j = torch.arange(t, device=device).unsqueeze(0)
                        keep = j <= i
                        return keep & (j > i - window) if window > 0 else keep


                    def _masked(x, t, fill, window=0):
                        \"\"\"x [..., T, T] with its dropped (query, key) entries set to fill, whatever they held:
                        a select, not arithmetic, so an inf or NaN above the diagonal cannot reach earlier rows.
                        Also applied (window 0) wherever the keys of a masked matrix are summed, maxed or
                        normalised.\"\"\"
                        return x.masked_fill(~_keep(t, window, x.device), fill)


                    def _contract(a, b, t):
                        \"\"\"a @ b over the keys of a [..., T, T], reading b only at keys j <= i: a's entries above the
                        diagonal are set to 0, b's non-finite entries are multiplied as 0 (0 * inf would be NaN
                        in every earlier row), and a row that read a non-finite b[j] at some j <= i is NaN.\"\"\"
                        bad = ~torch.isfinite(b)
                        out = _masked(a, t, 0.0) @ b.masked_fill(bad, 0.0)
                        read = torch.cumsum(bad.to(out.dtype), dim=-2) > 0
                        return out.masked_fill(read.expand(out.shape), float("nan"))


                    def _key_count(x, t, keepdim):
                        \"\"\"1, 2, ..., T: the keys query i may read, the denominator of a mean over keys.\"\"\"
                        n = torch.arange(1, t + 1, device=x.device).to(x.dtype)
                        return n.reshape(t, 1) if keepdim else n


                    def _positions(x, t):
                        \"\"\"[T, 1]: 0, 1, ..., T-1, in x's floating dtype (float32 in archlab).\"\"\"
                        dtype = x.dtype if x.is_floating_point() else torch.float32
                        return torch.arange(t, device=x.device).to(dtype).reshape(t, 1)


                    def _rope(x, t):
                        \"\"\"Rotary embedding, rotate-half convention, over x [..., T, d] with time second to last:
                        feature i pairs with i + d/2 and turns by t * 10000^(-2i/d) at position t.\"\"\"
                        d = x.shape[-1]
                        half = d // 2
                        pos = torch.arange(t, dtype=torch.float64, device=x.device).unsqueeze(1)
                        inv = torch.pow(10000.0, -2.0 * torch.arange(half, dtype=torch.float64, device=x.device) / d)
                        angle = pos * inv.unsqueeze(0)
                        cos, sin = angle.cos().to(x.dtype), angle.sin().to(x.dtype)
                        x1, x2 = x[..., :half], x[..., half:]
                        return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)
                    """.formatted(pyFloat(NORM_EPS)));
        }

        private void table(int vocab, long params) {
            line(0, "");
            line(0, "");
            line(0, "ARCH = " + pyString(def.name()));
            line(0, "SOURCE_HASH = " + pyString(def.canonicalHash()));
            line(0, "VOCAB = " + vocab);
            line(0, "PARAMETERS = " + params);
            line(0, "# (archlab name, shape, byte offset in weights.bin), in archlab's order");
            line(0, "WEIGHTS = [");
            for (WeightSpec w : weights) {
                line(1, "(" + pyString(w.name()) + ", " + pyTuple(w.shape()) + ", " + w.offset() + "),");
            }
            line(0, "]");
        }

        private void init() {
            line(1, "def __init__(self):");
            line(2, "super().__init__()");
            if (usesProgress(graph)) {
                line(2, "# progress() reads this: set it to step / (steps - 1) before each training step; 1.0 is the");
                line(2, "# trained model's value, which archlab uses for evaluation after training and for inference");
                line(2, "self.progress = 1.0");
            }
            String scope = null;
            for (WeightSpec w : weights) {
                String s = scope(w.node());
                if (!s.equals(scope)) {
                    line(2, "# " + s);
                    scope = s;
                }
                String code = "self." + w.pythonName() + " = nn.Parameter(" + w.init() + ")";
                line(2, withComment(2, code, shapeText(w.shape()) + "  " + w.node().op() + " at " + at(w.node()) + ", "
                        + w.what()));
            }
        }

        private static boolean usesProgress(ArchGraph g) {
            return g.nodes().stream().anyMatch(n -> n.op().equals("progress") || n.body() != null && usesProgress(n.body()));
        }

        private void forward() {
            line(1, "def forward(self, tokens):");
            line(2, "\"\"\"tokens: int64 [B, T] -> logits [B, T, " + graph.output().shape().last() + "].\"\"\"");
            line(2, "B, T = tokens.shape");
            names.put(graph.inputs().get(0), "tokens");
            body(graph, 2);
            line(2, "return " + name(graph.output()));
        }

        /** The ops of a graph (the model's or a scan's step graph), one line each. */
        private void body(ArchGraph g, int indent) {
            for (OpNode n : g.nodes()) {
                if (names.containsKey(n) || n.op().equals("scan_state") || n.op().equals("scan_input")) {
                    continue;   // inputs are bound by the caller
                }
                if (n.op().equals("const")) {
                    continue;   // written inline where used
                }
                if (n.op().equals("scan")) {
                    scan(n, indent);
                    continue;
                }
                String v = "v" + n.id();
                names.put(n, v);
                line(indent, withComment(indent, v + " = " + expression(n), shapeText(n.shape().dims()) + "  " + where(n)));
            }
        }

        private void scan(OpNode n, int indent) {
            ArchGraph body = n.body();
            int axis = (Integer) n.attrs().get("axis");
            String v = "v" + n.id();
            String steps = v + "_steps";
            String t = "t" + n.id();
            OpNode state = body.inputs().get(0);
            String stateName = "v" + state.id();
            names.put(state, stateName);
            String first = name(n.inputs().get(0));
            line(indent, "# " + where(n) + ": the step graph runs once per time step, carrying the state");
            List<Integer> stateDims = state.shape().dims();
            line(indent, withComment(indent, stateName + " = " + first + ".new_zeros(" + pyArgs(stateDims) + ")",
                    shapeText(stateDims) + "  the state, zeros at the start"));
            line(indent, steps + " = []");
            line(indent, "for " + t + " in range(" + first + ".shape[" + axis + "]):");
            for (int i = 0; i < n.inputs().size(); i++) {
                OpNode slice = body.inputs().get(i + 1);
                String sv = "v" + slice.id();
                names.put(slice, sv);
                line(indent + 1, withComment(indent + 1, sv + " = " + name(n.inputs().get(i)) + "[" + ":, ".repeat(axis) + t + "]",
                        shapeText(slice.shape().dims()) + "  input " + (i + 1) + " at step " + t));
            }
            body(body, indent + 1);
            line(indent + 1, steps + ".append(" + name(body.outputs().get(1)) + ")");
            line(indent + 1, stateName + " = " + name(body.outputs().get(0)));
            names.put(n, v);
            line(indent, withComment(indent, v + " = torch.stack(" + steps + ", dim=" + axis + ")",
                    shapeText(n.shape().dims()) + "  " + where(n)));
        }

        /** The right-hand side for one op; mirrors CompiledModel#apply. */
        private String expression(OpNode n) {
            Map<String, Object> a = n.attrs();
            List<OpNode> in = n.inputs();
            String x = in.isEmpty() ? null : name(in.get(0));
            List<WeightSpec> w = weightsByNode.getOrDefault(n, List.of());
            return switch (n.op()) {
                case "parameter" -> self(w.get(0));
                case "embed" -> self(w.get(0)) + "[" + x + "]";
                case "linear" -> x + " @ " + self(w.get(0)) + (w.size() > 1 ? " + " + self(w.get(1)) : "");
                case "conv1d" -> "_causal_conv1d(" + x + ", " + self(w.get(0)) + ", "
                        + (w.size() > 1 ? self(w.get(1)) : "None") + ")";
                case "rmsnorm" -> "_rmsnorm(" + x + ", " + self(w.get(0)) + ")";
                case "layernorm" -> "_layernorm(" + x + ", " + self(w.get(0)) + ", " + self(w.get(1)) + ")";
                case "add" -> arithmetic(in, " + ");
                case "sub" -> arithmetic(in, " - ");
                case "mul" -> arithmetic(in, " * ");
                case "div" -> arithmetic(in, " / ");
                case "pow" -> x + " ** " + pyFloat(((Number) a.get("exponent")).doubleValue());
                case "neg" -> "-" + x;
                case "maximum" -> "torch.maximum(" + tensor(in.get(0)) + ", " + tensor(in.get(1)) + ")";
                case "minimum" -> "torch.minimum(" + tensor(in.get(0)) + ", " + tensor(in.get(1)) + ")";
                case "exp", "log", "sqrt", "abs", "sigmoid", "tanh", "relu", "sign" -> "torch." + n.op() + "(" + x + ")";
                case "clamp" -> "torch.clamp(" + x + (a.containsKey("lo") ? ", min=" + pyFloat(((Number) a.get("lo")).doubleValue()) : "")
                        + (a.containsKey("hi") ? ", max=" + pyFloat(((Number) a.get("hi")).doubleValue()) : "") + ")";
                case "where" -> "torch.where(" + x + " > 0, " + tensor(in.get(1)) + ", " + tensor(in.get(2)) + ")";
                case "eye" -> "torch.eye(" + a.get("n") + ", device=tokens.device)";
                case "progress" -> "torch.tensor(self.progress, device=tokens.device)";
                case "sort" -> "torch.sort(" + x + ", dim=" + a.get("dim")
                        + (Boolean.TRUE.equals(a.get("descending")) ? ", descending=True" : "") + ").values";
                case "topk" -> "torch.topk(" + x + ", " + a.get("k") + ", dim=" + a.get("dim") + ").values";
                case "var" -> "_var(" + x + ", " + a.get("dim") + ", " + pyBool(a) + ")";
                case "std" -> "torch.sqrt(_var(" + x + ", " + a.get("dim") + ", " + pyBool(a) + "))";
                case "norm" -> "torch.sqrt(" + x + ".square().sum(" + a.get("dim") + keepdim(a) + "))";
                case "gather" -> "torch.index_select(" + x + ", " + a.get("dim") + ", torch.tensor("
                        + a.get("index").toString() + ", device=tokens.device))";
                case "gelu" -> "nn.functional.gelu(" + x + ")";
                case "silu" -> x + " * torch.sigmoid(" + x + ")";
                case "softplus" -> "_softplus(" + x + ")";
                case "elu" -> "_elu(" + x + ")";
                case "softmax" -> "torch.softmax(" + keys(n, x, NEG_INF) + ", dim=" + a.get("dim") + ")";
                case "cumsum" -> "torch.cumsum(" + x + ", dim=" + a.get("dim") + ")";
                case "causal_mask" -> "_masked(" + x + ", T, " + NEG_INF + window(a) + ")";
                case "causal_zero" -> "_masked(" + x + ", T, 0.0" + window(a) + ")";
                case "shift" -> "_shift(" + x + ", " + n.shape().timeAxis() + ", " + a.get("steps") + ")";
                case "rope" -> "_rope(" + x + ", T)";
                case "positions" -> "_positions(" + x + ", T)";
                case "split_heads" -> {
                    int h = (Integer) a.get("heads");
                    int d = in.get(0).shape().last();
                    yield x + ".reshape(B, T, " + h + ", " + (d / h) + ").transpose(1, 2)";
                }
                case "merge_heads" -> x + ".transpose(1, 2).reshape(B, T, " + n.shape().last() + ")";
                case "transpose" -> x + ".transpose(" + a.get("a") + ", " + a.get("b") + ")";
                case "unsqueeze" -> x + ".unsqueeze(" + a.get("dim") + ")";
                case "squeeze" -> x + ".squeeze(" + a.get("dim") + ")";
                case "flatten" -> x + ".flatten(-2)";
                case "concat" -> "torch.cat([" + in.stream().map(this::tensor).collect(Collectors.joining(", "))
                        + "], dim=" + a.get("dim") + ")";
                case "slice" -> x + "[" + ":, ".repeat((Integer) a.get("dim")) + a.get("start") + ":" + a.get("end") + "]";
                case "sum" -> keys(n, x, "0.0") + ".sum(" + a.get("dim") + keepdim(a) + ")";
                case "mean" -> n.readsKeys()
                        ? keys(n, x, "0.0") + ".sum(" + a.get("dim") + keepdim(a) + ") / _key_count(" + x + ", T, "
                                + (Boolean.TRUE.equals(a.get("keepdim")) ? "True" : "False") + ")"
                        : x + ".mean(" + a.get("dim") + keepdim(a) + ")";
                case "max" -> keys(n, x, NEG_INF) + ".amax(" + a.get("dim") + keepdim(a) + ")";
                case "matmul" -> n.readsKeys() ? "_contract(" + x + ", " + name(in.get(1)) + ", T)"
                        : x + " @ " + name(in.get(1));
                default -> throw new IllegalStateException("the PyTorch exporter has no rule for op '" + n.op() + "'");
            };
        }

        /** {@code x} refilled above the diagonal when {@code n} reads the keys of a score matrix; CompiledModel does the same. */
        private static String keys(OpNode n, String x, String fill) {
            return n.readsKeys() ? "_masked(" + x + ", T, " + fill + ")" : x;
        }

        private String arithmetic(List<OpNode> in, String operator) {
            OpNode l = in.get(0);
            OpNode r = in.get(1);
            // two constants would make a Python number, not a tensor
            String left = l.op().equals("const") && r.op().equals("const") ? tensor(l) : name(l);
            return left + operator + name(r);
        }

        private static String window(Map<String, Object> a) {
            int w = (Integer) a.get("window");
            return w > 0 ? ", window=" + w : "";
        }

        private static String pyBool(Map<String, Object> a) {
            return Boolean.TRUE.equals(a.get("keepdim")) ? "True" : "False";
        }

        private static String keepdim(Map<String, Object> a) {
            return Boolean.TRUE.equals(a.get("keepdim")) ? ", keepdim=True" : "";
        }

        private static String self(WeightSpec w) {
            return "self." + w.pythonName();
        }

        /** A value's Python name; a constant as a number literal. */
        private String name(OpNode n) {
            if (n.op().equals("const")) {
                return pyFloat(((Number) n.attrs().get("value")).doubleValue());
            }
            String v = names.get(n);
            if (v == null) {
                throw new IllegalStateException("op %" + n.id() + " (" + n.op() + ") is used before it is computed");
            }
            return v;
        }

        /** A value as a tensor: a constant as a 0-d float32 tensor, like CompiledModel's constants. */
        private String tensor(OpNode n) {
            return n.op().equals("const") ? "torch.tensor(" + name(n) + ")" : name(n);
        }

        /** Where an op comes from: {@code layer[0]/mixer: linear at 12:9}, with the file when it is not the user's. */
        private String where(OpNode n) {
            return scope(n) + ": " + n.op() + " at " + at(n);
        }

        private static String scope(OpNode n) {
            return n.scope() == null || n.scope().isEmpty() ? "model" : n.scope();
        }

        /** {@code 12:9} in the user's file, {@code stdlib/mlp.arch:5:24} elsewhere. */
        private String at(OpNode n) {
            String file = n.file() == null || n.file().equals(def.file()) ? "" : n.file() + ":";
            return file + n.line() + ":" + n.col();
        }

        private void loader() {
            line(1, "def load_archlab_weights(self, path):");
            line(2, "\"\"\"Copies archlab's weights into this module.");
            line(0, "");
            line(2, "`path` is a parity bundle directory (archlab export-pytorch --parity-dir) or its weights.bin:");
            line(2, "float32 little-endian, every weight concatenated in WEIGHTS order; weights.json beside it");
            line(2, "lists the same names, shapes and byte offsets. Returns self.");
            line(2, "\"\"\"");
            line(2, "bin_path = path if path.endswith(\".bin\") else path.rstrip(\"/\") + \"/weights.bin\"");
            line(2, "with open(bin_path, \"rb\") as f:");
            line(3, "raw = bytearray(f.read())");
            line(2, "size = 4 * sum(math.prod(shape) for _, shape, _ in WEIGHTS)");
            line(2, "if len(raw) != size:");
            line(3, "raise ValueError(f\"{bin_path}: {len(raw)} bytes, expected {size} for {ARCH} ({SOURCE_HASH})\")");
            line(2, "try:");
            line(3, "with open(bin_path[:bin_path.rfind(\"/\") + 1] + \"weights.json\") as f:");
            line(4, "manifest = f.read()");
            line(2, "except OSError:");
            line(3, "manifest = None");
            line(2, "if manifest is not None and SOURCE_HASH not in manifest:");
            line(3, "raise ValueError(f\"{bin_path}: weights.json was written for another definition than {ARCH}\")");
            line(2, "if torch.frombuffer(bytearray(b\"\\x01\\x00\\x00\\x00\"), dtype=torch.int32).item() != 1:");
            line(3, "raw[0::4], raw[1::4], raw[2::4], raw[3::4] = raw[3::4], raw[2::4], raw[1::4], raw[0::4]");
            line(2, "flat = torch.frombuffer(raw, dtype=torch.float32)");
            line(2, "with torch.no_grad():");
            line(3, "for name, shape, offset in WEIGHTS:");
            line(4, "start = offset // 4");
            line(4, "values = flat[start:start + math.prod(shape)].reshape(shape)");
            line(4, "getattr(self, name.replace(\".\", \"_\")).copy_(values)");
            line(2, "return self");
        }

        private void line(int indent, String text) {
            if (!text.isEmpty()) {
                out.append("    ".repeat(indent)).append(text);
            }
            out.append('\n');
        }

        /** Code, then a comment aligned at column 64 of the indented line where the code is short enough. */
        private static String withComment(int indent, String code, String comment) {
            int pad = Math.max(2, 64 - 4 * indent - code.length());
            return code + " ".repeat(pad) + "# " + comment;
        }
    }

    // ------------------------------------------------------------------ parity bundle

    /** {@link #writeParityBundle(ModelDefinition, Task, long, int, Path)} with {@link #DEFAULT_BATCH_SIZE}. */
    public static ParityResult writeParityBundle(ModelDefinition def, Task task, long seed, Path dir) throws IOException {
        return writeParityBundle(def, task, seed, DEFAULT_BATCH_SIZE, dir);
    }

    /** What a parity bundle holds besides its files: the DJL loss and the weight count, for messages. */
    public record ParityResult(double loss, double logitsSum, long parameters, int weightArrays) {
    }

    /**
     * Compiles the definition with DJL ({@link CompiledModel}, weights from {@code seed}) and writes a
     * parity bundle to {@code dir}: {@code weights.bin} and {@code weights.json} (every weight, in
     * {@link CompiledModel#weights()} order), {@code batch.json} (the task's training batch for step 0
     * with {@code seed}), {@code expected.json} (the forward-only DJL loss under the trainer's masked
     * cross-entropy, with the logits' sum and a few logits), {@code logits.bin} (all of DJL's logits,
     * {@code [B, T, vocab]} float32 little-endian, for debugging) and {@code model.py}.
     *
     * @param def a definition checked with the task's vocab (as the sandbox worker checks it)
     * @throws IllegalArgumentException when the definition's vocab is not the task's
     */
    public static ParityResult writeParityBundle(ModelDefinition def, Task task, long seed, int batchSize, Path dir)
            throws IOException {
        int vocab = def.graph().output().shape().last();
        if (vocab != task.vocab()) {
            throw new IllegalArgumentException("the definition was checked with vocab " + vocab + " but task "
                    + task.name() + " has vocab " + task.vocab() + "; check it with the task's vocab");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("the batch size must be at least 1, got " + batchSize);
        }
        Files.createDirectories(dir);
        String model = export(def);
        Batch batch = task.trainBatch(seed, 0, batchSize);
        int seqLen = batch.seqLen();
        Engine engine = Engines.pytorch(1);
        try (NDManager root = engine.newBaseManager();
             CompiledModel compiled = CompiledModel.compile(def.graph(), root, seed)) {
            List<WeightSpec> specs = weights(def.graph());
            List<CompiledModel.Weight> actual = compiled.weights();
            checkLayout(specs, actual);

            // ---- weights.bin + weights.json
            ArrayNode list = JSON.createArrayNode();
            try (OutputStream bin = Files.newOutputStream(dir.resolve("weights.bin"))) {
                for (int i = 0; i < actual.size(); i++) {
                    CompiledModel.Weight w = actual.get(i);
                    bin.write(littleEndian(w.array().toFloatArray()));
                    ObjectNode entry = list.addObject();
                    entry.put("name", w.name());
                    entry.put("python_name", specs.get(i).pythonName());
                    ArrayNode shape = entry.putArray("shape");
                    for (long d : w.array().getShape().getShape()) {
                        shape.add(d);
                    }
                    entry.put("offset", specs.get(i).offset());
                }
            }
            ObjectNode manifest = JSON.createObjectNode();
            manifest.put("format", WEIGHTS_FORMAT);
            manifest.put("arch", def.name());
            manifest.put("hash", def.canonicalHash());
            manifest.put("dtype", "float32");
            manifest.put("byte_order", "little");
            manifest.put("offset_unit", "bytes");
            manifest.put("parameters", compiled.parameterCount());
            manifest.put("seed", seed);
            manifest.set("weights", list);
            writeJson(dir.resolve("weights.json"), manifest);

            // ---- batch.json
            ObjectNode b = JSON.createObjectNode();
            b.put("task", task.name());
            b.set("task_config", JSON.valueToTree(task.config()));
            b.put("seed", seed);
            b.put("step", 0);
            b.put("batch_size", batch.size());
            b.put("seq_len", seqLen);
            b.put("vocab", task.vocab());
            b.set("inputs", JSON.valueToTree(batch.inputs()));
            b.set("targets", JSON.valueToTree(batch.targets()));
            b.set("weights", JSON.valueToTree(batch.weights()));
            writeJson(dir.resolve("batch.json"), b);

            // ---- expected.json: the forward-only DJL pass
            double loss;
            double logitsSum;
            ObjectNode e = JSON.createObjectNode();
            try (NDManager sm = root.newSubManager()) {
                NDArray tokens = sm.create(batch.inputs(), new Shape(batch.size(), seqLen));
                NDArray targets = sm.create(batch.targets(), new Shape(batch.size(), seqLen));
                NDArray weights = sm.create(batch.weights(), new Shape(batch.size(), seqLen));
                NDArray logits = compiled.forward(sm, tokens);
                loss = maskedCrossEntropy(logits, targets, weights, task.vocab(), sm).getFloat();
                logitsSum = logits.sum().getFloat();
                float[] all = logits.toFloatArray();
                writeFloats(dir.resolve("logits.bin"), all);
                e.put("arch", def.name());
                e.put("class_name", className(def.name()));
                e.put("hash", def.canonicalHash());
                e.put("task", task.name());
                e.put("seed", seed);
                e.put("loss", loss);
                e.put("logits_sum", logitsSum);
                ArrayNode shape = e.putArray("logits_shape");
                for (long d : logits.getShape().getShape()) {
                    shape.add(d);
                }
                ArrayNode samples = e.putArray("logits_samples");
                int[][] at = {{0, 0}, {0, seqLen - 1}, {batch.size() - 1, seqLen - 1}};
                for (int[] p : at) {
                    for (int v = 0; v < Math.min(4, vocab); v++) {
                        ObjectNode s = samples.addObject();
                        s.putArray("index").add(p[0]).add(p[1]).add(v);
                        s.put("value", all[(p[0] * seqLen + p[1]) * vocab + v]);
                    }
                }
                e.put("engine", "DJL " + engine.getEngineName() + " " + engine.getVersion() + ", forward only, float32");
            }
            writeJson(dir.resolve("expected.json"), e);
            Files.writeString(dir.resolve("model.py"), model, StandardCharsets.UTF_8);
            return new ParityResult(loss, logitsSum, compiled.parameterCount(), actual.size());
        }
    }

    /**
     * The trainer's loss (Trainer#maskedCrossEntropy, which is package-private there), restated
     * operation for operation: the mean cross-entropy over the positions whose weight is non-zero.
     */
    static NDArray maskedCrossEntropy(NDArray logits, NDArray targets, NDArray weights, int vocab, NDManager sm) {
        NDArray logp = logits.logSoftmax(-1);
        NDArray picked = logp.mul(targets.oneHot(vocab)).sum(new int[] {-1});
        return picked.neg().mul(weights).sum().div(weights.sum().maximum(sm.create(1e-9f)));
    }

    /** The exporter's weight table must be CompiledModel's, name for name and shape for shape. */
    private static void checkLayout(List<WeightSpec> specs, List<CompiledModel.Weight> actual) {
        if (specs.size() != actual.size()) {
            throw new IllegalStateException("the exporter lists " + specs.size() + " weights, CompiledModel has "
                    + actual.size());
        }
        for (int i = 0; i < specs.size(); i++) {
            WeightSpec s = specs.get(i);
            CompiledModel.Weight w = actual.get(i);
            long[] shape = w.array().getShape().getShape();
            boolean same = s.name().equals(w.name()) && shape.length == s.shape().size();
            for (int d = 0; same && d < shape.length; d++) {
                same = shape[d] == s.shape().get(d);
            }
            if (!same) {
                throw new IllegalStateException("weight " + i + ": the exporter has " + s.name() + " " + s.shape()
                        + ", CompiledModel has " + w.name() + " " + w.array().getShape());
            }
        }
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return buf.array();
    }

    private static void writeFloats(Path file, float[] values) throws IOException {
        Files.write(file, littleEndian(values));
    }

    private static void writeJson(Path file, ObjectNode node) throws IOException {
        try {
            Files.writeString(file, JSON.writeValueAsString(node) + "\n", StandardCharsets.UTF_8);
        } catch (UncheckedIOException ex) {
            throw ex.getCause();
        }
    }

    // ------------------------------------------------------------------ Python literals

    /** A float literal Python reads back to the same double. */
    static String pyFloat(double v) {
        if (Double.isNaN(v)) {
            return "float(\"nan\")";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "float(\"inf\")" : "float(\"-inf\")";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return (long) v + ".0";
        }
        return Double.toString(v).replace('E', 'e');
    }

    private static String pyFloat(float v) {
        return pyFloat(Double.parseDouble(Float.toString(v)));
    }

    private static String pyArgs(List<Integer> dims) {
        return dims.stream().map(PyTorchExporter::dimText).collect(Collectors.joining(", "));
    }

    private static String pyTuple(List<Integer> dims) {
        return "(" + pyArgs(dims) + (dims.size() == 1 ? ",)" : ")");
    }

    private static String dimText(int d) {
        return d == archlab.sandbox.graph.Shape.B ? "B" : d == archlab.sandbox.graph.Shape.T ? "T" : Integer.toString(d);
    }

    private static String shapeText(List<Integer> dims) {
        return "[" + pyArgs(dims) + "]";
    }

    /** A string literal; archlab names and hashes are plain ASCII, but file names may not be. */
    private static String pyString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '\\' || c == '"') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** Text safe inside a triple-quoted docstring. */
    private static String doc(String s) {
        return s.replace("\\", "/").replace("\"", "'").replaceAll("[\\p{Cntrl}]", "?");
    }
}
