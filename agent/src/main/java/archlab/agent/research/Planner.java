package archlab.agent.research;

import java.util.List;

/** Hierarchical planner: a direction for the node, then hypotheses along it. */
public interface Planner {
    /** Level 1: turn the move the search chose into a concrete direction for this node. */
    Direction direct(ResearchContext context, Move move);

    /** Level 2: up to {@code k} distinct hypotheses along the direction (fewer when fewer make sense). */
    List<Proposal> propose(ResearchContext context, Direction direction, int k);
}
