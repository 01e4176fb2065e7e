package archlab.agent.search;

import archlab.agent.research.Move;
import archlab.agent.search.SearchTree.Node;
import java.util.List;

/**
 * Greedy best-first search (local search, White et al. 2021): expand the best result that still has
 * unseen neighbours, taking its proposals in the order the space gives them (for a table space: nearest
 * first, random within a distance). The first {@code population} steps evaluate fresh candidates.
 */
final class GreedyBestFirst implements SearchStrategy {
    static final String NAME = "greedy";

    private final SearchSettings s;
    private final SearchTree tree;

    GreedyBestFirst(SearchSettings settings, SearchJournal journal) {
        this.s = settings;
        this.tree = new SearchTree(NAME, settings, journal, journal.load());
    }

    @Override
    public String name() {
        return NAME;
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
        return new Expansion(step, null, null, List.of(), s.evaluations(), s.evaluations());
    }

    @Override
    public Screening screen(Expansion expansion, List<Candidate> candidates) {
        return tree.takeInOrder(expansion, candidates);
    }

    @Override
    public void observe(Observation observation) {
        tree.add(observation, null);
    }

    @Override
    public RankQuality rankQuality() {
        return tree.rankQuality();
    }

    @Override
    public int observed() {
        return tree.size();
    }
}
