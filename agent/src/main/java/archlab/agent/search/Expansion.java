package archlab.agent.search;

import archlab.agent.research.Move;
import java.util.List;

/**
 * What the search asks for in one step (levels 1 and 2): expand node {@code parent} with {@code move},
 * leaning on {@code references} (other nodes' keys, for recombination), by proposing up to
 * {@code proposals} candidates of which {@code evaluations} will be evaluated. A null {@code parent}
 * asks for fresh candidates that descend from no evaluated node (the seeds, or random designs); its
 * {@code move} is then null too.
 */
public record Expansion(long step, String parent, Move move, List<String> references, int proposals,
                        int evaluations) {
    public Expansion {
        references = references == null ? List.of() : List.copyOf(references);
        if (proposals < 1 || evaluations < 1) {
            throw new IllegalArgumentException("proposals and evaluations must be >= 1, got " + proposals + ", "
                    + evaluations);
        }
    }

    /** Whether this step asks for fresh candidates rather than children of a node. */
    public boolean fresh() {
        return parent == null;
    }
}
