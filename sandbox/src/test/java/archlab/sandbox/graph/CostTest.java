package archlab.sandbox.graph;

import static archlab.sandbox.graph.TestGraph.B;
import static archlab.sandbox.graph.TestGraph.T;
import static archlab.sandbox.graph.TestGraph.attrs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CostTest {

    /** tokens → embed(8, vocab 16) → linear(4, bias) → relu → linear(16). */
    private static ArchGraph tiny() {
        TestGraph g = new TestGraph();
        OpNode x = g.embed(g.tokens(), 8, 16);
        OpNode h = g.linear(x, 4, true);
        OpNode r = g.op("relu", h);
        return g.build(g.linear(r, 16));
    }

    @Test
    void parametersOfATinyModel() {
        // embed 16·8 + linear 8·4 + 4 + linear 4·16
        assertThat(Cost.parameters(tiny())).isEqualTo(128 + 36 + 64);
    }

    @Test
    void flopsOfATinyModel() {
        // T = 10: embed 0; linear 10·(2·8·4 + 4) = 680; relu 10·4 = 40; linear 10·2·4·16 = 1280.
        assertThat(Cost.flops(tiny(), 10)).isEqualTo(2000.0);
        assertThat(Cost.flopsPerToken(tiny(), 10)).isEqualTo(200.0);
        // Every op here is per position, so the per-token count does not depend on T.
        assertThat(Cost.flopsPerToken(tiny(), 128)).isEqualTo(200.0);
    }

    @Test
    void attentionMatmulsContractTheRightSize() {
        TestGraph g = new TestGraph();
        OpNode q = g.input("input", Shape.of(B, 2, T, 4));
        OpNode kt = g.input("input", Shape.of(B, 2, 4, T));
        OpNode v = g.input("input", Shape.of(B, 2, T, 4));
        OpNode s = g.op("matmul", Map.of(), Shape.of(B, 2, T, T), q, kt);
        OpNode m = g.op("causal_mask", attrs("window", 0), s.shape(), s);
        OpNode p = g.op("softmax", attrs("dim", 3), s.shape(), m);
        OpNode o = g.op("matmul", Map.of(), Shape.of(B, 2, T, 4), p, v);
        ArchGraph graph = g.build(o);
        // T = 10: scores 2·10·10 · 2·4 = 1600; mask 200; softmax 5·200 = 1000; p @ v 2·10·4 · 2·10 = 1600.
        assertThat(Cost.flops(graph, 10)).isEqualTo(1600 + 200 + 1000 + 1600);
        assertThat(Cost.flopsPerToken(graph, 10)).isEqualTo(440.0);
    }

    @Test
    void reductionsCountTheirInput() {
        TestGraph g = new TestGraph();
        OpNode x = g.input("input", Shape.of(B, T, 8));
        OpNode s = g.op("sum", attrs("dim", 2, "keepdim", false), Shape.of(B, T), x);
        OpNode n = g.node("rmsnorm", Map.of(), x.shape(), 8, null, x);
        OpNode l = g.node("layernorm", Map.of(), x.shape(), 16, null, x);
        OpNode r = g.op("rope", x);
        OpNode c = g.node("conv1d", attrs("kernel", 4), x.shape(), 8 * 4 + 8, null, x);
        ArchGraph graph = g.build(s, n, l, r, c);
        // T = 10, 80 elements: sum 80; rmsnorm 320; layernorm 560; rope 240; conv1d 80·2·4 = 640.
        assertThat(Cost.flops(graph, 10)).isEqualTo(80 + 320 + 560 + 240 + 640);
        assertThat(Cost.parameters(graph)).isEqualTo(8 + 16 + 40);
    }

    @Test
    void reshapesAreFree() {
        TestGraph g = new TestGraph();
        OpNode x = g.input("input", Shape.of(B, T, 8));
        OpNode h = g.op("split_heads", attrs("heads", 2), Shape.of(B, 2, T, 4), x);
        OpNode t = g.op("transpose", attrs("a", 2, "b", 3), Shape.of(B, 2, 4, T), h);
        OpNode back = g.op("transpose", attrs("a", 2, "b", 3), Shape.of(B, 2, T, 4), t);
        OpNode m = g.op("merge_heads", Map.of(), Shape.of(B, T, 8), back);
        OpNode sh = g.op("shift", attrs("steps", 1), m.shape(), m);
        OpNode k = g.constant(2.0);
        OpNode p = g.op("parameter", attrs("init", 0.0), Shape.of(8));
        ArchGraph graph = g.build(sh, k, p);
        assertThat(Cost.flops(graph, 10)).isZero();
    }

    @Test
    void aScanCostsOneStepPerPositionAndItsWeightsOnce() {
        ArchGraph body = CanonicalHashTest.stepBody("tanh"); // linear 4→4 (16 weights), add, tanh
        TestGraph g = new TestGraph();
        OpNode x = g.input("input", Shape.of(B, T, 4));
        // Whatever the scan node itself records, its body's weights count once.
        OpNode y = g.node("scan", attrs("axis", 1, "state", List.of(4)), x.shape(), 16, body, x);
        ArchGraph graph = g.build(y);
        // One step: linear 2·4·4 = 32, add 4, tanh 4 = 40; over T = 10 steps, 400.
        assertThat(Cost.flops(body, 10)).isEqualTo(40.0);
        assertThat(Cost.flops(graph, 10)).isEqualTo(400.0);
        assertThat(Cost.flopsPerToken(graph, 10)).isEqualTo(40.0);
        assertThat(Cost.parameters(graph)).isEqualTo(16);
    }

    @Test
    void unknownOpsAreAnError() {
        TestGraph g = new TestGraph();
        OpNode x = g.input("input", Shape.of(B, T, 4));
        ArchGraph graph = g.build(g.op("frobnicate", x));
        assertThatThrownBy(() -> Cost.flopsPerToken(graph, 8))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("frobnicate");
    }
}
