package archlab.agent.search;

import java.util.List;
import java.util.Locale;

/** The strategies by name: what a campaign file's {@code search.strategy} chooses from. */
public final class SearchStrategies {
    /** Every name {@link #create} accepts. */
    public static final List<String> NAMES = List.of(Mcts.NAME, RegularisedEvolution.NAME, RandomSearch.NAME,
            PoolSampling.NAME, GreedyBestFirst.NAME);

    private SearchStrategies() {
    }

    /** A new, unrecorded strategy (a benchmark run). */
    public static SearchStrategy create(String name, SearchSettings settings) {
        return create(name, settings, SearchJournal.none());
    }

    /**
     * The strategy called {@code name}, writing its statistics to {@code journal} and continuing from what
     * the journal already holds.
     */
    public static SearchStrategy create(String name, SearchSettings settings, SearchJournal journal) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return switch (n) {
            case Mcts.NAME -> new Mcts(settings, journal);
            case RegularisedEvolution.NAME -> new RegularisedEvolution(settings, journal);
            case RandomSearch.NAME -> new RandomSearch(settings, journal);
            case PoolSampling.NAME -> new PoolSampling(settings, journal);
            case GreedyBestFirst.NAME -> new GreedyBestFirst(settings, journal);
            default -> throw new IllegalArgumentException("unknown search strategy '" + name + "'; expected one of "
                    + String.join(", ", NAMES));
        };
    }
}
