package archlab.agent.search;

import archlab.agent.research.Move;
import archlab.agent.search.SearchTree.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * ASI-Arch-style sampling: the candidate pool is the best {@code poolSize} results; each step takes a
 * parent at random from the pool's top {@code poolTop} and references at random from the rest of the
 * pool (ranks poolTop+1 .. poolSize), and recombines them (mutates, where recombination is not a
 * move of the space or there are no references yet). The first {@code population} steps evaluate fresh
 * candidates.
 */
final class PoolSampling extends UnguidedStrategy {
    static final String NAME = "pool";
    /** ASI-Arch shows the planner a couple of references per parent. */
    static final int REFERENCES_PER_STEP = 2;

    PoolSampling(SearchSettings settings, SearchJournal journal) {
        super(NAME, settings, journal);
    }

    @Override
    public Expansion next() {
        long step = tree.nextStep();
        List<Node> ranked = tree.byFitness();
        if (tree.size() < s.population() || ranked.isEmpty()) {
            return fresh(step);
        }
        SplittableRandom rng = tree.rng(step);
        List<Node> pool = ranked.subList(0, Math.min(s.poolSize(), ranked.size()));
        int top = Math.min(s.poolTop(), pool.size());
        Node parent = pool.get(rng.nextInt(top));
        List<Node> rest = new ArrayList<>(pool.subList(top, pool.size()));
        List<String> references = new ArrayList<>();
        for (int i = 0; i < REFERENCES_PER_STEP && !rest.isEmpty(); i++) {
            references.add(rest.remove(rng.nextInt(rest.size())).key);
        }
        boolean recombine = !references.isEmpty() && s.moves().contains(Move.RECOMBINE);
        return new Expansion(step, parent.key, recombine ? Move.RECOMBINE : Move.MUTATE,
                recombine ? references : List.of(), s.evaluations(), s.evaluations());
    }
}
