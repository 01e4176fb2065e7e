package archlab.agent.search;

import archlab.knowledge.store.ScreenedCandidate;
import archlab.knowledge.store.SearchMoveStat;
import archlab.knowledge.store.SearchNode;
import archlab.knowledge.store.ValuePrediction;
import java.util.List;

/**
 * Where a search writes its statistics as it goes, and reads them back to resume: the store for a
 * campaign ({@link StoreJournal}), nowhere for a benchmark run ({@link #none}). A strategy writes
 * everything it decides by, so one restored from its journal makes the same next decision as the
 * one that wrote it.
 */
public interface SearchJournal {
    /** The campaign the statistics belong to. */
    String campaignId();

    /** What was written before; {@link SearchHistory#EMPTY} for a new search. */
    SearchHistory load();

    /** A step was taken ({@code step} is the number of steps so far). */
    void stepped(String strategy, long step, String settings);

    /** One step's screening decisions. */
    void screened(List<ScreenedCandidate> rows);

    /**
     * A result arrived: the new node and every node whose statistics changed, the move statistic that
     * changed (null when none), and the prequential log row (null when the value model made no
     * forecast). Written together.
     */
    void observed(List<SearchNode> nodes, SearchMoveStat move, ValuePrediction prediction);

    /** A journal that keeps nothing: for benchmarks, which never resume. */
    static SearchJournal none() {
        return new SearchJournal() {
            @Override
            public String campaignId() {
                return "transient";
            }

            @Override
            public SearchHistory load() {
                return SearchHistory.EMPTY;
            }

            @Override
            public void stepped(String strategy, long step, String settings) {
            }

            @Override
            public void screened(List<ScreenedCandidate> rows) {
            }

            @Override
            public void observed(List<SearchNode> nodes, SearchMoveStat move, ValuePrediction prediction) {
            }
        };
    }
}
