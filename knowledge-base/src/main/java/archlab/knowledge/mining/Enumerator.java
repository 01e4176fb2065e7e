package archlab.knowledge.mining;

/**
 * Enumerates the patterns rooted at one node: every set of OP nodes that holds the root, has at most
 * {@code maxOps} members, and grows from the root along operand edges (each member other than the root
 * is an operand of another member). Each set is produced exactly once.
 *
 * <p>The algorithm is the usual one for connected sets around a root: keep the current set, the
 * frontier (operands of members that may still join) and the excluded nodes; for each frontier node in
 * turn, either add it (its own operands join the frontier) or exclude it for the rest of this branch.
 * The number of sets is bounded by {@code maxPerRoot}; when the bound is hit the root is marked
 * truncated and the enumeration moves on.
 */
final class Enumerator {
    /** Receives each pattern; {@code members[0..count)} is valid only during the call. */
    interface Sink {
        void accept(int[] members, int count, int root);
    }

    private final PatternGraph g;
    private final int maxOps;
    private final int maxPerRoot;
    private final int[] inSet;
    private final int[] excluded;
    private final int[] allowed;
    private int allowedStamp;
    private boolean restricted;
    private boolean stopped;
    private int stamp;
    private final int[] members;
    private int count;
    private int emitted;
    private boolean truncated;
    private Sink sink;
    private int root;

    Enumerator(PatternGraph g, int maxOps, int maxPerRoot) {
        this.g = g;
        this.maxOps = maxOps;
        this.maxPerRoot = maxPerRoot;
        inSet = new int[g.size];
        excluded = new int[g.size];
        allowed = new int[g.size];
        members = new int[maxOps];
    }

    /**
     * Limits the next enumerations to the given nodes (null: no limit), for finding the sub-patterns of
     * one pattern.
     */
    void restrictTo(int[] nodes) {
        allowedStamp++;
        restricted = nodes != null;
        if (nodes != null) {
            for (int n : nodes) {
                allowed[n] = allowedStamp;
            }
        }
    }

    private boolean isAllowed(int v) {
        return !restricted || allowed[v] == allowedStamp;
    }

    /** Ends the current enumeration early (from inside a sink). */
    void stop() {
        stopped = true;
    }

    /** Enumerates the patterns rooted at {@code r}; returns false if the per-root bound cut it short. */
    boolean enumerate(int r, Sink sink) {
        if (g.kind[r] != PatternGraph.OP || !isAllowed(r)) {
            return true;
        }
        this.sink = sink;
        this.root = r;
        stamp++;
        count = 0;
        emitted = 0;
        truncated = false;
        stopped = false;
        members[count++] = r;
        inSet[r] = stamp;
        int[] frontier = new int[0];
        frontier = extend(frontier, 0, 0, r);
        grow(frontier);
        inSet[r] = 0;
        return !truncated;
    }

    /** {@code frontier[from..len)} plus the allowed operands of {@code v} that are new. */
    private int[] extend(int[] frontier, int from, int len, int v) {
        int[] ext = g.extensions[v];
        int[] out = new int[len - from + ext.length];
        int n = 0;
        for (int i = from; i < len; i++) {
            out[n++] = frontier[i];
        }
        for (int o : ext) {
            if (inSet[o] == stamp || excluded[o] == stamp || !isAllowed(o)) {
                continue;
            }
            boolean dup = false;
            for (int i = 0; i < n; i++) {
                if (out[i] == o) {
                    dup = true;
                    break;
                }
            }
            if (!dup) {
                out[n++] = o;
            }
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    private void grow(int[] frontier) {
        if (truncated || stopped) {
            return;
        }
        if (emitted >= maxPerRoot) {
            truncated = true;
            return;
        }
        emitted++;
        sink.accept(members, count, root);
        if (count == maxOps) {
            return;
        }
        int len = frontier.length;
        for (int i = 0; i < len && !truncated && !stopped; i++) {
            int v = frontier[i];
            members[count++] = v;
            inSet[v] = stamp;
            grow(extend(frontier, i + 1, len, v));
            inSet[v] = 0;
            count--;
            excluded[v] = stamp;
        }
        for (int i = 0; i < len; i++) {
            excluded[frontier[i]] = 0;
        }
    }
}
