package archlab.sandbox.graph;

import java.io.StringWriter;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jgrapht.nio.Attribute;
import org.jgrapht.nio.DefaultAttribute;
import org.jgrapht.nio.dot.DOTExporter;

/**
 * Renders a graph as Graphviz DOT (JGraphT's {@link DOTExporter}); {@code dot -Tsvg} draws it.
 *
 * <ul>
 * <li>A node reads {@code op key=value ...} over its shape, such as {@code linear out=64} over
 *     {@code [B, T, 64]}; ops that own weights add their parameter count, a scan the size of its body.</li>
 * <li>Edges run from an operand to its reader, labelled with the operand's position when the reader
 *     has several operands and is not commutative.</li>
 * <li>Inputs and outputs are ellipses; ops with weights are filled light blue, the masking ops
 *     ({@code causal_mask}, {@code causal_zero}) orange; a scan is a double box.</li>
 * <li>A node's tooltip (shown in SVG) is its scope and source location.</li>
 * </ul>
 *
 * <p>Nodes are not grouped into clusters by scope: JGraphT 1.5.3's {@code DOTSubgraph} writes a
 * stray node named after each cluster when the cluster has attributes, and without attributes a
 * cluster inherits the graph's title as its label.
 */
public final class DotRenderer {
    private DotRenderer() {
    }

    /** The DOT text of {@code g}, titled {@code title} (may be null). */
    public static String render(ArchGraph g, String title) {
        Set<OpNode> outputs = new HashSet<>(g.outputs()); // OpNode compares by identity
        DOTExporter<OpNode, ArchGraph.OperandEdge> exporter = new DOTExporter<>(n -> "n" + n.id());
        exporter.setGraphIdProvider(() -> "arch");
        exporter.setGraphAttributeProvider(() -> {
            Map<String, Attribute> a = new LinkedHashMap<>();
            a.put("rankdir", DefaultAttribute.createAttribute("TB"));
            if (title != null && !title.isEmpty()) {
                a.put("label", DefaultAttribute.createAttribute(quote(title)));
                a.put("labelloc", DefaultAttribute.createAttribute("t"));
            }
            a.put("fontname", DefaultAttribute.createAttribute("Helvetica"));
            return a;
        });
        exporter.setVertexAttributeProvider(n -> vertexAttributes(n, outputs.contains(n)));
        exporter.setEdgeAttributeProvider(e -> {
            Map<String, Attribute> a = new LinkedHashMap<>();
            OpNode to = e.to();
            if (to.inputs().size() > 1 && !to.commutative()) {
                a.put("label", DefaultAttribute.createAttribute(Integer.toString(e.index())));
            }
            return a;
        });
        StringWriter w = new StringWriter();
        exporter.exportGraph(g.dag(), w);
        return w.toString();
    }

    private static Map<String, Attribute> vertexAttributes(OpNode n, boolean output) {
        Map<String, Attribute> a = new LinkedHashMap<>();
        a.put("label", DefaultAttribute.createAttribute(label(n)));
        String where = n.scope() == null || n.scope().isEmpty() ? "model" : n.scope();
        String tooltip = n.line() > 0 ? where + " at " + n.line() + ":" + n.col() : where;
        a.put("tooltip", DefaultAttribute.createAttribute(tooltip));
        boolean input = CanonicalHash.isInput(n);
        if (n.body() != null) {
            a.put("shape", DefaultAttribute.createAttribute("box"));
            a.put("peripheries", DefaultAttribute.createAttribute(2));
        } else {
            a.put("shape", DefaultAttribute.createAttribute(input || output ? "ellipse" : "box"));
        }
        if (output) {
            a.put("penwidth", DefaultAttribute.createAttribute(2));
        }
        String fill = null;
        if (n.op().equals("causal_mask") || n.op().equals("causal_zero")) {
            fill = "orange";
        } else if (n.weights() > 0 && n.body() == null) {
            fill = "lightblue";
        }
        if (fill != null) {
            a.put("style", DefaultAttribute.createAttribute("filled"));
            a.put("fillcolor", DefaultAttribute.createAttribute(fill));
        }
        return a;
    }

    /** {@code linear out=64\n[B, T, 64] · 4096 params}, with DOT's {@code \n} escape. */
    static String label(OpNode n) {
        StringBuilder b = new StringBuilder(n.op());
        if (n.op().equals("const")) {
            b.append(' ').append(DefinitionDiff.display(n.attrs().get("value")));
        } else {
            for (Map.Entry<String, Object> e : n.attrs().entrySet()) {
                if (!Boolean.FALSE.equals(e.getValue())) {
                    b.append(' ').append(e.getKey()).append('=').append(DefinitionDiff.display(e.getValue()));
                }
            }
        }
        b.append("\\n").append(n.shape());
        if (n.body() != null) {
            long params = Cost.parameters(n.body());
            b.append("\\nbody: ").append(n.body().dag().vertexSet().size()).append(" ops");
            if (params > 0) {
                b.append(", ").append(params).append(" params");
            }
        } else if (n.weights() > 0) {
            b.append(" · ").append(n.weights()).append(n.weights() == 1 ? " param" : " params");
        }
        return b.toString();
    }

    /**
     * A DOT string literal. JGraphT writes graph attributes raw, so a string value must carry its
     * own quotes; line breaks become DOT's {@code \n}.
     */
    static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r\n", "\\n").replace("\n", "\\n")
                + '"';
    }
}
