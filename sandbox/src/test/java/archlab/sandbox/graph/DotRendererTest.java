package archlab.sandbox.graph;

import static archlab.sandbox.graph.TestGraph.attrs;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.util.Map;
import org.jgrapht.Graph;
import org.jgrapht.graph.DefaultEdge;
import org.jgrapht.graph.DirectedPseudograph;
import org.jgrapht.nio.dot.DOTImporter;
import org.jgrapht.util.SupplierUtil;
import org.junit.jupiter.api.Test;

class DotRendererTest {

    private static ArchGraph graph() {
        TestGraph g = new TestGraph();
        OpNode x = g.embed(g.tokens(), 8, 16);
        for (int i = 0; i < 2; i++) {
            g.at("layer[" + i + "]/mixer", 5, 9);
            OpNode q = g.linear(x, 8);
            OpNode s = g.op("sub", q, x);
            OpNode m = g.op("causal_mask", attrs("window", 0), Shape.of(TestGraph.B, TestGraph.T, TestGraph.T),
                    g.op("matmul", Map.of(), Shape.of(TestGraph.B, TestGraph.T, TestGraph.T), s,
                            g.op("transpose", attrs("a", 1, "b", 2), Shape.of(TestGraph.B, 8, TestGraph.T), q)));
            OpNode o = g.op("matmul", Map.of(), x.shape(), g.op("softmax", attrs("dim", 2), m.shape(), m), x);
            g.at("layer[" + i + "]", 6, 12);
            x = g.op("add", x, o);
        }
        g.at("", 9, 5);
        OpNode y = g.scan(CanonicalHashTest.stepBody("tanh"), x.shape(),
                attrs("axis", 1, "state", java.util.List.of(8)), x);
        return g.build(g.linear(y, 16));
    }

    @Test
    void rendersOpsShapesAndStyles() {
        String dot = DotRenderer.render(graph(), "tiny \"model\"");
        assertThat(dot).startsWith("digraph");
        assertThat(dot).contains("embed dim=8 vocab=16\\n[B, T, 8] · 128 params");
        assertThat(dot).contains("linear out=8\\n[B, T, 8] · 64 params");
        assertThat(dot).contains("causal_mask window=0\\n[B, T, T]");
        assertThat(dot).contains("scan axis=1 state=[8]\\n[B, T, 8]\\nbody: 5 ops, 16 params");
        assertThat(dot).contains("fillcolor=\"lightblue\"").contains("fillcolor=\"orange\"");
        assertThat(dot).contains("peripheries=\"2\"").contains("shape=\"ellipse\"");
        assertThat(dot).contains("label=\"tiny \\\"model\\\"\";");
        assertThat(dot).contains("tooltip=\"layer[1]/mixer at 5:9\"");
    }

    @Test
    void labelsOperandsOnlyWhereTheirOrderMatters() {
        TestGraph g = new TestGraph();
        OpNode x = g.embed(g.tokens(), 8, 16);
        OpNode s = g.op("sigmoid", x);
        OpNode d = g.op("sub", x, s);
        String dot = DotRenderer.render(g.build(g.op("add", d, s)), null);
        assertThat(dot).contains("n1 -> n3 [ label=\"0\" ]").contains("n2 -> n3 [ label=\"1\" ]");
        assertThat(dot).contains("n3 -> n4 [ ];").contains("n2 -> n4 [ ];");
    }

    @Test
    void parsesAsADigraph() {
        ArchGraph arch = graph();
        String dot = DotRenderer.render(arch, "tiny");
        Graph<String, DefaultEdge> parsed = new DirectedPseudograph<>(SupplierUtil.createStringSupplier(),
                SupplierUtil.DEFAULT_EDGE_SUPPLIER, false);
        new DOTImporter<String, DefaultEdge>().importGraph(parsed, new StringReader(dot));
        assertThat(parsed.vertexSet()).hasSize(arch.dag().vertexSet().size());
        assertThat(parsed.edgeSet()).hasSize(arch.dag().edgeSet().size());
    }
}
