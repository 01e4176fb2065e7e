package archlab.agent.search;

import archlab.agent.research.Move;
import archlab.agent.search.SearchTree.Node;
import java.util.List;

/**
 * Greedy best-first search (local search, White et al. 2021): expand the best result that still has
 * unseen neighbours, taking its proposals in the order the space gives them (for a table space: nearest
 * first, random within a distance). The first {@code population} steps evaluate fresh candidates.
 */
final class GreedyBestFirst extends UnguidedStrategy {
    static final String NAME = "greedy";

    GreedyBestFirst(SearchSettings settings, SearchJournal journal) {
        super(NAME, settings, journal);
    }

    @Override
    public Expansion next() {
        long step = tree.nextStep();
        if (tree.size() >= s.population()) {
            for (Node n : tree.byFitness()) {
                if (!n.exhausted) {
                    return new Expansion(step, n.key, Move.MUTATE, List.of(), s.proposals(), s.evaluations());
                }
            }
        }
        return fresh(step);
    }
}
