package archlab.sandbox.graph;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import org.jgrapht.graph.AsSubgraph;
import org.jgrapht.nio.Attribute;
import org.jgrapht.nio.DefaultAttribute;
import org.jgrapht.nio.dot.DOTExporter;
import org.jgrapht.nio.dot.DOTSubgraph;

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
 * <li>Nodes are grouped into a cluster per top scope segment ({@code layer[0]}, {@code layer[1]}, ...);
 *     model-level nodes stay outside.</li>
 * </ul>
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
                a.put("label", DefaultAttribute.createAttribute(title));
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
        exporter.setSubgraphProvider(() -> clusters(g));
        StringWriter w = new StringWriter();
        exporter.exportGraph(g.dag(), w);
        return w.toString();
    }

    private static Map<String, Attribute> vertexAttributes(OpNode n, boolean output) {
        Map<String, Attribute> a = new LinkedHashMap<>();
        a.put("label", DefaultAttribute.createAttribute(label(n)));
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

    /** One cluster per top scope segment, in order of first appearance. */
    private static Map<String, DOTSubgraph<OpNode, ArchGraph.OperandEdge>> clusters(ArchGraph g) {
        Map<String, Set<OpNode>> groups = new LinkedHashMap<>();
        List<OpNode> nodes = new ArrayList<>(g.dag().vertexSet());
        nodes.sort(Comparator.comparingInt(OpNode::id));
        for (OpNode n : nodes) {
            String scope = n.scope() == null ? "" : n.scope();
            if (scope.isEmpty()) {
                continue;
            }
            int slash = scope.indexOf('/');
            String top = slash < 0 ? scope : scope.substring(0, slash);
            groups.computeIfAbsent(top, k -> new LinkedHashSet<>()).add(n);
        }
        Map<String, DOTSubgraph<OpNode, ArchGraph.OperandEdge>> out = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, Set<OpNode>> e : groups.entrySet()) {
            Map<String, Attribute> attrs = new LinkedHashMap<>();
            attrs.put("label", DefaultAttribute.createAttribute(quote(e.getKey())));
            attrs.put("style", DefaultAttribute.createAttribute("rounded"));
            attrs.put("color", DefaultAttribute.createAttribute("gray60"));
            AsSubgraph<OpNode, ArchGraph.OperandEdge> sub = new AsSubgraph<>(g.dag(), e.getValue(), Set.of());
            out.put("cluster_" + i++, new DOTSubgraph<>(sub, attrs, Map.of(), true, false));
        }
        return out;
    }

    /** Subgraph attributes are written raw, so a string value carries its own quotes. */
    private static String quote(String s) {
        StringJoiner j = new StringJoiner("", "\"", "\"");
        j.add(s.replace("\\", "\\\\").replace("\"", "\\\""));
        return j.toString();
    }
}
