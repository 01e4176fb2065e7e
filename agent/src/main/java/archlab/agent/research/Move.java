package archlab.agent.research;

/**
 * The research moves the search chooses between for a node (level 2 of the hierarchical search) and
 * the planner turns into a concrete direction (level 1 of the planner).
 */
public enum Move {
    /** Change one part of the parent: a feature map, a gate, a norm, a width. */
    MUTATE,
    /** Combine the parent with a reference experiment or reference architecture. */
    RECOMBINE,
    /** Repair or rethink after the parent failed or disappointed, guided by its diagnosis. */
    REFINE,
    /** Apply an idea from a paper note that the parent's analysis retrieved. */
    APPLY_INSIGHT,
    /** Splice in a mined subroutine. */
    REUSE_SUBROUTINE;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Move parse(String s) {
        return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
    }
}
