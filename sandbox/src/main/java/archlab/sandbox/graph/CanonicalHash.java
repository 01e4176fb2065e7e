package archlab.sandbox.graph;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The canonical hash of a definition: a SHA-256 that names the computation, not the text.
 *
 * <p>Two definitions that differ only in value or block names, statement order, formatting,
 * comments or block structure (blocks are inlined before a graph exists) hash alike. Any change of an
 * op, an attribute (sizes, constants, axes, flags), a shape or the wiring changes the hash, and so
 * does weight sharing: {@code q = linear(x, d); k = q} hashes differently from two separate
 * {@code linear} calls, because each call owns its weights.
 *
 * <p>The scheme:
 * <ol>
 * <li>A Merkle hash per node, bottom-up: SHA-256 of the op, its attributes in key order, its shape,
 *     the hashes of its operands in argument order (sorted for {@link OpNode#commutative()} ops) and,
 *     for a {@code scan}, the canonical hash of its step graph. Input nodes ({@code input},
 *     {@code scan_state}, {@code scan_input}) also carry their position in {@link ArchGraph#inputs()}.
 *     The Merkle hash identifies the value a node computes as a term, so two separate calls of the
 *     same op on the same operands get the same Merkle hash.</li>
 * <li>A canonical serialisation: a depth-first walk from the outputs in order, visiting operands in
 *     argument order (for commutative ops, by Merkle hash, ties broken by a top-down hash of the
 *     node's uses), numbering nodes on first visit and writing each as its op, attributes, shape and
 *     operands. A node met again is written as a back-reference to its number, which is what tells
 *     shared weights from separate ones. Nodes that no output reaches are appended as the sorted list
 *     of their Merkle hashes.</li>
 * <li>The SHA-256 of that serialisation, as 64 lowercase hex digits.</li>
 * </ol>
 *
 * <p>Node ids, scopes, files, lines and columns never enter the hash, nor does the derived mask.
 * Numbers are compared by value: an Integer 2 and a Double 2.0 serialise alike, and a Double is
 * written exactly ({@link Double#toString}), so {@code 0.5} and {@code 0.50} agree.
 */
public final class CanonicalHash {
    private static final HexFormat HEX = HexFormat.of();

    private CanonicalHash() {
    }

    /** The canonical hash of a graph: 64 lowercase hex digits. */
    public static String of(ArchGraph g) {
        return sha256(serialise(g));
    }

    /**
     * The Merkle hash of every node of {@code g} (not of its scan bodies), as 64 hex digits. Equal
     * hashes mean equal terms: same ops, attributes and shapes all the way down to the inputs. They say
     * nothing about sharing; see {@link #of}.
     */
    public static Map<OpNode, String> merkle(ArchGraph g) {
        return Collections.unmodifiableMap(new Merkle(g).hashes);
    }

    /** The text that {@link #of} hashes; for tests and debugging. */
    static String serialise(ArchGraph g) {
        Merkle m = new Merkle(g);
        Map<OpNode, String> ctx = contextHashes(g, m);
        Map<OpNode, String> deep = deepContextHashes(m, ctx);
        Comparator<OpNode> operandOrder = Comparator.<OpNode, String>comparing(m.hashes::get)
                .thenComparing(ctx::get).thenComparing(deep::get);

        StringBuilder out = new StringBuilder();
        out.append("inputs ").append(g.inputs().size());
        for (OpNode in : g.inputs()) {
            out.append(' ').append(in.op()).append(shape(in.shape()));
        }
        out.append('\n');

        Map<OpNode, Integer> number = new IdentityHashMap<>();
        Deque<Frame> stack = new ArrayDeque<>();
        for (int j = 0; j < g.outputs().size(); j++) {
            out.append("out").append(j).append(' ');
            enter(g.outputs().get(j), number, stack, out, m, operandOrder);
            while (!stack.isEmpty()) {
                Frame f = stack.peek();
                if (f.next < f.operands.size()) {
                    out.append(' ');
                    enter(f.operands.get(f.next++), number, stack, out, m, operandOrder);
                } else {
                    out.append(')');
                    stack.pop();
                }
            }
            out.append('\n');
        }

        List<String> dead = new ArrayList<>();
        for (OpNode n : m.hashes.keySet()) {
            if (!number.containsKey(n)) {
                dead.add(m.hashes.get(n));
            }
        }
        Collections.sort(dead);
        out.append("dead ").append(dead.size());
        for (String h : dead) {
            out.append(' ').append(h);
        }
        out.append('\n');
        return out.toString();
    }

    /** A node whose operands are being written; {@code next} is the next operand to visit. */
    private static final class Frame {
        final List<OpNode> operands;
        int next;

        Frame(List<OpNode> operands) {
            this.operands = operands;
        }
    }

    private static void enter(OpNode n, Map<OpNode, Integer> number, Deque<Frame> stack, StringBuilder out,
                              Merkle m, Comparator<OpNode> operandOrder) {
        Integer seen = number.get(n);
        if (seen != null) {
            out.append('#').append(seen);
            return;
        }
        number.put(n, number.size());
        out.append('(').append(m.label(n));
        List<OpNode> operands = n.inputs();
        if (n.commutative()) {
            operands = new ArrayList<>(operands);
            // Twins (equal Merkle and context hashes) are interchangeable; once numbered, order them
            // by number so that a + b and b + a of the same twins serialise alike.
            operands.sort(operandOrder.thenComparingInt(o -> number.getOrDefault(o, Integer.MAX_VALUE)));
        }
        stack.push(new Frame(operands));
    }

    /**
     * A top-down hash: a node's Merkle hash together with how it is used (the context hashes of its
     * readers, with the operand position for non-commutative readers, and its output positions). It
     * only breaks ties between operands of a commutative op that have the same Merkle hash.
     */
    private static Map<OpNode, String> contextHashes(ArchGraph g, Merkle m) {
        Map<OpNode, List<String>> uses = new IdentityHashMap<>();
        for (int j = 0; j < g.outputs().size(); j++) {
            uses.computeIfAbsent(g.outputs().get(j), k -> new ArrayList<>()).add("out" + j);
        }
        List<OpNode> order = m.order;
        Map<OpNode, String> ctx = new IdentityHashMap<>();
        for (int i = order.size() - 1; i >= 0; i--) {
            OpNode n = order.get(i);
            List<String> u = uses.getOrDefault(n, new ArrayList<>());
            Collections.sort(u);
            String h = sha256(m.hashes.get(n) + "|" + String.join(",", u));
            ctx.put(n, h);
            List<OpNode> in = n.inputs();
            for (int k = 0; k < in.size(); k++) {
                uses.computeIfAbsent(in.get(k), x -> new ArrayList<>())
                        .add(h + ":" + (n.commutative() ? "*" : Integer.toString(k)));
            }
        }
        return ctx;
    }

    /**
     * A bottom-up hash of the context hashes of a node and everything below it. Two operands of a
     * commutative op can be equal terms used alike and still differ in what they share below: in
     * {@code a * b} with {@code a = f(f(x))}, {@code b = f(f(x))} and the inner {@code f(x)} of
     * {@code a} also read elsewhere, writing {@code a} or {@code b} first changes where the back-reference
     * to the shared node falls. This hash tells them apart (the property test found such a pair).
     */
    private static Map<OpNode, String> deepContextHashes(Merkle m, Map<OpNode, String> ctx) {
        Map<OpNode, String> deep = new IdentityHashMap<>();
        for (OpNode n : m.order) {
            List<String> in = new ArrayList<>(n.inputs().size());
            for (OpNode x : n.inputs()) {
                in.add(deep.get(x));
            }
            if (n.commutative()) {
                Collections.sort(in);
            }
            deep.put(n, sha256(ctx.get(n) + "(" + String.join(",", in) + ")"));
        }
        return deep;
    }

    /** Merkle hashes, computed over a topological order (operands first) of every node. */
    static final class Merkle {
        final Map<OpNode, String> hashes = new IdentityHashMap<>();
        final List<OpNode> order;
        private final Map<OpNode, Integer> inputPosition = new IdentityHashMap<>();
        private final Map<OpNode, String> labels = new IdentityHashMap<>();

        Merkle(ArchGraph g) {
            for (int i = 0; i < g.inputs().size(); i++) {
                inputPosition.putIfAbsent(g.inputs().get(i), i);
            }
            order = topologicalOrder(g);
            for (OpNode n : order) {
                List<String> in = new ArrayList<>(n.inputs().size());
                for (OpNode x : n.inputs()) {
                    in.add(hashes.get(x));
                }
                if (n.commutative()) {
                    Collections.sort(in);
                }
                hashes.put(n, sha256(label(n) + "(" + String.join(",", in) + ")"));
            }
        }

        /** Everything about a node but its operands. */
        String label(OpNode n) {
            String l = labels.get(n);
            if (l == null) {
                StringBuilder b = new StringBuilder(n.op());
                if (isInput(n)) {
                    b.append('@').append(inputPosition.getOrDefault(n, -1));
                }
                b.append(attributes(n));
                b.append(shape(n.shape()));
                if (n.body() != null) {
                    b.append("{body ").append(of(n.body())).append('}');
                }
                l = b.toString();
                labels.put(n, l);
            }
            return l;
        }
    }

    static boolean isInput(OpNode n) {
        return switch (n.op()) {
            case "input", "scan_state", "scan_input" -> true;
            default -> false;
        };
    }

    /**
     * Every node of the graph (its vertices and anything their operands reach), operands before
     * readers. Among nodes that are ready at the same time the lower id comes first, so for graphs whose
     * ids are in creation order this is id order.
     */
    static List<OpNode> topologicalOrder(ArchGraph g) {
        // Collect the nodes: the vertices, the inputs, the outputs and whatever their operands reach.
        Set<OpNode> all = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<OpNode> work = new ArrayDeque<>();
        work.addAll(g.dag().vertexSet());
        work.addAll(g.inputs());
        work.addAll(g.outputs());
        while (!work.isEmpty()) {
            OpNode n = work.pop();
            if (all.add(n)) {
                work.addAll(n.inputs());
            }
        }
        Map<OpNode, Integer> pending = new IdentityHashMap<>();
        Map<OpNode, List<OpNode>> readers = new IdentityHashMap<>();
        PriorityQueue<OpNode> ready = new PriorityQueue<>(Comparator.comparingInt(OpNode::id));
        for (OpNode n : all) {
            Set<OpNode> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
            distinct.addAll(n.inputs());
            pending.put(n, distinct.size());
            for (OpNode x : distinct) {
                readers.computeIfAbsent(x, k -> new ArrayList<>()).add(n);
            }
            if (distinct.isEmpty()) {
                ready.add(n);
            }
        }
        List<OpNode> order = new ArrayList<>(all.size());
        while (!ready.isEmpty()) {
            OpNode n = ready.poll();
            order.add(n);
            for (OpNode r : readers.getOrDefault(n, List.of())) {
                if (pending.merge(r, -1, Integer::sum) == 0) {
                    ready.add(r);
                }
            }
        }
        if (order.size() != all.size()) {
            throw new IllegalStateException("the graph has a cycle");
        }
        return order;
    }

    /** Attributes in key order, values compared by value ({@code {bias=F,out=64}}). */
    static String attributes(OpNode n) {
        if (n.attrs().isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, Object> e : n.attrs().entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            b.append(e.getKey()).append('=').append(value(e.getValue()));
        }
        return b.append('}').toString();
    }

    /** An attribute value, exactly and by value. */
    static String value(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Boolean bool) {
            return bool ? "T" : "F";
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return Long.toString(((Number) v).longValue());
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            boolean negativeZero = d == 0 && Double.doubleToRawLongBits(d) != 0;
            if (d == Math.rint(d) && Math.abs(d) < 1e18 && !negativeZero) {
                return Long.toString((long) d);
            }
            return Double.toString(d);
        }
        if (v instanceof List<?> list) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                b.append(value(list.get(i)));
            }
            return b.append(']').toString();
        }
        if (v instanceof String s) {
            return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }
        return v.getClass().getSimpleName() + ":" + v;
    }

    static String shape(Shape s) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < s.rank(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(Shape.dimName(s.dim(i)));
        }
        return b.append(']').toString();
    }

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    });

    static String sha256(String text) {
        MessageDigest md = SHA256.get();
        md.reset();
        return HEX.formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
