package archlab.sandbox.compile;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.graph.ScanForm;
import archlab.sandbox.graph.ScanRecognizer;
import archlab.sandbox.lang.StandardLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chunked scans against the sequential scan, which is the reference: the same weights, the same
 * tokens, a cross-entropy loss within 1e-5 relative and every gradient within a small fraction of
 * the gradients' scale. Sequence lengths are chosen so that the last chunk is padded and several
 * chunks carry a state. The sequential form's gradients are checked against finite differences by
 * {@link GradientCheckTest}; the chunked form gets the same finite-difference check here, with
 * chunks of 2 steps so that the loop over chunks is part of it.
 */
class ChunkedScanParityTest {
    static final int VOCAB = 32;
    static final int BATCH = 2;
    static final double LOSS_RTOL = 1e-5;
    /** Per element: |chunked - sequential| <= GRAD_RTOL * (largest |gradient| of that weight) + 1e-7. */
    static final double GRAD_RTOL = 2e-4;

    static Engine engine;
    static NDManager root;

    @BeforeAll
    static void startEngine() {
        engine = Engines.pytorch(1);
        root = engine.newBaseManager();
        // the finite-difference harness is GradientCheckTest's, which reads its own engine fields
        GradientCheckTest.engine = engine;
        GradientCheckTest.root = root;
    }

    @AfterAll
    static void closeEngine() {
        if (root != null) {
            root.close();
        }
    }

    // ------------------------------------------------------------------ recognition

    static ModelDefinition parse(String source, String name, int seqLen) {
        try {
            return ModelDefinition.parse(source, name + ".arch", StandardLibrary.library(),
                    Map.of("vocab", VOCAB, "seq_len", seqLen));
        } catch (Exception e) {
            throw new AssertionError(name + " does not check:\n" + source + "\n" + e.getMessage(), e);
        }
    }

    static List<ScanForm> forms(ModelDefinition def) {
        List<ScanForm> out = new ArrayList<>();
        for (OpNode n : def.graph().nodes()) {
            if (n.op().equals("scan")) {
                out.add(ScanRecognizer.recognise(n));
            }
        }
        return out;
    }

    static Path architectures() {
        return CausalityProbeTest.architectures();
    }

    static String reference(String name) throws Exception {
        return Files.readString(architectures().resolve(name + ".arch"));
    }

    @Test
    void deltanetIsADeltaRuleAndMambaStaysSequentialForItsPerElementDecay() throws Exception {
        List<ScanForm> delta = forms(parse(reference("deltanet"), "deltanet", 64));
        assertThat(delta).hasSize(2).allSatisfy(f -> {
            assertThat(f).isInstanceOf(ScanForm.Delta.class);
            ScanForm.Delta d = (ScanForm.Delta) f;
            assertThat(d.beta()).isNotNull();
            assertThat(d.decay()).isNull();
        });
        List<ScanForm> mamba = forms(parse(reference("mamba"), "mamba", 64));
        assertThat(mamba).hasSize(2).allSatisfy(f -> assertThat(f).isInstanceOfSatisfying(ScanForm.Sequential.class,
                s -> assertThat(s.reason()).contains("varies along the dim the readout keeps")));
    }

    @Test
    void aStepItCannotProveStaysSequentialAndSaysWhy() {
        Map<String, String> steps = new LinkedHashMap<>();
        steps.put("not a matrix per head", """
                block step(h, u):
                    h2 = tanh(h + u)
                    return h2, h2
                """ + model("y = scan(step, linear(x, 8), state=8)", "y"));
        steps.put("the new state is 'tanh'", """
                block step(S, k):
                    S2 = tanh(S + unsqueeze(k, -1) @ unsqueeze(k, -2))
                    return S2, squeeze(unsqueeze(k, -2) @ S2, -2)
                """ + model("y = scan(step, split_heads(linear(x, 8), 2), state=(2, 4, 4))", "merge_heads(y)"));
        steps.put("is not positive by construction", """
                block step(S, k, g):
                    S2 = unsqueeze(g, -1) * S + unsqueeze(k, -1) @ unsqueeze(k, -2)
                    return S2, squeeze(unsqueeze(k, -2) @ S2, -2)
                """ + model("y = scan(step, split_heads(linear(x, 8), 2), split_heads(linear(x, 2), 2),"
                + " state=(2, 4, 4))", "merge_heads(y)"));
        steps.put("reads the state with another key", """
                block step(S, k, q, v):
                    old = squeeze(unsqueeze(q, -2) @ S, -2)
                    S2 = S + unsqueeze(k, -1) @ unsqueeze(v - old, -2)
                    return S2, squeeze(unsqueeze(q, -2) @ S2, -2)
                """ + model("y = scan(step, split_heads(linear(x, 8), 2), split_heads(linear(x, 8), 2),"
                + " split_heads(linear(x, 8), 2), state=(2, 4, 4))", "merge_heads(y)"));
        steps.put("has no batch axis first", """
                block step(S, p):
                    S2 = S + unsqueeze(p, -1) @ unsqueeze(p, -2)
                    return S2, sum(S2, -1)
                """ + model("y = transpose(scan(step, positions(x), state=(4, 4)), a=0, b=1)", "y"));
        for (Map.Entry<String, String> e : steps.entrySet()) {
            ModelDefinition def = parse(e.getValue(), "fallback", 16);
            List<ScanForm> f = forms(def);
            assertThat(f).as(e.getKey()).hasSize(1);
            assertThat(f.get(0)).as(e.getKey()).isInstanceOf(ScanForm.Sequential.class);
            assertThat(((ScanForm.Sequential) f.get(0)).reason()).as(e.getKey()).contains(e.getKey());
        }
    }

