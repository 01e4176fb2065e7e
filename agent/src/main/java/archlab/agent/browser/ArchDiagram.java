package archlab.agent.browser;

import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.OpNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The architecture graph as a diagram: the definition's graph of primitive ops (the sandbox's
 * JGraphT DAG), constants folded into their users, drawn top to bottom in layers. Each op sits one layer below its deepest operand; within a
 * layer, ops are ordered by the mean position of their operands (one barycentre pass), which keeps
 * most edges short for the chain-like graphs of sequence models.
 */
final class ArchDiagram {
    /** Beyond this many ops a diagram is not readable; the page says so instead. */
    static final int MAX_OPS = 600;
    private static final int BOX_W = 132;
    private static final int BOX_H = 34;
    private static final int GAP_X = 14;
    private static final int GAP_Y = 26;

    private ArchDiagram() {
    }

    static String svg(ArchGraph graph) {
        // Constants are folded into the op that uses them (its tooltip lists them): as nodes of their
        // own they sit in the first layer and their edges cross the whole drawing.
        List<OpNode> nodes = graph.nodes().stream().filter(n -> !BlockOutline.isConst(n)).toList();
        if (nodes.size() > MAX_OPS) {
            return "<p class=\"muted\">The graph has " + nodes.size() + " ops, too many to draw (at most " + MAX_OPS
                    + ").</p>";
        }
        Map<OpNode, Integer> layer = new HashMap<>();
        int depth = 0;
        for (OpNode n : nodes) {   // topological order: operands come first
            int l = 0;
            for (OpNode in : n.inputs()) {
                if (BlockOutline.isConst(in)) {
                    continue;
                }
                l = Math.max(l, layer.getOrDefault(in, 0) + 1);
            }
            layer.put(n, l);
            depth = Math.max(depth, l);
        }
        List<List<OpNode>> layers = new ArrayList<>();
        for (int i = 0; i <= depth; i++) {
            layers.add(new ArrayList<>());
        }
        nodes.forEach(n -> layers.get(layer.get(n)).add(n));
        Map<OpNode, Double> pos = new HashMap<>();
        int widest = 1;
        for (List<OpNode> l : layers) {
            for (OpNode n : l) {
                double sum = 0;
                int k = 0;
                for (OpNode in : n.inputs()) {
                    if (pos.containsKey(in)) {
                        sum += pos.get(in);
                        k++;
                    }
                }
                pos.put(n, k == 0 ? n.id() : sum / k);
            }
            l.sort(Comparator.comparingDouble(pos::get));
            for (int i = 0; i < l.size(); i++) {
                pos.put(l.get(i), (double) i);
            }
            widest = Math.max(widest, l.size());
        }
        int width = widest * (BOX_W + GAP_X) + GAP_X;
        int height = layers.size() * (BOX_H + GAP_Y) + GAP_Y;
        Map<OpNode, double[]> at = new HashMap<>();
        for (int li = 0; li < layers.size(); li++) {
            List<OpNode> l = layers.get(li);
            double offset = (width - l.size() * (BOX_W + GAP_X) + GAP_X) / 2.0;
            for (int i = 0; i < l.size(); i++) {
                at.put(l.get(i), new double[] {offset + i * (BOX_W + GAP_X), GAP_Y + li * (BOX_H + GAP_Y)});
            }
        }
        StringBuilder s = new StringBuilder();
        s.append("<svg class=\"arch zoomable\" id=\"arch-graph\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
                .append(width).append(' ').append(height).append("\" width=\"").append(Math.min(width, 1100))
                .append("\"><g class=\"edges\">");
        for (OpNode n : nodes) {
            double[] b = at.get(n);
            for (OpNode in : n.inputs()) {
                double[] a = at.get(in);
                if (a == null) {
                    continue;
                }
                s.append("<line x1=\"").append(f(a[0] + BOX_W / 2.0)).append("\" y1=\"").append(f(a[1] + BOX_H))
                        .append("\" x2=\"").append(f(b[0] + BOX_W / 2.0)).append("\" y2=\"").append(f(b[1])).append("\"/>");
            }
        }
        s.append("</g><g class=\"ops\">");
        for (OpNode n : nodes) {
            double[] p = at.get(n);
            String kind = n.inputs().isEmpty() ? "input" : n.weights() > 0 ? "weights" : n.body() != null ? "body" : "op";
            s.append("<g class=\"op ").append(kind).append("\"><title>").append(Html.esc(describe(n)))
                    .append("</title><rect x=\"").append(f(p[0])).append("\" y=\"").append(f(p[1])).append("\" width=\"")
                    .append(BOX_W).append("\" height=\"").append(BOX_H).append("\" rx=\"5\"/><text x=\"")
                    .append(f(p[0] + 6)).append("\" y=\"").append(f(p[1] + 14)).append("\">").append(Html.esc(clip(n.op(), 19)))
                    .append("</text><text class=\"shape\" x=\"").append(f(p[0] + 6)).append("\" y=\"").append(f(p[1] + 28))
                    .append("\">").append(Html.esc(clip(String.valueOf(n.shape()), 21))).append("</text></g>");
        }
        return s.append("</g></svg>").toString();
    }

    private static String describe(OpNode n) {
        StringBuilder b = new StringBuilder(n.op());
        if (!n.attrs().isEmpty()) {
            b.append(' ').append(n.attrs());
        }
        b.append("\nshape ").append(n.shape()).append(BlockOutline.describeConstants(n));
        if (n.weights() > 0) {
            b.append("\nweights ").append(n.weights());
        }
        if (n.scope() != null && !n.scope().isEmpty()) {
            b.append("\nin ").append(n.scope());
        }
        b.append("\nat ").append(n.location());
        return b.toString();
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
