package archlab.agent.search;

import java.util.List;

/** Random search: every step evaluates fresh candidates, as the space draws them. */
final class RandomSearch implements SearchStrategy {
    static final String NAME = "random";

    private final SearchSettings s;
    private final SearchTree tree;

    RandomSearch(SearchSettings settings, SearchJournal journal) {
        this.s = settings;
        this.tree = new SearchTree(NAME, settings, journal, journal.load());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Expansion next() {
        return new Expansion(tree.nextStep(), null, null, List.of(), s.evaluations(), s.evaluations());
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