    static String model(String scanLine, String output) {
        return "model(tokens):\n    x = embed(tokens, 8)\n    " + scanLine + "\n    return linear(" + output + ", vocab)\n";
    }

    // ------------------------------------------------------------------ parity

    static Stream<Arguments> references() {
        // T chosen so that the last chunk is partly padding
        return Stream.of(Arguments.of("deltanet", 75), Arguments.of("deltanet", 37));
    }

    @ParameterizedTest(name = "{0} T={1}")
    @MethodSource("references")
    void referenceArchitecturesMatchTheirSequentialForm(String name, int time) throws Exception {
        ModelDefinition def = parse(reference(name), name, time);
        assertThat(forms(def)).noneMatch(f -> f instanceof ScanForm.Sequential);
        assertParity(def, time, 11, 0);
    }

    @Test
    void theGatedDeltaRuleMatchesItsSequentialForm() {
        String source = """
                block gated_step(S, q, k, v, beta, g):
                    P = S * sigmoid(unsqueeze(g, -1))
                    old = squeeze(unsqueeze(k, -2) @ P, -2)
                    S2 = P + unsqueeze(k, -1) @ unsqueeze(beta * (v - old), -2)
                    return S2, squeeze(unsqueeze(q, -2) @ S2, -2)
                model(tokens):
                    x = embed(tokens, 16)
                    q = l2norm(split_heads(linear(x, 16), 2))
                    k = l2norm(split_heads(linear(x, 16), 2))
                    v = split_heads(linear(x, 16), 2)
                    beta = sigmoid(split_heads(linear(x, 2), 2))
                    g = split_heads(linear(x, 2), 2) + 3
                    y = scan(gated_step, q, k, v, beta, g, state=(2, 8, 8))
                    return linear(merge_heads(y), vocab)
                """;
        ModelDefinition def = parse(source, "gated_delta", 70);
        assertThat(forms(def)).singleElement().isInstanceOfSatisfying(ScanForm.Delta.class,
                d -> assertThat(d.decay()).isNotNull());
        assertParity(def, 70, 3, 0);
        assertParity(def, 70, 3, 16);
    }

    /** Random affine scans: heads or none, sizes, decays of every kind, both readouts, both operand orders. */
    static Stream<Arguments> randomAffineScans() {
        return IntStream.range(0, 24).mapToObj(i -> {
            Random rng = new Random(1000 + i);
            return Arguments.of(i, AffineScan.random(rng, i));
        });
    }

    @Test
    void theRandomScansCoverEveryDecayAndBothReadouts() {
        List<AffineScan> drawn = randomAffineScans().map(a -> (AffineScan) a.get()[1]).toList();
        assertThat(drawn.stream().map(AffineScan::decay).distinct())
                .containsExactlyInAnyOrder("none", "scalar", "keys", "values", "full", "constant", "outside", "power");
        assertThat(drawn.stream().map(AffineScan::readsLast).distinct()).containsExactlyInAnyOrder(true, false);
        assertThat(drawn.stream().filter(a -> !a.decaysAlongTheKeptDim()).count()).as("draws that are chunked")
                .isGreaterThanOrEqualTo(drawn.size() / 2);
    }

    @ParameterizedTest(name = "#{0} {1}")
    @MethodSource("randomAffineScans")
    void randomAffineScansMatchTheirSequentialForm(int index, AffineScan scan) {
        ModelDefinition def = parse(scan.source(), "affine" + index, scan.time());
        if (scan.decaysAlongTheKeptDim()) {
            // a decay along the dim the readout keeps has no matmul form: sequential, and it says so
            assertThat(forms(def)).singleElement().isInstanceOfSatisfying(ScanForm.Sequential.class,
                    s -> assertThat(s.reason()).contains("varies along the dim the readout keeps"));
            return;
        }
        assertThat(forms(def)).singleElement().isInstanceOf(ScanForm.Affine.class);
        assertParity(def, scan.time(), 100 + index, scan.chunk());
    }

