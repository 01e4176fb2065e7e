package archlab.sandbox.compile;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.lang.StandardLibrary;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** init= and bias=: the values a weight starts with, the weights that exist, and what the hash sees. */
class InitialisationTest {
    static NDManager root;

    @BeforeAll
    static void start() {
        root = Engines.pytorch(1).newBaseManager();
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    static ModelDefinition parse(String body) throws Exception {
        String source = "model(tokens):\n    x = embed(tokens, 4)\n" + body;
        return ModelDefinition.parse(source, "i.arch", StandardLibrary.library(), Map.of("vocab", 8));
    }

    /** The values of the weights of the first op named {@code op}, flattened, in creation order. */
    static List<float[]> start(ModelDefinition def, String op) {
        try (CompiledModel m = CompiledModel.compile(def.graph(), root, 3)) {
            return m.weights().stream().filter(w -> w.node().op().equals(op)).map(w -> w.array().toFloatArray())
                    .toList();
        }
    }

    @Test
    void identityDiracZerosAndConstantsStartWhereTheySay() throws Exception {
        ModelDefinition def = parse("    a = linear(x, 4, init=identity)\n    b = conv1d(a, 3, bias=false, init=dirac)\n"
                + "    c = merge_heads(split_heads(b, 2) @ parameter(2, 2, 2, init=identity))\n"
                + "    return linear(c, vocab, init=zeros)\n");
        assertThat(start(def, "linear").get(0)).containsExactly(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1);
        assertThat(start(def, "linear").get(1)).containsOnly(0f);
        assertThat(start(def, "conv1d")).singleElement()       // [k, d]: w[0] = 1, no bias array
                .satisfies(w -> assertThat(w).containsExactly(1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0));
        float[] eye = start(def, "parameter").get(0);
        assertThat(eye).hasSize(8);
        for (int i = 0; i < 8; i++) {
            int row = (i / 2) % 2;
            int col = i % 2;
            assertThat(eye[i]).as("element %d", i).isEqualTo(row == col ? 1f : 0f);
        }
    }

    @Test
    void rectangularIdentityAndDrawsWithinTheirBounds() throws Exception {
        ModelDefinition def = parse("    a = linear(x, 6, init=identity)\n    b = linear(a, 4, init=uniform(0.05))\n"
                + "    c = linear(b, 4, init=normal(0.001))\n    return linear(c, vocab, init=0.5)\n");
        List<float[]> w = start(def, "linear");
        assertThat(w.get(0)).containsExactly(1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0);
        for (float v : w.get(1)) {
            assertThat(Math.abs(v)).isLessThanOrEqualTo(0.05f);
        }
        for (float v : w.get(2)) {
            assertThat(Math.abs(v)).isLessThan(0.01f);
        }
        assertThat(w.get(3)).containsOnly(0.5f);
    }

    @Test
    void biasFalseDropsTheConvBiasFromWeightsAndCost() throws Exception {
        ModelDefinition with = parse("    return linear(conv1d(x, 3), vocab)\n");
        ModelDefinition without = parse("    return linear(conv1d(x, 3, bias=false), vocab)\n");
        assertThat(with.parameterCount() - without.parameterCount()).isEqualTo(4);
        assertThat(with.canonicalHash()).isNotEqualTo(without.canonicalHash());
    }

    @Test
    void equalStartsHashAlikeAndDefaultsKeepTheirAttributes() throws Exception {
        assertThat(parse("    return linear(x * parameter(4, init=0), vocab)\n").canonicalHash())
                .isEqualTo(parse("    return linear(x * parameter(4, init=zeros), vocab)\n").canonicalHash());
        assertThat(parse("    return linear(x * parameter(4, std=0.3), vocab)\n").canonicalHash())
                .isEqualTo(parse("    return linear(x * parameter(4, init=normal(0.3)), vocab)\n").canonicalHash());
        assertThat(parse("    return linear(conv1d(x, 2, init=identity), vocab)\n").canonicalHash())
                .isEqualTo(parse("    return linear(conv1d(x, 2, init=dirac), vocab)\n").canonicalHash());
        assertThat(parse("    return linear(x, vocab, init=identity)\n").canonicalHash())
                .isNotEqualTo(parse("    return linear(x, vocab)\n").canonicalHash());
        // a weight without init= has exactly the attributes it had before initialisers existed
        ModelDefinition plain = parse("    return linear(conv1d(x, 2), vocab, bias=true) + x @ parameter(4, vocab)\n");
        for (OpNode n : plain.graph().nodes()) {
            switch (n.op()) {
                case "conv1d" -> assertThat(n.attrs().keySet()).containsExactly("kernel");
                case "linear" -> assertThat(n.attrs().keySet()).containsExactly("bias", "out");
                case "parameter" -> assertThat(n.attrs().keySet()).containsExactly("std");
                default -> {
                }
            }
        }
    }

    @Test
    void biasStartsAtTheNumberGiven() throws Exception {
        ModelDefinition def = parse("    a = linear(x, 4, bias=2.0)\n    b = conv1d(a, 2, bias=-1)\n"
                + "    return linear(b, vocab, bias=0)\n");
        try (CompiledModel m = CompiledModel.compile(def.graph(), root, 3)) {
            List<float[]> biases = m.weights().stream().filter(w -> w.name().endsWith(".bias"))
                    .map(w -> w.array().toFloatArray()).toList();
            assertThat(biases).hasSize(3);
            assertThat(biases.get(0)).containsOnly(2f);
            assertThat(biases.get(1)).containsOnly(-1f);
            assertThat(biases.get(2)).containsOnly(0f);
        }
        assertThat(parse("    return linear(x, vocab, bias=0)\n").canonicalHash())
                .isEqualTo(parse("    return linear(x, vocab, bias=true)\n").canonicalHash());
    }
}
