package archlab.agent.search;

import archlab.agent.research.Move;
import archlab.agent.search.SearchTree.Node;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Regularised (aging) evolution, Real et al. 2019: the population is the last {@code population}
 * results; each step samples {@code tournament} of them at random, mutates the best, and the child
 * replaces the oldest. The first {@code population} steps evaluate fresh candidates.
 */
final class RegularisedEvolution extends UnguidedStrategy {
    static final String NAME = "rea";

    RegularisedEvolution(SearchSettings settings, SearchJournal journal) {
        super(NAME, settings, journal);
    }

    @Override
    public Expansion next() {
        long step = tree.nextStep();
        List<Node> all = tree.nodes();
        if (all.size() < s.population()) {
            return fresh(step);
        }
        List<Node> population = all.subList(all.size() - s.population(), all.size());
        SplittableRandom rng = tree.rng(step);
        Node parent = null;
        // a tournament of distinct members, by a partial Fisher-Yates shuffle of the population's indices
        int[] idx = new int[population.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        for (int i = 0; i < s.tournament(); i++) {
            int j = i + rng.nextInt(idx.length - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            Node m = population.get(idx[i]);
            if (parent == null || better(m, parent)) {
                parent = m;
            }
        }
        return new Expansion(step, parent.key, Move.MUTATE, List.of(), s.evaluations(), s.evaluations());
    }

    private static boolean better(Node a, Node b) {
        if (a.failed()) {
            return false;
        }
        return b.failed() || a.fitness > b.fitness;
    }
}
