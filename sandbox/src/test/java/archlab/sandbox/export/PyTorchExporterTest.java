package archlab.sandbox.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.compile.CompiledModel;
import archlab.sandbox.compile.Engines;
import archlab.sandbox.lang.StandardLibrary;
import archlab.sandbox.task.Task;
import archlab.sandbox.task.Tasks;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The PyTorch export: every reference architecture exports to a plausible module whose weight table
 * is CompiledModel's; a parity bundle holds what it promises; and, where /usr/bin/python3 can import
 * torch (Debian's python3-torch), the exported modules give DJL's loss on the same weights and batch,
 * for the eight reference architectures and for a small model per primitive.
 */
class PyTorchExporterTest {
    static final Path ROOT = repositoryRoot();
    static final Path ARCHITECTURES = ROOT.resolve("knowledge-base/architectures");
    static final Path PARITY_SCRIPT = ROOT.resolve("scripts/pytorch_parity.py");
    static final String PYTHON = System.getProperty("archlab.python", "/usr/bin/python3");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Maven runs the tests in sandbox/; the reference architectures sit beside it. */
    private static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("knowledge-base/architectures"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no knowledge-base/architectures above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    static Stream<String> architectures() throws IOException {
        try (Stream<Path> files = Files.list(ARCHITECTURES)) {
            List<String> names = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".arch")).sorted()
                    .toList();
            assertThat(names).hasSizeGreaterThanOrEqualTo(8);
            return names.stream();
        }
    }

    static ModelDefinition reference(String file, Map<String, Integer> overrides) {
        try {
            Path path = ARCHITECTURES.resolve(file);
            return ModelDefinition.parse(Files.readString(path, StandardCharsets.UTF_8), file, StandardLibrary.library(),
                    overrides);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new AssertionError(file + " does not check", e);
        }
    }

    // ------------------------------------------------------------------ the module text

    @ParameterizedTest(name = "{0}")
    @MethodSource("architectures")
    void referenceArchitectureExportsAPlausibleModule(String file) {
        ModelDefinition def = reference(file, Map.of());
        String py = PyTorchExporter.export(def);
        String cls = PyTorchExporter.className(def.name());

        assertThat(py).contains("class " + cls + "(nn.Module):", "    def __init__(self):",
                "    def forward(self, tokens):", "    def load_archlab_weights(self, path):");
        assertThat(py).contains(def.canonicalHash(), "vocab:       256",
                String.format(java.util.Locale.ROOT, "parameters:  %,d", def.parameterCount()));
        for (PyTorchExporter.WeightSpec w : PyTorchExporter.weights(def.graph())) {
            assertThat(py).as(w.name()).contains("self." + w.pythonName() + " = nn.Parameter(",
                    "(\"" + w.name() + "\", ");
            String forward = py.substring(py.indexOf("def forward"));
            assertThat(forward).as("forward reads " + w.name()).contains("self." + w.pythonName());
        }
        assertThat(py).doesNotContainIgnoringCase("todo").doesNotContainIgnoringCase("fixme")
                .doesNotContainIgnoringCase("placeholder").doesNotContain("NotImplemented").doesNotContain("XXX")
                .doesNotContain("\t");
        List<String> imports = py.lines().filter(l -> l.startsWith("import ") || l.startsWith("from ")).toList();
        assertThat(imports).containsExactly("import math", "import torch", "from torch import nn");
        // one line per op, each with its output shape and where it comes from
        assertThat(py).containsPattern(Pattern.compile("v\\d+ = .*# \\[B, T, \\d+\\]  \\S+: linear at \\d+:\\d+"));
        assertThat(py).contains("]  lm_head: linear at stdlib/mlp.arch:");
        assertThat(py.lines().filter(l -> l.stripLeading().startsWith("v")).count())
                .as("lines of the forward pass").isGreaterThan(20);
    }

    @Test
    void scanBecomesALoopOverTimeWithTheStepInlined() {
        String py = PyTorchExporter.export(reference("mamba.arch", Map.of()));
        assertThat(py).containsPattern("for t\\d+ in range\\(v\\d+\\.shape\\[1\\]\\):")
                .containsPattern("v\\d+ = v\\d+\\.new_zeros\\(B, 128, 8\\)")
                .containsPattern("v\\d+ = torch\\.stack\\(v\\d+_steps, dim=1\\)")
                .contains("layer[0]/mixer/ssm_step: exp at");
    }

    @Test
    void vocabOverrideReachesTheModule() {
        String py = PyTorchExporter.export(reference("transformer.arch", Map.of("vocab", 100)));
        assertThat(py).contains("VOCAB = 100", "logits [B, T, 100]", "torch.randn(100, 64)");
    }

    @Test
    void masksAreSelectsAndAreRefilledWhereverKeysAreRead() {
        Case keys = primitiveCases().stream().filter(c -> c.name().equals("keys")).findFirst().orElseThrow();
        String py = PyTorchExporter.export(keys.definition());
        String forward = py.substring(py.indexOf("def forward"));
        assertThat(forward).containsPattern("v\\d+ = _masked\\(v\\d+, T, 0\\.0\\)  ")
                .containsPattern("_masked\\(v\\d+, T, 0\\.0\\)\\.sum\\(3, keepdim=True\\) / _key_count\\(v\\d+, T, True\\)")
                .containsPattern("_masked\\(v\\d+, T, float\\(\"-inf\"\\)\\)\\.amax\\(3, keepdim=True\\)")
                .containsPattern("_masked\\(v\\d+, T, 0\\.0\\)\\.sum\\(3, keepdim=True\\)")
                .containsPattern("_contract\\(v\\d+, v\\d+, T\\)")
                .doesNotContain(" * _causal_ones(").doesNotContain(" + _causal_mask(");
        String attention = PyTorchExporter.export(primitiveCases().stream()
                .filter(c -> c.name().equals("causal_mask")).findFirst().orElseThrow().definition());
        assertThat(attention).containsPattern("_masked\\(v\\d+, T, float\\(\"-inf\"\\), window=3\\)")
                .containsPattern("torch\\.softmax\\(_masked\\(v\\d+, T, float\\(\"-inf\"\\)\\), dim=3\\)");
    }

    @Test
    void classNamesAreCamelCaseIdentifiers() {
        assertThat(PyTorchExporter.className("linear_transformer")).isEqualTo("LinearTransformer");
        assertThat(PyTorchExporter.className("gla")).isEqualTo("Gla");
        assertThat(PyTorchExporter.className("2layer-net")).isEqualTo("Arch2layerNet");
        assertThat(PyTorchExporter.className("none")).isEqualTo("NoneModel");
        assertThat(PyTorchExporter.className("___")).isEqualTo("Arch");
    }

    @Test
    void floatLiteralsReadBackExactly() {
        assertThat(PyTorchExporter.pyFloat(4)).isEqualTo("4.0");
        assertThat(PyTorchExporter.pyFloat(-3)).isEqualTo("-3.0");
        assertThat(PyTorchExporter.pyFloat(1e-6)).isEqualTo("1.0e-6");
        assertThat(PyTorchExporter.pyFloat(0.0625)).isEqualTo("0.0625");
        assertThat(PyTorchExporter.pyFloat(Math.log(0.97))).isEqualTo(Double.toString(Math.log(0.97)));
        assertThat(PyTorchExporter.pyFloat(Double.NEGATIVE_INFINITY)).isEqualTo("float(\"-inf\")");
    }

    // ------------------------------------------------------------------ weights and bundles

    @ParameterizedTest(name = "{0}")
    @MethodSource("architectures")
    void weightTableIsCompiledModels(String file) {
        ModelDefinition def = reference(file, Map.of());
        List<PyTorchExporter.WeightSpec> specs = PyTorchExporter.weights(def.graph());
        try (NDManager root = Engines.pytorch(1).newBaseManager();
             CompiledModel m = CompiledModel.compile(def.graph(), root, 0)) {
            List<String> expected = new ArrayList<>();
            for (CompiledModel.Weight w : m.weights()) {
                expected.add(w.name() + " " + java.util.Arrays.toString(w.array().getShape().getShape()));
            }
            List<String> actual = specs.stream().map(s -> s.name() + " "
                    + java.util.Arrays.toString(s.shape().stream().mapToLong(Integer::longValue).toArray())).toList();
            assertThat(actual).containsExactlyElementsOf(expected);
            assertThat(specs.stream().mapToLong(PyTorchExporter.WeightSpec::count).sum())
                    .isEqualTo(m.parameterCount()).isEqualTo(def.parameterCount());
        }
        long offset = 0;
        for (PyTorchExporter.WeightSpec s : specs) {
            assertThat(s.offset()).as(s.name()).isEqualTo(offset);
            offset += 4 * s.count();
        }
    }

    @Test
    void parityBundleHoldsWeightsBatchAndTheDjlLoss() throws IOException {
        Task task = Tasks.create("mqar", Map.of("seq_len", "32", "pairs", "4"));
        ModelDefinition def = reference("transformer.arch", Map.of("vocab", task.vocab(), "seq_len", task.seqLen()));
        PyTorchExporter.ParityResult r = PyTorchExporter.writeParityBundle(def, task, 7, 3, dir);

        assertThat(Files.size(dir.resolve("weights.bin"))).isEqualTo(4 * def.parameterCount());
        assertThat(Files.size(dir.resolve("logits.bin"))).isEqualTo(4L * 3 * 32 * 256);
        assertThat(Files.readString(dir.resolve("model.py"))).isEqualTo(PyTorchExporter.export(def));

        JsonNode weights = JSON.readTree(dir.resolve("weights.json").toFile());
        assertThat(weights.get("format").asText()).isEqualTo(PyTorchExporter.WEIGHTS_FORMAT);
        assertThat(weights.get("hash").asText()).isEqualTo(def.canonicalHash());
        assertThat(weights.get("weights")).hasSize(r.weightArrays());
        JsonNode first = weights.get("weights").get(0);
        assertThat(first.get("name").asText()).isEqualTo("n1.embed.weight");
        assertThat(first.get("python_name").asText()).isEqualTo("n1_embed_weight");
        assertThat(first.get("shape").toString()).isEqualTo("[256,64]");
        assertThat(first.get("offset").asLong()).isZero();

        JsonNode batch = JSON.readTree(dir.resolve("batch.json").toFile());
        assertThat(batch.get("batch_size").asInt()).isEqualTo(3);
        assertThat(batch.get("seq_len").asInt()).isEqualTo(32);
        assertThat(batch.get("inputs")).hasSize(96);
        assertThat(batch.get("targets")).hasSize(96);
        assertThat(batch.get("weights")).hasSize(96);
        int[] inputs = JSON.convertValue(batch.get("inputs"), int[].class);
        assertThat(inputs).containsExactly(task.trainBatch(7, 0, 3).inputs());

        JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
        double loss = expected.get("loss").asDouble();
        assertThat(loss).isEqualTo(r.loss()).isBetween(4.0, 8.0);   // about log(256) = 5.55 at initialisation
        assertThat(expected.get("class_name").asText()).isEqualTo("Transformer");
        assertThat(expected.get("logits_shape").toString()).isEqualTo("[3,32,256]");
        assertThat(expected.get("logits_samples").size()).isGreaterThan(0);

        // the same seed gives the same bundle
        Path again = dir.resolve("again");
        PyTorchExporter.writeParityBundle(def, task, 7, 3, again);
        assertThat(Files.readAllBytes(again.resolve("weights.bin"))).isEqualTo(Files.readAllBytes(dir.resolve("weights.bin")));
    }

    @Test
    void parityBundleNeedsTheTasksVocab() {
        Task task = Tasks.create("mqar", Map.of("vocab", "64"));
        ModelDefinition def = reference("transformer.arch", Map.of());
        assertThatThrownBy(() -> PyTorchExporter.writeParityBundle(def, task, 0, dir))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vocab 256")
                .hasMessageContaining("vocab 64");
    }

    // ------------------------------------------------------------------ Python

    @Test
    void pythonParsesEveryExport() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is absent; the syntax check needs Python 3");
        List<String> files = new ArrayList<>();
        for (String file : architectures().toList()) {
            Path py = dir.resolve(file.replace(".arch", ".py"));
            Files.writeString(py, PyTorchExporter.export(reference(file, Map.of())));
            files.add(py.toString());
        }
        for (Case c : primitiveCases()) {
            Path py = dir.resolve(c.name() + ".py");
            Files.writeString(py, PyTorchExporter.export(c.definition()));
            files.add(py.toString());
        }
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c",
                "import ast, sys\nfor f in sys.argv[1:]:\n    ast.parse(open(f).read(), f)\nprint('parsed', len(sys.argv) - 1)"));
        cmd.addAll(files);
        Run r = run(cmd);
        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.output()).contains("parsed " + files.size());
    }

    /** progress() is the module attribute model.progress: 1.0 unless a training loop sets it. */
    @Test
    void progressIsAModuleAttributeTheTrainingLoopSets() throws Exception {
        assumeTorch();
        Case c = new Case("schedule", "arch schedule\nmodel(tokens):\n    x = embed(tokens, 8)\n"
                + "    return linear(x, vocab) * 0.0 + progress() * 2\n");
        String py = PyTorchExporter.export(c.definition());
        assertThat(py).contains("self.progress = 1.0").contains("torch.tensor(self.progress, device=tokens.device)");
        assertThat(PyTorchExporter.export(reference("transformer.arch", Map.of()))).doesNotContain("self.progress");
        Path module = dir.resolve("schedule_model.py");
        Files.writeString(module, py);
        Run r = run(List.of(PYTHON, "-c", "import sys, torch\nsys.path.insert(0, sys.argv[1])\n"
                + "from schedule_model import Schedule\nm = Schedule()\ntokens = torch.zeros(2, 5, dtype=torch.long)\n"
                + "print('default', m(tokens).max().item())\nm.progress = 0.25\nprint('set', m(tokens).max().item())",
                dir.toString()));
        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.output()).contains("default 2.0").contains("set 0.5");
    }

    @Test
    void pytorchGivesDjlsLossOnEveryReferenceArchitecture() throws Exception {
        assumeTorch();
        Task task = Tasks.create("mqar", Map.of());
        List<String> bundles = new ArrayList<>();
        for (String file : architectures().toList()) {
            ModelDefinition def = reference(file, Map.of("vocab", task.vocab(), "seq_len", task.seqLen()));
            Path bundle = dir.resolve(file.replace(".arch", ""));
            PyTorchExporter.writeParityBundle(def, task, 0, 2, bundle);
            bundles.add(bundle.toString());
        }
        Run r = parity(bundles, "1e-4");
        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.output()).contains(bundles.size() + " passed, 0 failed");
    }

    /**
     * A small model per primitive (and per variant: windows, broadcasting, number operands, scan with
     * two inputs), so that every rule of the exporter meets its CompiledModel counterpart. Every logit
     * must agree, not only the loss.
     */
    @Test
    void pytorchGivesDjlsLogitsForEveryPrimitive() throws Exception {
        assumeTorch();
        Task task = Tasks.create("mqar", Map.of("vocab", "16", "seq_len", "12", "pairs", "2"));
        List<String> bundles = new ArrayList<>();
        for (Case c : primitiveCases()) {
            Path bundle = dir.resolve(c.name());
            PyTorchExporter.writeParityBundle(c.definition(), task, 3, 3, bundle);
            bundles.add(bundle.toString());
        }
        Run r = parity(bundles, "1e-4", "--logits-tolerance", "1e-3");
        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.output()).contains(bundles.size() + " passed, 0 failed");
    }

    /** Every op CompiledModel evaluates appears in at least one case. */
    @Test
    void primitiveCasesCoverEveryCompiledOp() {
        java.util.Set<String> ops = new java.util.TreeSet<>();
        for (Case c : primitiveCases()) {
            collectOps(c.definition().graph(), ops);
        }
        assertThat(ops).contains("const", "parameter", "embed", "linear", "conv1d", "rmsnorm", "layernorm", "add",
                "sub", "mul", "div", "pow", "neg", "maximum", "minimum", "exp", "log", "sqrt", "abs", "sigmoid", "tanh",
                "relu", "gelu", "silu", "softplus", "elu", "softmax", "cumsum", "causal_mask", "causal_zero", "shift",
                "rope", "positions", "split_heads", "merge_heads", "transpose", "unsqueeze", "squeeze", "flatten",
                "concat", "slice", "sum", "mean", "max", "matmul", "scan", "sign", "clamp", "where", "eye", "progress",
                "sort", "topk", "var", "std", "norm", "gather");
    }

    private static void collectOps(archlab.sandbox.graph.ArchGraph g, java.util.Set<String> ops) {
        for (archlab.sandbox.graph.OpNode n : g.nodes()) {
            ops.add(n.op());
            if (n.body() != null) {
                collectOps(n.body(), ops);
            }
        }
    }

    record Case(String name, String source) {
        ModelDefinition definition() {
            try {
                return ModelDefinition.parse(source, name + ".arch", StandardLibrary.library(),
                        Map.of("vocab", 16, "seq_len", 12));
            } catch (Exception e) {
                throw new AssertionError(name + " does not check:\n" + source, e);
            }
        }
    }

    static Case model(String name, String blocks, String... body) {
        StringBuilder sb = new StringBuilder("arch parity_" + name + "\n").append(blocks);
        sb.append("model(tokens):\n    x = embed(tokens, 8)\n    a = linear(x, 8)\n    b = linear(x, 8)\n");
        for (String line : body) {
            sb.append("    ").append(line).append('\n');
        }
        return new Case(name, sb.toString());
    }

    /** {@code y = EXPR} over {@code a}, {@code b} (two projections of the embedding), then a head. */
    static Case op(String name, String expr) {
        return model(name, "", "y = " + expr, "return linear(y + a * 0.0 + b * 0.0, vocab)");
    }

    static final String QKV = "q = split_heads(a, 2)\n    k = split_heads(b, 2)\n    v = split_heads(linear(x, 8), 2)";

    static List<Case> primitiveCases() {
        List<Case> c = new ArrayList<>();
        c.add(op("linear_bias", "linear(a, 8, bias=true)"));
        c.add(op("conv1d", "conv1d(a, 3)"));
        c.add(op("conv1d_k1", "conv1d(a, 1)"));
        c.add(op("norms", "rmsnorm(a) + layernorm(b)"));
        c.add(op("parameters", "a * parameter(8, init=0.5) + parameter(1, 8, std=0.7)"));
        c.add(op("arithmetic", "(a + b) * (a - 0.5) / (softplus(b) + 0.5) + 1 / (softplus(a) + 1) - (2 - b)"));
        c.add(op("pow", "(softplus(a) + 0.5) ** 1.5 + a ** 2 + a ** 3 + (softplus(b) + 0.5) ** -0.5"));
        c.add(op("neg_max_min", "-maximum(a, b) + minimum(a, 0.25) * maximum(0.5, b)"));
        c.add(op("unary", "exp(a) + log(softplus(b) + 0.5) + sqrt(softplus(a) + 0.1) + abs(b) + tanh(a)"));
        c.add(op("activations", "sigmoid(a) + relu(b) + gelu(a) + silu(b)"));
        c.add(op("softplus_elu", "softplus(a * 6) + elu(b * 3)"));
        c.add(op("softmax", "softmax(a) + merge_heads(softmax(split_heads(b, 2), 1))"));
        c.add(op("cumsum", "cumsum(a) + cumsum(b, -1)"));
        c.add(model("causal_mask", "", QKV, "o = softmax(causal_mask(q @ transpose(k))) @ v",
                "o2 = softmax(causal_mask(q @ transpose(k), window=3)) @ v",
                "return linear(merge_heads(o + o2), vocab)"));
        c.add(model("causal_zero", "", QKV, "o = causal_zero(q @ transpose(k)) @ v",
                "o2 = causal_zero(q @ transpose(k), window=2) @ v", "return linear(merge_heads(o + o2), vocab)"));
        c.add(model("keys", "", QKV, "s = causal_zero(sigmoid(q @ transpose(k)) - 0.5)",
                "m = mean(s, -1, keepdim=true) + max(s, -1, keepdim=true) + sum(s, -1, keepdim=true)",
                "e = causal_zero(exp((transpose(positions(x)) - positions(x)) * 12))",
                "return linear(merge_heads(v * m + e @ v), vocab)"));
        c.add(op("shift", "shift(a) + shift(b, steps=2) * shift(a, steps=20)"));
        c.add(op("rope", "rope(a) + merge_heads(rope(split_heads(b, 2)))"));
        c.add(op("positions", "a * sigmoid(positions(x) - 2.5)"));
        c.add(op("transpose", "merge_heads(transpose(split_heads(a, 2), 1, 3) * parameter(4, 1, 2, std=1.0))"));
        c.add(op("reshape", "flatten(unsqueeze(a, -1) * parameter(1, 3, std=1.0)) @ parameter(24, 8, std=0.2)"
                + " + squeeze(unsqueeze(b, -2), -2)"));
        c.add(op("flatten", "slice(flatten(unsqueeze(a, -1) @ unsqueeze(slice(b, 0, 3), -2)), 4, 12)"));
        c.add(op("concat_slice", "slice(concat(a, tanh(b), dim=-1), 3, 11) + flatten(concat(unsqueeze(a, -2), "
                + "unsqueeze(b, -2), dim=-2)) @ parameter(16, 8, std=0.3)"));
        c.add(model("split", "", "p, r = split(a, 2)", "s, u = split(split_heads(b, 2), 2, dim=1)",
                "return linear(concat(p * sigmoid(r), merge_heads(s * tanh(u))), vocab)"));
        c.add(op("reductions", "b * sum(a * a, -1, keepdim=true) + mean(a, -1, keepdim=true) * max(b, -1, keepdim=true)"
                + " + merge_heads(unsqueeze(sum(split_heads(a, 2), 1) + mean(split_heads(b, 2), 1) "
                + "+ max(split_heads(a, 2), 1), 1) * parameter(2, 1, 1, std=1.0))"));
        c.add(op("matmul", "squeeze(unsqueeze(a, -2) @ parameter(8, 8, std=0.4), -2) "
                + "+ merge_heads(matmul(split_heads(b, 2), parameter(2, 4, 4, std=0.5)))"));
        c.add(model("scan", """
                block rnn_step(h, u):
                    h2 = tanh(linear(h, 8) + u)
                    return h2, h2 * 0.5
                """, "y = scan(rnn_step, a, state=8)", "return linear(y + b * 0.0, vocab)"));
        c.add(model("scan_heads", """
                block gated_step(S, k, g):
                    S2 = S * sigmoid(unsqueeze(g, -1)) + unsqueeze(k, -1) @ unsqueeze(k, -2)
                    o = squeeze(unsqueeze(k, -2) @ S2, -2)
                    return S2, o
                """, "k = split_heads(a, 2)", "g = split_heads(linear(b, 2), 2)",
                "y = scan(gated_step, k, g, state=(2, 4, 4))", "return linear(merge_heads(y), vocab)"));
        c.add(op("sign_clamp", "sign(a) * b + clamp(a, -0.5, 0.5) + clamp(b * 3, lo=0) + clamp(a, hi=0.1)"));
        c.add(op("where", "where(a, b, 0.5) + where(linear(x, 1), a * b, b) + where(b - a, 2.0, linear(x, 1))"));
        c.add(model("where_scores", "", QKV, "s = q @ transpose(k)",
                "p = softmax(causal_mask(where(s, s, s * 0.5)))", "return linear(merge_heads(p @ v), vocab)"));
        c.add(op("eye_progress", "a @ (eye(8) * progress() + parameter(8, 8, std=0.1)) + progress()"));
        c.add(op("sort_topk", "sort(a) + sort(b, descending=true) + merge_heads(sort(split_heads(a, 2), 1))"
                + " + linear(topk(b, 3), 8)"));
        c.add(op("spreads", "b * var(a, -1, keepdim=true) + std(b, -1, keepdim=true) + a / norm(a, -1, keepdim=true)"
                + " + linear(concat(var(split_heads(a, 4), 1), norm(split_heads(b, 4), 1)), 8)"));
        c.add(op("starts", "linear(a, 8, init=identity) + linear(b, 8, init=normal(0.3), bias=true)"
                + " + linear(a, 8, init=uniform(0.2)) + linear(b, 8, init=zeros) + conv1d(a, 3, bias=false, init=dirac)"
                + " + conv1d(b, 2, init=uniform(0.5)) + merge_heads(split_heads(a, 2) @ parameter(2, 4, 4, init=identity))"
                + " * parameter(8, init=uniform(0.3))"));
        c.add(op("sparse", "sparsemax(a * 2) + entmax15(b * 2)"));
        c.add(op("bias_start", "linear(a, 8, bias=1.5) + conv1d(b, 2, bias=-0.5)"));
        c.add(op("gather", "merge_heads(gather(split_heads(a, 4), (1, 0, 1, 3), dim=1)) + gather(b, (7, 0, 0, 2, 3, 4, 5, 6))"
                + " + linear(gather(a, 2), 8)"));
        c.add(model("stdlib_mixers", "", QKV, "g = sigmoid(split_heads(linear(x, 2), 2))",
                "beta = sigmoid(split_heads(linear(x, 2), 2))",
                "o = softmax_attention(q, k, v) + linear_attention(elu1(q), elu1(k), v)"
                        + " + decayed_linear_attention(q, k, v, g) + retention(q, k, v, 0.9)"
                        + " + delta_rule(q, k, v, beta) + taylor_attention(q, k, v)"
                        + " + sliding_window_attention(q, k, v, 3)",
                "return lm_head(rmsnorm(merge_heads(o) + short_conv(x, 3) + swiglu(x, 16) + glu(x, 16) + mlp(x, 16)))"));
        return c;
    }

    // ------------------------------------------------------------------ running Python

    record Run(int code, String output) {
    }

    static boolean torchAvailable() {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return false;
        }
        try {
            return run(List.of(PYTHON, "-c", "import torch")).code() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static void assumeTorch() {
        assumeTrue(torchAvailable(), PYTHON + " cannot import torch, so the PyTorch parity check is skipped;"
                + " install it with: apt-get install -y python3-torch");
    }

    static Run parity(List<String> bundles, String tolerance, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, PARITY_SCRIPT.toString(), "--tolerance", tolerance));
        cmd.addAll(List.of(extra));
        cmd.addAll(bundles);
        Run r = run(cmd);
        System.out.print(r.output());
        return r;
    }

    static Run run(List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "2");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return new Run(-1, "timed out: " + String.join(" ", cmd));
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
