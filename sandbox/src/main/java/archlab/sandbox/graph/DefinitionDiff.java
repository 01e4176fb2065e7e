package archlab.sandbox.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * A structural diff between two graphs of the same definition file, in terms a person reads:
 * {@code ~ layer[*]/mixer: sigmoid → tanh  (line 9:9, was 9:9)  ×2}.
 *
 * <p>The algorithm:
 * <ol>
 * <li>Nodes in the same scope are matched by {@linkplain CanonicalHash#merkle Merkle hash}, as
 *     multisets. Matched nodes compute the same term and are unchanged.</li>
 * <li>The rest are paired, visiting the unmatched nodes of {@code after} operands first. A node pairs
 *     with an unmatched node of {@code before} in the same scope whose operands are the counterparts
 *     of its own (an op or attribute changed in place, or a change upstream flowed through it; the
 *     same op preferred); failing that, with one whose operands have the same Merkle hashes; failing
 *     that, with one of the same op at the same source location, or else the first one of the same
 *     op. Nodes still unmatched are then matched by Merkle hash across scopes (a renamed or
 *     restructured block), so two graphs with the same canonical hash have no changes.</li>
 * <li>A pair is a {@link Kind#CHANGED} when its op, attributes, scan body or operand count differ,
 *     when an operand was rewired from one surviving node to another, or when its shape changed and no
 *     operand explains it. A pair that differs only because something upstream changed is not
 *     reported. Unpaired nodes of {@code before} are {@link Kind#REMOVED}, of {@code after}
 *     {@link Kind#ADDED}.</li>
 * <li>Changes that are identical but for repeat indices in their scope ({@code layer[0]/mixer},
 *     {@code layer[1]/mixer}) collapse into one ({@code layer[*]/mixer}) with a count.</li>
 * </ol>
 * A changed {@code scan} body is reported as a change of the scan, with the number of changes inside.
 */
public final class DefinitionDiff {
    /** What happened to an op. */
    public enum Kind { ADDED, REMOVED, CHANGED }

    /**
     * One change. {@code scope} is the block expansion path ({@code ""} at model level), with
     * {@code [*]} where repeat indices were collapsed. {@code before} and {@code after} describe the op
     * ({@code linear(out=64)}; null for the side that lacks it); locations are {@code line:col} in the
     * definition, {@code file:line:col} for an op that comes from another file (a standard-library
     * block), or null when unknown. {@code count} is how many ops the change stands for.
     */
    public record Change(Kind kind, String scope, String before, String after, String beforeLocation,
                         String afterLocation, int count) {
        public Change(Kind kind, String scope, String before, String after, String beforeLocation,
                      String afterLocation) {
            this(kind, scope, before, after, beforeLocation, afterLocation, 1);
        }

        /** One line: {@code ~ layer[*]/mixer: sigmoid → tanh  (line 9:9, was 9:9)  ×2}. */
        public String render() {
            String where = scope == null || scope.isEmpty() ? "model" : scope;
            StringBuilder b = new StringBuilder();
            switch (kind) {
                case CHANGED -> {
                    b.append("~ ").append(where).append(": ").append(before).append(" → ").append(after);
                    if (afterLocation != null || beforeLocation != null) {
                        b.append("  (");
                        if (afterLocation != null) {
                            b.append(line(afterLocation));
                        }
                        if (beforeLocation != null) {
                            b.append(afterLocation != null ? ", was " + beforeLocation : "was " + line(beforeLocation));
                        }
                        b.append(')');
                    }
                }
                case ADDED -> {
                    b.append("+ ").append(where).append(": ").append(after);
                    if (afterLocation != null) {
                        b.append("  (").append(line(afterLocation)).append(')');
                    }
                }
                case REMOVED -> {
                    b.append("- ").append(where).append(": ").append(before);
                    if (beforeLocation != null) {
                        b.append("  (was ").append(line(beforeLocation)).append(')');
                    }
                }
            }
            if (count > 1) {
                b.append("  ×").append(count);
            }
            return b.toString();
        }
    }

    private static final Pattern REPEAT_INDEX = Pattern.compile("\\[\\d+]");

    private final List<Change> changes;

    private DefinitionDiff(List<Change> changes) {
        this.changes = List.copyOf(changes);
    }

    /** The changes that turn {@code before} into {@code after}, in source order. */
    public static DefinitionDiff between(ArchGraph before, ArchGraph after) {
        return new Differ(before, after).run();
    }

    public List<Change> changes() {
        return changes;
    }

    public boolean isEmpty() {
        return changes.isEmpty();
    }

    /** The number of changed ops, repeats counted. */
    public int count() {
        return changes.stream().mapToInt(Change::count).sum();
    }

    /** One line per change, or {@code no structural change}. */
    public String render() {
        if (changes.isEmpty()) {
            return "no structural change";
        }
        StringJoiner j = new StringJoiner("\n");
        for (Change c : changes) {
            j.add(c.render());
        }
        return j.toString();
    }

    @Override
    public String toString() {
        return render();
    }

    /** A human description of an op: {@code linear(out=64)}, {@code sigmoid}, {@code const 0.5}. */
    static String describe(OpNode n) {
        if (n.op().equals("const")) {
            return "const " + display(n.attrs().get("value"));
        }
        StringBuilder b = new StringBuilder(n.op());
        if (n.op().equals("parameter")) {
            b.append(n.shape());
        }
        StringJoiner attrs = new StringJoiner(", ", "(", ")").setEmptyValue("");
        for (Map.Entry<String, Object> e : n.attrs().entrySet()) {
            if (Boolean.FALSE.equals(e.getValue())) {
                continue;
            }
            attrs.add(e.getKey() + "=" + display(e.getValue()));
        }
        return b.append(attrs).toString();
    }

    /** An attribute value for people: {@code 64}, {@code 0.5}, {@code 1.0E-5}, {@code [4, 16]}. */
    static String display(Object v) {
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                return Long.toString((long) d);
            }
            return Double.toString(d);
        }
        if (v instanceof List<?> list) {
            StringJoiner j = new StringJoiner(", ", "[", "]");
            for (Object o : list) {
                j.add(display(o));
            }
            return j.toString();
        }
        return String.valueOf(v);
    }

    /**
     * {@code line:col} for an op of the definition's own file ({@code home}); {@code file:line:col}
     * for one that comes from another file, such as a standard-library block; null when unknown.
     */
    private static String location(OpNode n, String home) {
        if (n.line() <= 0) {
            return null;
        }
        String lc = n.line() + ":" + Math.max(n.col(), 0);
        return n.file() == null || n.file().equals(home) ? lc : n.file() + ":" + lc;
    }

    /** Source order: the definition's own ops by line and column, then those of other files. */
    private static long sortKey(OpNode n, String home) {
        boolean own = n.file() == null || n.file().equals(home);
        long line = Math.max(n.line(), 0);
        long col = Math.max(Math.min(n.col(), 0xFFFFFF), 0);
        return ((own ? 0L : 1L) << 62) + (line << 24) + col;
    }

    /** The definition's own file: where its inputs were declared. */
    private static String home(ArchGraph g) {
        return g.inputs().isEmpty() ? null : g.inputs().get(0).file();
    }

    /** {@code line 9:9} for a location in the definition, the bare {@code file:line:col} otherwise. */
    private static String line(String location) {
        return location.matches("\\d+:\\d+") ? "line " + location : location;
    }

    /** A change before collapsing, with where it sorts. */
    private record Raw(Kind kind, String scope, String before, String after, String beforeLocation,
                       String afterLocation, long order) {
        String key() {
            return kind + "\0" + REPEAT_INDEX.matcher(scope).replaceAll("[*]") + "\0" + before + "\0" + after
                    + "\0" + beforeLocation + "\0" + afterLocation;
        }
    }

    private static final class Differ {
        private final CanonicalHash.Merkle mb;
        private final CanonicalHash.Merkle ma;
        private final String homeB;
        private final String homeA;
        private final Map<OpNode, OpNode> b2a = new IdentityHashMap<>();
        private final Map<OpNode, OpNode> a2b = new IdentityHashMap<>();
        /** Pairs of nodes whose Merkle hashes differ, after-node to before-node, in pairing order. */
        private final Map<OpNode, OpNode> paired = new LinkedHashMap<>();

        Differ(ArchGraph before, ArchGraph after) {
            this.mb = new CanonicalHash.Merkle(before);
            this.ma = new CanonicalHash.Merkle(after);
            this.homeB = home(before);
            this.homeA = home(after);
        }

        DefinitionDiff run() {
            // Equal terms first where they sit in the same scope; then pair the rest within scopes; only
            // then match equal terms across scopes (a renamed or restructured block), so that an equal
            // term elsewhere does not take the place of a node's counterpart in its own scope.
            matchByMerkle(true);
            if (!sameTerms()) {
                pairRest();
            }
            matchByMerkle(false);
            return new DefinitionDiff(collapse(classify()));
        }

        private void link(OpNode b, OpNode a) {
            b2a.put(b, a);
            a2b.put(a, b);
        }

        /**
         * Links nodes of equal Merkle hash: with {@code sameScope}, only nodes in the same scope;
         * otherwise any still unlinked ones, in order.
         */
        private void matchByMerkle(boolean sameScope) {
            Map<String, List<OpNode>> groupsB = new HashMap<>();
            for (OpNode b : mb.order) {
                if (!b2a.containsKey(b)) {
                    groupsB.computeIfAbsent(mb.hashes.get(b), k -> new ArrayList<>()).add(b);
                }
            }
            Map<String, List<OpNode>> groupsA = new LinkedHashMap<>();
            for (OpNode a : ma.order) {
                if (!a2b.containsKey(a)) {
                    groupsA.computeIfAbsent(ma.hashes.get(a), k -> new ArrayList<>()).add(a);
                }
            }
            for (Map.Entry<String, List<OpNode>> e : groupsA.entrySet()) {
                List<OpNode> lb = groupsB.get(e.getKey());
                if (lb == null) {
                    continue;
                }
                if (sameScope) {
                    Map<String, Deque<OpNode>> byScope = new HashMap<>();
                    for (OpNode b : lb) {
                        byScope.computeIfAbsent(b.scope(), k -> new ArrayDeque<>()).add(b);
                    }
                    for (OpNode a : e.getValue()) {
                        Deque<OpNode> same = byScope.get(a.scope());
                        if (same != null && !same.isEmpty()) {
                            link(same.poll(), a);
                        }
                    }
                } else {
                    for (int i = 0; i < Math.min(lb.size(), e.getValue().size()); i++) {
                        link(lb.get(i), e.getValue().get(i));
                    }
                }
            }
        }

        /** True when both graphs hold the same multiset of Merkle hashes (as when their hashes agree). */
        private boolean sameTerms() {
            if (mb.order.size() != ma.order.size()) {
                return false;
            }
            Map<String, Integer> count = new HashMap<>();
            mb.order.forEach(b -> count.merge(mb.hashes.get(b), 1, Integer::sum));
            ma.order.forEach(a -> count.merge(ma.hashes.get(a), -1, Integer::sum));
            return count.values().stream().allMatch(c -> c == 0);
        }

        private String operandKey(OpNode n, CanonicalHash.Merkle m) {
            List<String> hashes = new ArrayList<>();
            for (OpNode x : n.inputs()) {
                hashes.add(m.hashes.get(x));
            }
            return n.scope() + "\0" + String.join(",", hashes);
        }

        /** A list of candidates with a cursor past the ones already taken. */
        private final class Candidates {
            final List<OpNode> nodes = new ArrayList<>();
            int first;

            OpNode firstFree() {
                while (first < nodes.size() && b2a.containsKey(nodes.get(first))) {
                    first++;
                }
                return first < nodes.size() ? nodes.get(first) : null;
            }
        }

        private void pairRest() {
            Map<String, Candidates> byOperands = new HashMap<>();
            Map<String, Candidates> byOp = new HashMap<>();
            Map<String, Candidates> byPlace = new HashMap<>();
            Map<OpNode, List<OpNode>> readers = new IdentityHashMap<>();
            for (OpNode b : mb.order) {
                if (b2a.containsKey(b)) {
                    continue;
                }
                if (!b.inputs().isEmpty()) {
                    byOperands.computeIfAbsent(operandKey(b, mb), k -> new Candidates()).nodes.add(b);
                }
                byOp.computeIfAbsent(b.scope() + "\0" + b.op(), k -> new Candidates()).nodes.add(b);
                byPlace.computeIfAbsent(place(b), k -> new Candidates()).nodes.add(b);
                for (OpNode x : b.inputs()) {
                    List<OpNode> r = readers.computeIfAbsent(x, k -> new ArrayList<>());
                    if (r.isEmpty() || r.get(r.size() - 1) != b) {
                        r.add(b);
                    }
                }
            }
            for (OpNode a : ma.order) {
                if (a2b.containsKey(a)) {
                    continue;
                }
                OpNode b = null;
                if (!a.inputs().isEmpty()) {
                    // The operands are the counterparts of a's: the same op first, then any op.
                    OpNode p = a2b.get(a.inputs().get(0));
                    List<OpNode> same = new ArrayList<>();
                    for (OpNode r : p == null ? List.<OpNode>of() : readers.getOrDefault(p, List.of())) {
                        if (!b2a.containsKey(r) && r.scope().equals(a.scope()) && corresponds(r, a)) {
                            same.add(r);
                        }
                    }
                    b = same.stream().filter(r -> r.op().equals(a.op())).findFirst()
                            .orElse(same.isEmpty() ? null : same.get(0));
                    if (b == null) {
                        // The operands compute the same terms (they may be other nodes).
                        Candidates c = byOperands.get(operandKey(a, ma));
                        if (c != null) {
                            for (OpNode x : c.nodes) {
                                if (!b2a.containsKey(x) && x.op().equals(a.op())) {
                                    b = x;
                                    break;
                                }
                            }
                            if (b == null) {
                                b = c.firstFree();
                            }
                        }
                    }
                }
                if (b == null) {
                    // The same op in the same scope: at the same place in the source, else the first.
                    Candidates c = byOp.get(a.scope() + "\0" + a.op());
                    if (c != null) {
                        Candidates here = byPlace.get(place(a));
                        b = here != null ? here.firstFree() : null;
                        if (b == null) {
                            b = c.firstFree();
                        }
                    }
                }
                if (b != null) {
                    link(b, a);
                    paired.put(a, b);
                }
            }
        }

        /** Scope, op and source location: where an op edited in place is found again. */
        private static String place(OpNode n) {
            return n.scope() + "\0" + n.op() + "\0" + n.file() + "\0" + n.line() + ":" + n.col();
        }

        /** True when every operand of {@code a} is the counterpart of the operand of {@code b}. */
        private boolean corresponds(OpNode b, OpNode a) {
            if (b.inputs().size() != a.inputs().size()) {
                return false;
            }
            if (!a.commutative()) {
                for (int i = 0; i < a.inputs().size(); i++) {
                    if (b2a.get(b.inputs().get(i)) != a.inputs().get(i)) {
                        return false;
                    }
                }
                return true;
            }
            List<OpNode> left = new ArrayList<>(a.inputs());
            for (OpNode x : b.inputs()) {
                if (!removeIdentical(left, b2a.get(x))) {
                    return false;
                }
            }
            return true;
        }

        private static boolean removeIdentical(List<OpNode> list, OpNode n) {
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i) == n) {
                    list.remove(i);
                    return true;
                }
            }
            return false;
        }

        private List<Raw> classify() {
            List<Raw> raw = new ArrayList<>();
            for (Map.Entry<OpNode, OpNode> e : paired.entrySet()) {
                OpNode a = e.getKey();
                OpNode b = e.getValue();
                String db = describe(b);
                String da = describe(a);
                String note = bodyNote(b, a);
                boolean changed = true;
                if (!b.op().equals(a.op()) || !CanonicalHash.attributes(b).equals(CanonicalHash.attributes(a))) {
                    da += note;
                } else if (!note.isEmpty()) {
                    da += note;
                } else if (b.inputs().size() != a.inputs().size()) {
                    da += " (" + a.inputs().size() + " operands, was " + b.inputs().size() + ")";
                } else if (rewired(b, a) != null) {
                    da += " (" + rewired(b, a) + ")";
                } else if (!b.shape().equals(a.shape()) && !shapeExplained(a)) {
                    db += " " + b.shape();
                    da += " " + a.shape();
                } else {
                    changed = false;
                }
                if (changed) {
                    raw.add(new Raw(Kind.CHANGED, a.scope(), db, da, location(b, homeB), location(a, homeA),
                            sortKey(a, homeA)));
                }
            }
            for (OpNode b : mb.order) {
                if (!b2a.containsKey(b)) {
                    raw.add(new Raw(Kind.REMOVED, b.scope(), describe(b), null, location(b, homeB), null,
                            sortKey(b, homeB)));
                }
            }
            for (OpNode a : ma.order) {
                if (!a2b.containsKey(a)) {
                    raw.add(new Raw(Kind.ADDED, a.scope(), null, describe(a), null, location(a, homeA),
                            sortKey(a, homeA)));
                }
            }
            return raw;
        }

        /** For two scans with different bodies, {@code " (body: 3 changes)"}; else empty. */
        private String bodyNote(OpNode b, OpNode a) {
            if (b.body() == null || a.body() == null) {
                return "";
            }
            if (CanonicalHash.of(b.body()).equals(CanonicalHash.of(a.body()))) {
                return "";
            }
            int n = DefinitionDiff.between(b.body(), a.body()).count();
            return n == 0 ? " (body rewired)" : " (body: " + n + (n == 1 ? " change)" : " changes)");
        }

        /**
         * Describes an operand that now reads a different surviving node, or null. An operand that
         * moved to an added node or away from a removed one is explained by that addition or removal.
         */
        private String rewired(OpNode b, OpNode a) {
            if (!a.commutative()) {
                for (int i = 0; i < a.inputs().size(); i++) {
                    OpNode bi = b.inputs().get(i);
                    OpNode ai = a.inputs().get(i);
                    if (b2a.containsKey(bi) && a2b.containsKey(ai) && b2a.get(bi) != ai) {
                        return "operand " + i + " rewired";
                    }
                }
                return null;
            }
            List<OpNode> newlyRead = new ArrayList<>();
            for (OpNode ai : a.inputs()) {
                if (a2b.containsKey(ai)) {
                    newlyRead.add(ai);
                }
            }
            boolean dropped = false;
            for (OpNode bi : b.inputs()) {
                if (b2a.containsKey(bi) && !removeIdentical(newlyRead, b2a.get(bi))) {
                    dropped = true;
                }
            }
            return dropped && !newlyRead.isEmpty() ? "operands rewired" : null;
        }

        /** True when an operand of {@code a} is new or changed shape, which explains a new shape of a. */
        private boolean shapeExplained(OpNode a) {
            for (OpNode ai : a.inputs()) {
                OpNode bi = a2b.get(ai);
                if (bi == null || !bi.shape().equals(ai.shape())) {
                    return true;
                }
            }
            return false;
        }

        private List<Change> collapse(List<Raw> raw) {
            raw.sort(Comparator.comparingLong(Raw::order).thenComparing(Raw::kind).thenComparing(Raw::scope));
            Map<String, List<Raw>> groups = new LinkedHashMap<>();
            for (Raw r : raw) {
                groups.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
            }
            List<Change> out = new ArrayList<>();
            for (List<Raw> g : groups.values()) {
                Raw first = g.get(0);
                boolean sameScope = g.stream().allMatch(r -> r.scope().equals(first.scope()));
                String scope = sameScope ? first.scope() : REPEAT_INDEX.matcher(first.scope()).replaceAll("[*]");
                out.add(new Change(first.kind(), scope, first.before(), first.after(), first.beforeLocation(),
                        first.afterLocation(), g.size()));
            }
            return out;
        }
    }
}
