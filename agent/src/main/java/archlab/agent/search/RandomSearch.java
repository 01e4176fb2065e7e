package archlab.agent.search;

/** Random search: every step evaluates fresh candidates, as the space draws them. */
final class RandomSearch extends UnguidedStrategy {
    static final String NAME = "random";

    RandomSearch(SearchSettings settings, SearchJournal journal) {
        super(NAME, settings, journal);
    }

    @Override
    public Expansion next() {
        return fresh(tree.nextStep());
    }
}