    /** The chunked forms' gradients against central differences, with 2-step chunks so that the chunk loop is in them. */
    @Test
    void chunkedGradientsMatchFiniteDifferences() {
        List<GradientCheckTest.Case> cases = GradientCheckTest.cases().stream()
                .filter(c -> c.name().startsWith("scan_") || c.name().equals("stdlib_delta_rule")).toList();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(2);
        List<GradientCheckTest.Case> all = new ArrayList<>(cases);
        // Mamba-2's form: a scalar decay per step, read along the state's last dim
        all.add(GradientCheckTest.withBlocks("ssd_like", """
                block ssd_step(h, x, delta, b, c):
                    a = -exp(parameter(1, init=0))
                    h2 = exp(unsqueeze(delta * a, -1)) * h + unsqueeze(delta * x, -1) * unsqueeze(b, -2)
                    return h2, squeeze(h2 @ unsqueeze(c, -1), -1)
                """, "y = scan(ssd_step, linear(x, 8), softplus(linear(x, 1)), linear(x, 4), linear(x, 4), state=(8, 4))",
                "return linear(y, vocab)"));
        for (GradientCheckTest.Case c : all) {
            ModelDefinition def = GradientCheckTest.parse(c);
            assertThat(forms(def)).as(c.name()).noneMatch(f -> f instanceof ScanForm.Sequential);
            GradientCheckTest.Check result = GradientCheckTest.check(def, GradientCheckTest.seedOf(c.name()), 1.0,
                    CompiledModel.ScanMode.CHUNKED, 2);
            assertThat(result.failures()).as(c.name() + "\n" + String.join("\n", result.lines())).isEmpty();
            assertThat(result.nonZero()).isGreaterThan(0);
        }
    }

    // ------------------------------------------------------------------ machinery

    record Outcome(double loss, Map<String, float[]> gradients) {
    }

