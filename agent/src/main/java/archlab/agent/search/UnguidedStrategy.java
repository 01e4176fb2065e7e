package archlab.agent.search;

import java.util.List;

/**
 * What the baselines share: no value model, so each step evaluates its proposals in the order the
 * space (or planner) gave them, and a result only grows the tree. A baseline says only where to
 * expand ({@link #next}); a fresh expansion asks for as many candidates as it evaluates.
 */
abstract class UnguidedStrategy implements SearchStrategy {
    protected final SearchSettings s;
    protected final SearchTree tree;
    private final String name;

    UnguidedStrategy(String name, SearchSettings settings, SearchJournal journal) {
        this.name = name;
        this.s = settings;
        this.tree = new SearchTree(name, settings, journal, journal.load());
    }

    /** Fresh candidates: descend from no evaluated node. */
    protected Expansion fresh(long step) {
        return new Expansion(step, null, null, List.of(), s.evaluations(), s.evaluations());
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Screening screen(Expansion expansion, List<Candidate> candidates) {
        return tree.takeInOrder(expansion, candidates);
    }

    @Override
    public final void observe(Observation observation) {
        tree.add(observation, null);
    }

    @Override
    public final RankQuality rankQuality() {
        return tree.rankQuality();
    }

    @Override
    public final int observed() {
        return tree.size();
    }
}
