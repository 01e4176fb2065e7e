package archlab.knowledge.similarity;

import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.OpNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Weisfeiler-Lehman subtree features of a definition's graph: a sparse count vector that the similarity
 * index compares by cosine (the normalised WL kernel) and that the value model reads as features.
 *
 * <p>The format is stable ({@link #VERSION}); a change of it changes the version. Keys are:
 * <ul>
 * <li>{@code 0:LABEL}: iteration 0, one per node, with the node's readable label ({@link #label}): the op,
 *     its attributes with sizes written relative to the operand ({@link Sizes}; {@code out=x4} for a
 *     four-times-wider {@code linear}, {@code out=vocab} for the logits), constants by sign and power of two,
 *     and the shape pattern ({@code [B,n,T,T]}). Absolute widths are left out, so the same design at
 *     {@code d = 64} and {@code d = 128} shares these features.</li>
 * <li>{@code i:HEX} for {@code i = 1..iterations}: the node's label after {@code i} rounds of WL
 *     relabelling, the SHA-256 (16 hex digits) of its previous label, its operands' previous labels in
 *     argument order (sorted for commutative ops) and its readers' previous labels with the operand
 *     position they read. A feature of round {@code i} describes the node's neighbourhood of radius
 *     {@code i} in both directions.</li>
 * <li>{@code size:width:K} and {@code size:params:K}: the coarse size buckets, {@code K = floor(log2)} of the
 *     model width ({@code embed}'s dim) and of the parameter count; one each. Two widths of one design are
 *     therefore similar (about 0.99) but not equal.</li>
 * <li>{@code scan>KEY}: the features of a {@code scan}'s step graph, computed the same way.</li>
 * </ul>
 * Node ids, scopes, names and source positions never enter a feature, so renaming values or blocks, or
 * reordering statements, gives the same vector.
 */
public final class WlFeatures {
    /** The version of the feature format. */
    public static final String VERSION = "wl1";
    /** Two rounds: each feature sees its neighbours' neighbours. */
    public static final int DEFAULT_ITERATIONS = 2;
    private static final HexFormat HEX = HexFormat.of();

    private WlFeatures() {
    }

    /** The features with {@link #DEFAULT_ITERATIONS} rounds. */
    public static Map<String, Integer> of(ArchGraph g) {
        return of(g, DEFAULT_ITERATIONS);
    }

    /**
     * The WL feature counts of {@code g} after {@code iterations} rounds (0 gives the label histogram
     * only), sorted by key.
     */
    public static Map<String, Integer> of(ArchGraph g, int iterations) {
        if (iterations < 0) {
            throw new IllegalArgumentException("iterations must be >= 0, got " + iterations);
        }
        Map<String, Integer> out = new TreeMap<>();
        collect(g, iterations, "", Sizes.vocab(g), out);
        long params = 0;
        int width = 0;
        for (OpNode n : g.dag().vertexSet()) {
            params += n.weights() + (n.body() == null ? 0 : bodyWeights(n.body()));
            if (n.op().equals("embed") && n.attrs().get("dim") instanceof Number d) {
                width = Math.max(width, d.intValue());
            }
        }
        if (width > 0) {
            out.put("size:width:" + log2(width), 1);
        }
        if (params > 0) {
            out.put("size:params:" + log2(params), 1);
        }
        return Collections.unmodifiableMap(out);
    }

    private static void collect(ArchGraph g, int iterations, String prefix, int vocab, Map<String, Integer> out) {
        List<OpNode> nodes = g.nodes();
        Map<OpNode, Integer> index = new IdentityHashMap<>();
        for (OpNode n : nodes) {
            index.put(n, index.size());
        }
        int count = nodes.size();
        int[][] operands = new int[count][];
        List<List<int[]>> readers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            readers.add(new ArrayList<>());
        }
        for (int i = 0; i < count; i++) {
            OpNode n = nodes.get(i);
            operands[i] = new int[n.inputs().size()];
            for (int k = 0; k < n.inputs().size(); k++) {
                Integer o = index.get(n.inputs().get(k));
                operands[i][k] = o == null ? -1 : o;
                if (o != null) {
                    readers.get(o).add(new int[] {i, n.commutative() ? -1 : k});
                }
            }
        }
        String[] labels = new String[count];
        for (int i = 0; i < count; i++) {
            OpNode n = nodes.get(i);
            labels[i] = label(n, g.outputs().contains(n) ? vocab : 0);
            add(out, prefix + "0:" + labels[i]);
            if (n.body() != null) {
                collect(n.body(), iterations, prefix + "scan>", vocab, out);
            }
        }
        for (int round = 1; round <= iterations; round++) {
            String[] next = new String[count];
            for (int i = 0; i < count; i++) {
                OpNode n = nodes.get(i);
                List<String> in = new ArrayList<>(operands[i].length);
                for (int o : operands[i]) {
                    in.add(o < 0 ? "?" : labels[o]);
                }
                if (n.commutative()) {
                    Collections.sort(in);
                }
                List<String> uses = new ArrayList<>(readers.get(i).size());
                for (int[] r : readers.get(i)) {
                    uses.add(labels[r[0]] + "@" + (r[1] < 0 ? "*" : Integer.toString(r[1])));
                }
                Collections.sort(uses);
                next[i] = hash(labels[i] + "|<" + String.join(",", in) + "|>" + String.join(",", uses));
                add(out, prefix + round + ":" + next[i]);
            }
            labels = next;
        }
    }

    private static long bodyWeights(ArchGraph body) {
        long w = 0;
        for (OpNode n : body.dag().vertexSet()) {
            w += n.weights() + (n.body() == null ? 0 : bodyWeights(n.body()));
        }
        return w;
    }

    private static int log2(long v) {
        return 63 - Long.numberOfLeadingZeros(v);
    }

    private static void add(Map<String, Integer> out, String key) {
        out.merge(key, 1, Integer::sum);
    }

    /**
     * The readable label of a node, iteration 0 of the WL relabelling: the op, its attributes (sizes
     * relative to the operand, constants by sign and power of two, other numbers to three significant digits,
     * absolute widths of {@code embed} and {@code scan} state left out) and its shape pattern.
     *
     * @param vocab the graph's vocabulary ({@link Sizes#vocab}) when {@code n} is a graph output, so that the
     *              logits' {@code linear(x, vocab)} reads {@code out=vocab}; 0 otherwise
     */
    public static String label(OpNode n, int vocab) {
        StringBuilder b = new StringBuilder(n.op());
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Object> e : n.attrs().entrySet()) {
            String key = e.getKey();
            Object v = e.getValue();
            if (n.op().equals("embed") || n.op().equals("scan") && key.equals("state")) {
                continue; // widths: the size features carry them
            }
            Integer ref = Sizes.referenceDim(n, key);
            if (ref != null && v instanceof Number num) {
                parts.add(key + "=" + Sizes.relate(num.intValue(), ref, vocab).label());
            } else if (n.op().equals("const") && v instanceof Number num) {
                parts.add(key + "=" + magnitude(num.doubleValue()));
            } else {
                parts.add(key + "=" + value(v));
            }
        }
        if (!parts.isEmpty()) {
            b.append('{').append(String.join(",", parts)).append('}');
        }
        b.append(Sizes.pattern(n.shape()));
        return b.toString();
    }

    /** A constant by sign and power of two: {@code 2^-1} for 0.5 and 0.7, {@code -2^0} for -1. */
    private static String magnitude(double v) {
        if (v == 0) {
            return "0";
        }
        return (v < 0 ? "-" : "") + "2^" + (int) Math.floor(Math.log(Math.abs(v)) / Math.log(2) + 1e-9);
    }

    private static String value(Object v) {
        if (v instanceof Boolean bool) {
            return bool ? "T" : "F";
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (d == Math.rint(d) && Math.abs(d) < 1e6) {
                return Long.toString((long) d);
            }
            return String.format(Locale.ROOT, "%.3g", d);
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

    /**
     * The cosine of two feature-count vectors: the normalised WL kernel, in [0, 1]; 1 for equal
     * vectors, 0 when either is empty or they share no feature.
     */
    public static double cosine(Map<String, ? extends Number> a, Map<String, ? extends Number> b) {
        if (a.size() > b.size()) {
            Map<String, ? extends Number> t = a;
            a = b;
            b = t;
        }
        double dot = 0;
        for (Map.Entry<String, ? extends Number> e : a.entrySet()) {
            Number o = b.get(e.getKey());
            if (o != null) {
                dot += e.getValue().doubleValue() * o.doubleValue();
            }
        }
        double na = norm(a);
        double nb = norm(b);
        if (na == 0 || nb == 0) {
            return 0;
        }
        return Math.min(1.0, dot / (na * nb));
    }

    private static double norm(Map<String, ? extends Number> v) {
        double s = 0;
        for (Number x : v.values()) {
            s += x.doubleValue() * x.doubleValue();
        }
        return Math.sqrt(s);
    }

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    });

    private static String hash(String text) {
        MessageDigest md = SHA256.get();
        md.reset();
        byte[] d = md.digest(text.getBytes(StandardCharsets.UTF_8));
        return HEX.formatHex(d, 0, 8);
    }
}
