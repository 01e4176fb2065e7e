package archlab.knowledge.mining;

import archlab.knowledge.similarity.Sizes;
import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.graph.Shape;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A definition's graph prepared for pattern mining: nodes numbered in topological order (operands
 * first), operand and reader lists as int arrays, and each node's mining label.
 *
 * <p>Nodes are of three kinds:
 * <ul>
 * <li>{@link #OP}: an operation that a pattern may contain (everything but the below);</li>
 * <li>{@link #LEAF}: {@code const} and {@code parameter}, which have no operands: a pattern always
 *     includes the leaves its ops read (a constant or a weight belongs to the op that reads it) and they
 *     do not count towards its size;</li>
 * <li>{@link #BOUNDARY}: the model's input, a {@code scan} (its step graph is not mined) and the inputs of
 *     a step graph: never inside a pattern, only its inputs.</li>
 * </ul>
 *
 * <p>A mining label is exact enough to write the op back as source: the op, every attribute (sizes of
 * {@code linear} and {@code slice} relative to their operand, see {@link Sizes}; {@code embed}'s width and
 * a {@code parameter}'s shape literally). A node seen from outside a pattern, as one of its inputs, has a
 * placeholder label: its shape pattern ({@code $[B,T,n]}), the mask of a score matrix, or
 * {@code $tokens} for the model's token ids.
 */
final class PatternGraph {
    static final byte OP = 0;
    static final byte LEAF = 1;
    static final byte BOUNDARY = 2;

    final ArchGraph graph;
    final OpNode[] nodes;
    final Map<OpNode, Integer> index = new IdentityHashMap<>();
    final int size;
    final int[][] operands;
    /** Distinct operands of kind OP: the nodes a pattern rooted here may grow into. */
    final int[][] extensions;
    final int[][] readers;
    final byte[] kind;
    final String[] label;
    final String[] placeholderLabel;
    final long[] labelHash;
    final long[] placeholderHash;
    final boolean[] commutative;
    final boolean[] output;
    /** Size attributes of linear and slice, as written back: attribute name to relation. */
    final List<Map<String, Sizes.Relation>> relations;
    final int vocab;

    PatternGraph(ArchGraph graph) {
        this.graph = graph;
        List<OpNode> order = graph.nodes();
        // Operands outside the vertex set cannot occur in a checked graph, but stay safe.
        Set<OpNode> all = new LinkedHashSet<>(order);
        for (OpNode n : order) {
            all.addAll(n.inputs());
        }
        List<OpNode> sorted = new ArrayList<>(all);
        sorted.sort((a, b) -> Integer.compare(a.id(), b.id()));
        size = sorted.size();
        nodes = sorted.toArray(new OpNode[0]);
        for (int i = 0; i < size; i++) {
            index.put(nodes[i], i);
        }
        vocab = Sizes.vocab(graph);
        operands = new int[size][];
        extensions = new int[size][];
        readers = new int[size][];
        kind = new byte[size];
        label = new String[size];
        placeholderLabel = new String[size];
        labelHash = new long[size];
        placeholderHash = new long[size];
        commutative = new boolean[size];
        output = new boolean[size];
        relations = new ArrayList<>(size);
        List<List<Integer>> readerLists = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            readerLists.add(new ArrayList<>());
        }
        for (OpNode o : graph.outputs()) {
            Integer i = index.get(o);
            if (i != null) {
                output[i] = true;
            }
        }
        for (int i = 0; i < size; i++) {
            OpNode n = nodes[i];
            kind[i] = kindOf(n);
            commutative[i] = n.commutative();
            operands[i] = new int[n.inputs().size()];
            List<Integer> ext = new ArrayList<>();
            for (int k = 0; k < operands[i].length; k++) {
                int o = index.get(n.inputs().get(k));
                operands[i][k] = o;
                if (!readerLists.get(o).contains(i)) {
                    readerLists.get(o).add(i);
                }
                if (kindOf(nodes[o]) == OP && !ext.contains(o)) {
                    ext.add(o);
                }
            }
            extensions[i] = ext.stream().mapToInt(Integer::intValue).toArray();
            Map<String, Sizes.Relation> rel = new TreeMap<>();
            label[i] = label(n, output[i] ? vocab : 0, rel);
            relations.add(rel);
            placeholderLabel[i] = placeholder(n);
            labelHash[i] = Hash64.of(label[i]);
            placeholderHash[i] = Hash64.of(placeholderLabel[i]);
        }
        for (int i = 0; i < size; i++) {
            readers[i] = readerLists.get(i).stream().mapToInt(Integer::intValue).toArray();
        }
    }

    static byte kindOf(OpNode n) {
        return switch (n.op()) {
            case "const", "parameter" -> LEAF;
            case "input", "scan", "scan_state", "scan_input" -> BOUNDARY;
            default -> OP;
        };
    }

    private static String label(OpNode n, int vocab, Map<String, Sizes.Relation> relations) {
        StringBuilder b = new StringBuilder(n.op());
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Object> e : n.attrs().entrySet()) {
            String key = e.getKey();
            if (n.op().equals("embed") && key.equals("vocab")) {
                continue; // the task's, not the design's
            }
            Integer ref = Sizes.referenceDim(n, key);
            if (ref != null && e.getValue() instanceof Number num) {
                Sizes.Relation r = Sizes.relate(num.intValue(), ref, key.equals("out") ? vocab : 0);
                relations.put(key, r);
                parts.add(key + "=" + r.label());
            } else {
                parts.add(key + "=" + value(e.getValue()));
            }
        }
        if (!parts.isEmpty()) {
            b.append('{').append(String.join(",", parts)).append('}');
        }
        if (n.op().equals("parameter")) {
            b.append(n.shape());
        }
        return b.toString();
    }

    private static String placeholder(OpNode n) {
        if (n.op().equals("input")) {
            return "$tokens";
        }
        String p = "$" + Sizes.pattern(n.shape());
        if (n.shape().isScoreMatrix()) {
            p += "~" + n.mask().name().toLowerCase(Locale.ROOT);
        }
        return p;
    }

    /** An attribute value, exactly and by value (an Integer 2 and a Double 2.0 alike). */
    static String value(Object v) {
        if (v instanceof Boolean bool) {
            return bool ? "T" : "F";
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (d == Math.rint(d) && Math.abs(d) < 1e15 && !(d == 0 && 1 / d < 0)) {
                return Long.toString((long) d);
            }
            return Double.toString(d);
        }
        if (v instanceof Number num) {
            return Long.toString(num.longValue());
        }
        if (v instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            for (Object o : list) {
                items.add(value(o));
            }
            return "[" + String.join(",", items) + "]";
        }
        return String.valueOf(v);
    }

    /** The shape of node {@code i}. */
    Shape shape(int i) {
        return nodes[i].shape();
    }
}