    static Outcome run(ModelDefinition def, int time, long seed, CompiledModel.ScanMode mode, int chunk) {
        Random rng = new Random(seed);
        int[] ids = new int[BATCH * time];
        int[] targets = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(VOCAB);
            targets[i] = rng.nextInt(VOCAB);
        }
        try (CompiledModel m = CompiledModel.compile(def.graph(), root, seed, mode, chunk);
             NDManager sm = root.newSubManager()) {
            NDArray tok = sm.create(ids, new Shape(BATCH, time));
            NDArray tgt = sm.create(targets, new Shape(BATCH, time));
            NDArray loss;
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray logits = m.forward(sm, tok);
                loss = logits.logSoftmax(-1).mul(tgt.oneHot(VOCAB)).sum(new int[] {-1}).neg().mean();
                collector.backward(loss);
            }
            Map<String, float[]> grads = new LinkedHashMap<>();
            for (CompiledModel.Weight w : m.weights()) {
                try (NDArray g = w.array().getGradient()) {
                    grads.put(w.name(), g.toFloatArray());
                }
            }
            return new Outcome(loss.getFloat(), grads);
        }
    }

    static void assertParity(ModelDefinition def, int time, long seed, int chunk) {
        Outcome sequential = run(def, time, seed, CompiledModel.ScanMode.SEQUENTIAL, 0);
        Outcome chunked = run(def, time, seed, CompiledModel.ScanMode.CHUNKED, chunk);
        assertThat(Double.isFinite(sequential.loss())).isTrue();
        double rel = Math.abs(chunked.loss() - sequential.loss()) / Math.abs(sequential.loss());
        if (Boolean.getBoolean("archlab.parity.verbose")) {
            System.out.printf("[parity] %s T=%d chunk %d: loss %.8g vs %.8g, relative %.2e%n", def.name(), time, chunk,
                    sequential.loss(), chunked.loss(), rel);
        }
        assertThat(rel).as("relative loss difference (sequential %s, chunked %s)", sequential.loss(), chunked.loss())
                .isLessThanOrEqualTo(LOSS_RTOL);
        assertThat(chunked.gradients().keySet()).isEqualTo(sequential.gradients().keySet());
        for (String w : sequential.gradients().keySet()) {
            float[] s = sequential.gradients().get(w);
            float[] c = chunked.gradients().get(w);
            double scale = 0;
            for (float v : s) {
                scale = Math.max(scale, Math.abs(v));
            }
            double worst = 0;
            for (int i = 0; i < s.length; i++) {
                worst = Math.max(worst, Math.abs(c[i] - s[i]));
            }
            if (Boolean.getBoolean("archlab.parity.verbose")) {
                System.out.printf("[parity]   %s: largest gradient difference %.2e of largest gradient %.2e%n", w, worst, scale);
            }
            assertThat(worst).as("largest gradient difference of %s (largest gradient %s)", w, scale)
                    .isLessThanOrEqualTo(GRAD_RTOL * scale + 1e-7);
        }
    }

    /** A random affine recurrence written as a step block, and the model around it. */
    record AffineScan(String source, int time, int chunk, String decay, boolean readsLast, int m, int n, String summary) {
        @Override
        public String toString() {
            return summary;
        }

        /** Whether the decay varies along the state dim the readout keeps: n for S^T q, m for S c (of size > 1). */
        boolean decaysAlongTheKeptDim() {
            return (readsLast ? m : n) > 1 && (decay.equals("full") || decay.equals(readsLast ? "keys" : "values"));
        }

        /** The {@code index}-th draw: decays in turn, everything else at random. */
        static AffineScan random(Random rng, int index) {
            boolean heads = rng.nextBoolean();
            int h = heads ? 1 + rng.nextInt(3) : 1;
            int m = 1 + rng.nextInt(5);
            int n = 1 + rng.nextInt(5);
            String[] decays = {"none", "scalar", "keys", "values", "full", "constant", "outside", "power"};
            String decay = decays[index % decays.length];
            boolean readsLast = index % 2 == 1 || rng.nextBoolean();
            boolean broadcastOuter = rng.nextBoolean();
            boolean updateFirst = rng.nextBoolean();
            int time = 5 + rng.nextInt(40);
            int chunk = new int[] {0, 4, 7, 16}[rng.nextInt(4)];
            // slices: k [.., m], v [.., n], q [.., n or m] (query), gm [.., m], gn [.., n], g1 [.., 1]
            String a = switch (decay) {
                case "scalar" -> "sigmoid(unsqueeze(g1, -1))";
                case "keys" -> "exp(-softplus(unsqueeze(gm, -1)))";
                case "values" -> "sigmoid(unsqueeze(gn, -2))";
                case "full" -> "exp(-softplus(unsqueeze(gm, -1)) * softplus(unsqueeze(gn, -2)))";
                case "constant" -> "0.9";
                case "outside" -> "unsqueeze(g1, -1)";
                case "power" -> "sigmoid(unsqueeze(g1, -1)) ** 0.25";
                default -> null;
            };
            String outer = broadcastOuter ? "unsqueeze(k, -1) * unsqueeze(v, -2)" : "unsqueeze(k, -1) @ unsqueeze(v, -2)";
            String decayed = a == null ? "S" : rng.nextBoolean() ? a + " * S" : "S * " + a;
            String next = updateFirst ? outer + " + " + decayed : decayed + " + " + outer;
            String readout = readsLast ? "squeeze(S2 @ unsqueeze(q, -1), -1)" : "squeeze(unsqueeze(q, -2) @ S2, -2)";
            int qSize = readsLast ? n : m;
            int outSize = readsLast ? m : n;
            String step = "block step(S, k, v, q, gm, gn, g1):\n    S2 = " + next + "\n    return S2, " + readout + "\n";
            String g1 = decay.equals("outside") ? "sigmoid(%s) ** 0.5" : "%s";
            String source;
            String state;
            if (heads) {
                state = "(" + h + ", " + m + ", " + n + ")";
                source = step + "model(tokens):\n    x = embed(tokens, 12)\n"
                        + "    y = scan(step, " + sh(h * m, h) + ", " + sh(h * n, h) + ", " + sh(h * qSize, h) + ", "
                        + sh(h * m, h) + ", " + sh(h * n, h) + ", " + String.format(g1, sh(h, h)) + ", state=" + state + ")\n"
                        + "    return linear(merge_heads(y), vocab)\n";
            } else {
                state = "(" + m + ", " + n + ")";
                source = step + "model(tokens):\n    x = embed(tokens, 12)\n"
                        + "    y = scan(step, linear(x, " + m + "), linear(x, " + n + "), linear(x, " + qSize + "), linear(x, "
                        + m + "), linear(x, " + n + "), " + String.format(g1, "linear(x, 1)") + ", state=" + state + ")\n"
                        + "    return linear(y, vocab)\n";
            }
            // unused slices are fine: a block argument that is not used is only a warning
            return new AffineScan(source, time, chunk, decay, readsLast, m, n, "state " + state + " decay " + decay + (readsLast ? " S c" : " S^T q")
                    + (broadcastOuter ? " u*w" : " u@w") + " T=" + time + " chunk " + (chunk == 0 ? "default" : chunk)
                    + " out " + outSize);
        }

        private static String sh(int width, int heads) {
            return "split_heads(linear(x, " + width + "), " + heads + ")";
        }
    }
}
