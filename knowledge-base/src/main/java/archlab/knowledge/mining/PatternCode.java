package archlab.knowledge.mining;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Computes the canonical code of a pattern: a set of OP nodes of one {@link PatternGraph} with a single
 * sink, the root, of which every other member is an ancestor through members. Not thread-safe: it keeps
 * scratch arrays of the graph's size, reused from one pattern to the next.
 *
 * <p>The code is a 64-bit hash of a canonical serialisation of the pattern on its own, the way
 * {@link archlab.sandbox.graph.CanonicalHash} serialises a whole graph:
 * <ol>
 * <li>a local Merkle hash per member, bottom-up: its label and its operands' hashes in argument order
 *     (sorted for commutative ops), where a leaf operand contributes its label and an operand outside the
 *     pattern contributes its placeholder label;</li>
 * <li>a context hash, top-down: the local hash with the multiset of (reader's context, operand position)
 *     over the readers inside the pattern. It breaks ties between equal operands of a commutative op and
 *     tells apart placeholders that are read in different places;</li>
 * <li>a depth-first walk from the root, operands in argument order (commutative ones by local then context
 *     hash), numbering members and leaves on first visit and placeholders separately on first visit; a
 *     node met again is written as a back-reference. Sharing is therefore part of the code:
 *     {@code f(x) * g(x)} (one input read twice) differs from {@code f(x) * g(y)}.</li>
 * </ol>
 * Node ids, names, scopes and positions never enter a code, so a pattern has the same code in every
 * graph it occurs in. Two patterns that differ only by a symmetry the context hash cannot see would get
 * different codes (and split their support); for patterns of at most eight ops this does not arise in
 * practice.
 */
final class PatternCode {
    private static final int NODE = 1;
    private static final int REF = 2;
    private static final int CLOSE = 3;
    private static final int PLACEHOLDER = 4;
    private static final int PLACEHOLDER_REF = 5;

    final PatternGraph g;
    private final int[] member;
    private final int[] seen;
    private final int[] number;
    private final long[] local;
    private final long[] context;
    private final long[] use;
    private int stamp;
    private int nextNumber;
    private int nextPlaceholder;
    private long code;
    private int[] order = new int[16];
    /** When set, the walk records the canonical structure for the block writer. */
    private Canon recording;

    /** The canonical structure of a pattern: what the block writer needs to write it in canonical form. */
    static final class Canon {
        /** Placeholders (nodes outside the pattern) in canonical order: the block's arguments. */
        final List<Integer> placeholders = new ArrayList<>();
        /** Members and leaves in post-order of the canonical walk: a topological order. */
        final List<Integer> postOrder = new ArrayList<>();
        /** For each member, its operands in canonical order, with the original argument position. */
        final java.util.Map<Integer, int[]> operandOrder = new java.util.HashMap<>();
        long code;
        int root;
    }

    PatternCode(PatternGraph g) {
        this.g = g;
        member = new int[g.size];
        seen = new int[g.size];
        number = new int[g.size];
        local = new long[g.size];
        context = new long[g.size];
        use = new long[g.size];
    }

    boolean isMember(int i) {
        return member[i] == stamp;
    }

    /** The code of the pattern {@code members[0..count)} rooted at {@code root}. */
    long code(int[] members, int count, int root) {
        recording = null;
        return compute(members, count, root);
    }

    /** The code with its canonical structure. */
    Canon canon(int[] members, int count, int root) {
        Canon c = new Canon();
        recording = c;
        try {
            c.code = compute(members, count, root);
            c.root = root;
            return c;
        } finally {
            recording = null;
        }
    }

    private long compute(int[] members, int count, int root) {
        stamp++;
        if (order.length < count) {
            order = new int[Math.max(count, order.length * 2)];
        }
        for (int i = 0; i < count; i++) {
            member[members[i]] = stamp;
            order[i] = members[i];
        }
        Arrays.sort(order, 0, count);
        // Local hashes, bottom-up (indices are a topological order).
        for (int i = 0; i < count; i++) {
            int m = order[i];
            int[] ops = g.operands[m];
            long h = g.labelHash[m];
            if (g.commutative[m] && ops.length > 1) {
                long[] hs = new long[ops.length];
                for (int k = 0; k < ops.length; k++) {
                    hs[k] = operandHash(ops[k]);
                }
                Arrays.sort(hs);
                for (long x : hs) {
                    h = Hash64.step(h, x);
                }
            } else {
                for (int o : ops) {
                    h = Hash64.step(h, operandHash(o));
                }
            }
            local[m] = h;
            use[m] = 0;
            for (int o : ops) {
                use[o] = 0;
            }
        }
        // Context hashes, top-down; the root is the largest index.
        for (int i = count - 1; i >= 0; i--) {
            int m = order[i];
            context[m] = m == root ? Hash64.step(local[m], 0x5EEDL) : Hash64.step(local[m], use[m]);
            int[] ops = g.operands[m];
            for (int k = 0; k < ops.length; k++) {
                use[ops[k]] += Hash64.mix(Hash64.step(context[m], g.commutative[m] ? -1 : k));
            }
        }
        for (int i = 0; i < count; i++) {
            for (int o : g.operands[order[i]]) {
                if (member[o] != stamp) {
                    context[o] = Hash64.step(operandHash(o), use[o]);
                }
            }
        }
        code = 0x243F6A8885A308D3L;
        nextNumber = 0;
        nextPlaceholder = 0;
        visit(root);
        return code;
    }

    /** The hash an operand contributes: a member's local hash, a leaf's label, or a placeholder label. */
    private long operandHash(int o) {
        if (member[o] == stamp) {
            return local[o];
        }
        if (g.kind[o] == PatternGraph.LEAF) {
            return g.labelHash[o];
        }
        return g.placeholderHash[o];
    }

    private boolean internal(int v) {
        return member[v] == stamp || g.kind[v] == PatternGraph.LEAF;
    }

    private void visit(int v) {
        if (internal(v)) {
            if (seen[v] == stamp) {
                code = Hash64.step(code, REF, number[v]);
                return;
            }
            seen[v] = stamp;
            number[v] = nextNumber++;
            code = Hash64.step(code, NODE, g.labelHash[v]);
            if (member[v] == stamp) {
                int[] ops = canonicalOperands(v);
                if (recording != null) {
                    recording.operandOrder.put(v, ops);
                }
                for (int k : ops) {
                    visit(g.operands[v][k]);
                }
            }
            code = Hash64.step(code, CLOSE, 0);
            if (recording != null) {
                recording.postOrder.add(v);
            }
        } else {
            if (seen[v] == stamp) {
                code = Hash64.step(code, PLACEHOLDER_REF, number[v]);
                return;
            }
            seen[v] = stamp;
            number[v] = nextPlaceholder++;
            code = Hash64.step(code, PLACEHOLDER, g.placeholderHash[v]);
            if (recording != null) {
                recording.placeholders.add(v);
            }
        }
    }

    /** Argument positions of {@code v}'s operands in the order the walk visits them. */
    private int[] canonicalOperands(int v) {
        int[] ops = g.operands[v];
        Integer[] pos = new Integer[ops.length];
        for (int k = 0; k < ops.length; k++) {
            pos[k] = k;
        }
        if (g.commutative[v] && ops.length > 1) {
            Arrays.sort(pos, (a, b) -> {
                int c = Long.compare(operandHash(ops[a]), operandHash(ops[b]));
                if (c != 0) {
                    return c;
                }
                c = Long.compare(context[ops[a]], context[ops[b]]);
                if (c != 0) {
                    return c;
                }
                // Twins: once numbered, the lower number first.
                int na = seen[ops[a]] == stamp ? number[ops[a]] : Integer.MAX_VALUE;
                int nb = seen[ops[b]] == stamp ? number[ops[b]] : Integer.MAX_VALUE;
                return Integer.compare(na, nb);
            });
        }
        int[] out = new int[ops.length];
        for (int k = 0; k < ops.length; k++) {
            out[k] = pos[k];
        }
        return out;
    }
}
