package archlab.sandbox.graph;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.sandbox.ModelDefinition;
import java.io.StringReader;
import java.util.Set;
import java.util.TreeSet;
import org.jgrapht.graph.DefaultEdge;
import org.jgrapht.graph.DirectedPseudograph;
import org.jgrapht.nio.dot.DOTImporter;
import org.jgrapht.util.SupplierUtil;
import org.junit.jupiter.api.Test;

/** The hash, cost, diff and rendering of graphs elaborated from source text. */
class SourceTextTest {
    static final String GLA = """
            arch gated_linear_attention
            param d = 64
            param heads = 4
            param layers = 2

            block mixer(x):
                q = elu1(split_heads(linear(x, d), heads))
                k = elu1(split_heads(linear(x, d), heads))
                v = split_heads(linear(x, d), heads)
                g = sigmoid(split_heads(linear(x, heads), heads))   # [B, heads, T, 1]: per-head decay
                o = decayed_linear_attention(q, k, v, g)
                return linear(merge_heads(o), d)

            block layer(x):
                h = x + mixer(rmsnorm(x))
                return h + mlp(rmsnorm(h), 4 * d)

            model(tokens):
                x = embed(tokens, d)
                x2 = repeat(layers, layer, x)
                return lm_head(rmsnorm(x2))
            """;

    /** GLA with other names, another statement and param order, other formatting and mlp inlined. */
    static final String GLA_REWRITTEN = """
            arch something_else
            param heads = 4
            param width = 64
            param depth = 2

            # the token mixer
            block tm(inp):
                keys = elu1(split_heads(linear(inp, width), heads))
                gate = sigmoid(split_heads(linear(inp, heads), heads))
                queries = elu1(split_heads(linear(inp, width), heads))
                values = split_heads(linear(inp, width), heads)
                return linear(merge_heads(decayed_linear_attention(queries, keys, values, gate)), width)

            block ffn(y):
                return linear(gelu(linear(y, 4*width)), width)

            block blk(x):
                mixed = x+tm(rmsnorm(x))
                return mixed + ffn(rmsnorm(mixed))

            model(tokens):
                return lm_head(rmsnorm(repeat(depth, blk, embed(tokens, width))))
            """;

    /** Calls every primitive (split through its slices) and every standard-library block. */
    static final String KITCHEN_SINK = """
            arch kitchen_sink
            param d = 32
            param heads = 4

            block mixer(x):
                q = rope(split_heads(linear(x, d), heads))
                k = rope(split_heads(linear(x, d, bias=true), heads))
                v = split_heads(linear(x, d), heads)
                beta = sigmoid(split_heads(linear(x, heads), heads))
                g = sigmoid(split_heads(linear(x, heads), heads))
                a = softmax_attention(q, k, v) + sliding_window_attention(q, k, v, 8)
                b = linear_attention(elu1(q), relu_map(k), v) - taylor_attention(q, k, v)
                c = retention(q, k, v, 0.9) * decayed_linear_attention(q, k, v, g)
                o = (a + b) / (abs(c) + 1) + delta_rule(q, k, v, beta)
                return linear(merge_heads(o), d)

            block odds(x):
                p = parameter(d, init=1.0)
                w = parameter(1, d, std=0.02)
                y = maximum(x * p, minimum(x, w)) ** 2
                z = -tanh(y) + softplus(x) + exp(-abs(x)) + log(1 + relu(x)) + sqrt(abs(x) + 1)
                t = cumsum(z) + shift(z, steps=2)
                u = layernorm(short_conv(t, 3))
                lo, hi = split(u, 2)
                m = concat(hi, lo)
                f = flatten(unsqueeze(squeeze(unsqueeze(m, -1), -1), -1))
                sm = sum(f, -1, keepdim=true) + mean(f, -1, keepdim=true) + max(f, -1, keepdim=true)
                return slice(softmax(f), 0, d) + sm + swiglu(f, 2 * d) + glu(f, d) + mlp(f, d)

            model(tokens):
                x = embed(tokens, d)
                return lm_head(rmsnorm(odds(x + mixer(x))))
            """;

    private static ArchGraph graph(String source) throws Exception {
        return ModelDefinition.parse(source, "test.arch").graph();
    }

    @Test
    void namesOrderFormattingAndBlockStructureDoNotChangeTheHash() throws Exception {
        assertThat(CanonicalHash.of(graph(GLA_REWRITTEN))).isEqualTo(CanonicalHash.of(graph(GLA)));
        assertThat(DefinitionDiff.between(graph(GLA), graph(GLA_REWRITTEN)).isEmpty()).isTrue();
    }

    @Test
    void aChangedActivationChangesTheHashAndShowsInTheDiff() throws Exception {
        String tanh = GLA.replace("g = sigmoid(", "g = tanh(");
        assertThat(CanonicalHash.of(graph(tanh))).isNotEqualTo(CanonicalHash.of(graph(GLA)));
        assertThat(DefinitionDiff.between(graph(GLA), graph(tanh)).render())
                .isEqualTo("~ layer[*]/mixer: sigmoid → tanh  (line 10:9, was 10:9)  ×2");
    }

