package archlab.sandbox.compile;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.StandardLibrary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cuts to a step's fixed cost compute what they replace: the fused layernorm and the
 * reciprocal-square-root rmsnorm against the same formulas written out in the language (same
 * weights: the norms' weights are constants, so both models draw the same random weights), and the
 * masks kept across steps against a fresh model's.
 */
class FixedCostTest {
    static final int VOCAB = 13;
    static Engine engine;
    static NDManager root;

    @BeforeAll
    static void startEngine() {
        engine = Engines.pytorch(1);
        root = engine.newBaseManager();
    }

    @AfterAll
    static void closeEngine() {
        root.close();
    }

    static ModelDefinition parse(String body) throws Exception {
        String source = "model(tokens):\n    x = embed(tokens, 8) * 3 + 1\n" + body.indent(4);
        return ModelDefinition.parse(source, "fixed.arch", StandardLibrary.library(), Map.of("vocab", VOCAB, "seq_len", 9));
    }

    /** Logits, then the gradients of every weight, of L = sum(logits * R). */
    static List<float[]> run(ModelDefinition def, int time) {
        Random rng = new Random(5 + time);
        int[] ids = new int[2 * time];
        float[] r = new float[2 * time * VOCAB];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(VOCAB);
        }
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) rng.nextGaussian();
        }
        List<float[]> out = new ArrayList<>();
        try (CompiledModel m = CompiledModel.compile(def.graph(), root, 3); NDManager sm = root.newSubManager()) {
            try (GradientCollector gc = engine.newGradientCollector()) {
                NDArray logits = m.forward(sm, sm.create(ids, new Shape(2, time)));
                out.add(logits.toFloatArray());
                gc.backward(logits.mul(sm.create(r, new Shape(2, time, VOCAB))).sum());
            }
            for (CompiledModel.Weight w : m.weights()) {
                if (w.node().op().equals("embed") || w.node().op().equals("linear")) {
                    try (NDArray g = w.array().getGradient()) {
                        out.add(g.toFloatArray());
                    }
                }
            }
        }
        return out;
    }

    static void assertSame(List<float[]> actual, List<float[]> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int k = 0; k < expected.size(); k++) {
            float[] a = actual.get(k);
            float[] e = expected.get(k);
            assertThat(a).hasSameSizeAs(e);
            for (int i = 0; i < e.length; i++) {
                assertThat((double) a[i]).as("%s %d", k == 0 ? "logit" : "gradient of array " + k, i)
                        .isCloseTo(e[i], org.assertj.core.data.Offset.offset(2e-5 * (1 + Math.abs(e[i]))));
            }
        }
    }

    @Test
    void theFusedLayernormComputesTheWrittenOutFormula() throws Exception {
        ModelDefinition fused = parse("return linear(layernorm(x), vocab)");
        ModelDefinition written = parse("""
                c = x - mean(x, -1, keepdim=true)
                y = c / sqrt(mean(c * c, -1, keepdim=true) + 1e-5) * parameter(8, init=1) + parameter(8, init=0)
                return linear(y, vocab)""");
        assertSame(run(fused, 7), run(written, 7));
    }

    @Test
    void rmsnormByReciprocalSquareRootComputesTheWrittenOutFormula() throws Exception {
        ModelDefinition fused = parse("return linear(rmsnorm(x), vocab)");
        ModelDefinition written = parse("""
                y = x / sqrt(mean(x * x, -1, keepdim=true) + 1e-5) * parameter(8, init=1)
                return linear(y, vocab)""");
        assertSame(run(fused, 7), run(written, 7));
    }

    @Test
    void aScoreScaleFoldedIntoTheQueryComputesTheDivision() throws Exception {
        // a parameter is not a number, so the second model divides the [B, H, T, T] matrix as written
        ModelDefinition folded = parse("""
                q = split_heads(linear(x, 8), 2)
                k = split_heads(linear(x, 8), 2)
                s = (q @ transpose(k)) / 4
                return linear(merge_heads(softmax(causal_mask(s)) @ q + causal_zero(q @ transpose(k) * 0.3) @ k), vocab)""");
        ModelDefinition written = parse("""
                q = split_heads(linear(x, 8), 2)
                k = split_heads(linear(x, 8), 2)
                s = (q @ transpose(k)) * parameter(1, init=0.25)
                return linear(merge_heads(softmax(causal_mask(s)) @ q + causal_zero(q @ transpose(k) * parameter(1, init=0.3)) @ k), vocab)""");
        assertThat(ScoreScaleFold.of(folded.graph()).absorbed()).hasSize(2);
        assertThat(ScoreScaleFold.of(written.graph()).absorbed()).isEmpty();
        assertSame(run(folded, 7), run(written, 7));
    }

    /** Masks are kept across steps, by length and window: alternating lengths must give what fresh models give. */
    @Test
    void masksKeptAcrossStepsGiveWhatAFreshModelGives() throws Exception {
        ModelDefinition def = parse("""
                q = split_heads(linear(x, 8), 2)
                a = softmax_attention(q, q, q) + sliding_window_attention(q, q, q, 3) + linear_attention(elu1(q), elu1(q), q)
                return linear(merge_heads(a), vocab)""");
        int[] lengths = {5, 9, 5, 12, 9};
        List<float[]> fresh = new ArrayList<>();
        for (int t : lengths) {
            fresh.add(logits(def, t, null));
        }
        try (CompiledModel m = CompiledModel.compile(def.graph(), root, 3)) {
            for (int i = 0; i < lengths.length; i++) {
                assertThat(logits(def, lengths[i], m)).as("length %d, step %d", lengths[i], i).containsExactly(fresh.get(i));
            }
        }
    }

    static float[] logits(ModelDefinition def, int time, CompiledModel reuse) {
        Random rng = new Random(time);
        int[] ids = new int[2 * time];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(VOCAB);
        }
        CompiledModel m = reuse != null ? reuse : CompiledModel.compile(def.graph(), root, 3);
        try (NDManager sm = root.newSubManager()) {
            return m.forward(sm, sm.create(ids, new Shape(2, time))).toFloatArray();
        } finally {
            if (reuse == null) {
                m.close();
            }
        }
    }
}