    @Test
    void anAddedConvolutionShowsAsOneAddition() throws Exception {
        String conv = GLA.replace("h = x + mixer(rmsnorm(x))", "h = x + mixer(conv1d(rmsnorm(x), 4))");
        assertThat(DefinitionDiff.between(graph(GLA), graph(conv)).render())
                .isEqualTo("+ layer[*]: conv1d(kernel=4)  (line 15:19)  ×2");
    }

    @Test
    void aChangedWidthInALibraryBlockNamesTheLibraryFile() throws Exception {
        String wider = GLA.replace("mlp(rmsnorm(h), 4 * d)", "mlp(rmsnorm(h), 2 * d)");
        assertThat(DefinitionDiff.between(graph(GLA), graph(wider)).render()).isEqualTo(
                "~ layer[*]/mlp: linear(out=256) → linear(out=128)  (stdlib/mlp.arch:5:24, was stdlib/mlp.arch:5:24)  ×2");
    }

    @Test
    void aDroppedResidualIsOneRemovalPerLayer() throws Exception {
        String noResidual = GLA.replace("h = x + mixer(rmsnorm(x))", "h = mixer(rmsnorm(x))");
        assertThat(DefinitionDiff.between(graph(GLA), graph(noResidual)).render())
                .isEqualTo("- layer[*]: add  (was line 15:11)  ×2");
    }

    @Test
    void anExtraLayerIsAddedWhole() throws Exception {
        String three = GLA.replace("param layers = 2", "param layers = 3");
        DefinitionDiff d = DefinitionDiff.between(graph(GLA), graph(three));
        assertThat(d.changes()).allSatisfy(c -> {
            assertThat(c.kind()).isEqualTo(DefinitionDiff.Kind.ADDED);
            assertThat(c.scope()).startsWith("layer[2]");
        });
        // Every op of the new layer, and nothing else.
        assertThat(d.count()).isEqualTo(graph(three).dag().vertexSet().size() - graph(GLA).dag().vertexSet().size());
    }

    @Test
    void sharingAProjectionIsADifferentModel() throws Exception {
        String shared = GLA.replace("k = elu1(split_heads(linear(x, d), heads))", "k = q");
        assertThat(CanonicalHash.of(graph(shared))).isNotEqualTo(CanonicalHash.of(graph(GLA)));
        assertThat(Cost.parameters(graph(GLA)) - Cost.parameters(graph(shared))).isEqualTo(2 * 64 * 64);
    }

    @Test
    void parametersOfTheExampleByHand() throws Exception {
        // embed 256·64; per layer 2 rmsnorm 64, q k v 3·64·64, g 64·4, out 64·64, mlp 2·64·256; rmsnorm; head 64·256
        long layer = 2 * 64 + 3 * 4096 + 256 + 4096 + 2 * 16384;
        assertThat(Cost.parameters(graph(GLA))).isEqualTo(16384 + 2 * layer + 64 + 16384);
    }

    @Test
    void everyOpHasACostAndEverythingRenders() throws Exception {
        ArchGraph g = graph(KITCHEN_SINK);
        Set<String> ops = new TreeSet<>();
        for (OpNode n : g.dag().vertexSet()) {
            ops.add(n.op());
            if (n.body() != null) {
                n.body().dag().vertexSet().forEach(b -> ops.add(b.op()));
            }
        }
        assertThat(ops).contains("scan", "causal_zero", "causal_mask", "positions", "parameter", "slice",
                "concat", "shift", "cumsum", "layernorm", "conv1d", "rope", "pow", "neg", "maximum", "minimum");
        assertThat(Cost.flopsPerToken(g, 128)).isPositive();
        assertThat(Cost.parameters(g)).isPositive();
        assertThat(CanonicalHash.of(graph(KITCHEN_SINK))).isEqualTo(CanonicalHash.of(g));
        assertThat(DefinitionDiff.between(g, graph(KITCHEN_SINK)).isEmpty()).isTrue();

        String dot = DotRenderer.render(g, "kitchen sink");
        var parsed = new DirectedPseudograph<String, DefaultEdge>(SupplierUtil.createStringSupplier(),
                SupplierUtil.DEFAULT_EDGE_SUPPLIER, false);
        new DOTImporter<String, DefaultEdge>().importGraph(parsed, new StringReader(dot));
        assertThat(parsed.vertexSet()).hasSize(g.dag().vertexSet().size());
    }

    @Test
    void attentionFlopsGrowWithTheSequence() throws Exception {
        String attention = GLA.replace("decayed_linear_attention(q, k, v, g)", "softmax_attention(q, k, v)")
                .replace("    g = sigmoid(split_heads(linear(x, heads), heads))   # [B, heads, T, 1]: per-head decay\n", "");
        ArchGraph g = graph(attention);
        // The T×T score and mix matmuls cost 2·2·T·d per token and layer, so doubling T adds 2·2·128·64 per layer.
        double grow = Cost.flopsPerToken(g, 256) - Cost.flopsPerToken(g, 128);
        assertThat(grow).isGreaterThanOrEqualTo(2 * 2 * 2 * 128 * 64);
    }
}
