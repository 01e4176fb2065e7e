package archlab.agent.search;

import archlab.knowledge.store.ScreenedCandidate;
import archlab.knowledge.store.SearchMoveStat;
import archlab.knowledge.store.SearchNode;
import archlab.knowledge.store.SearchState;
import archlab.knowledge.store.Store;
import archlab.knowledge.store.ValuePrediction;
import java.util.List;
import java.util.Objects;

/**
 * A campaign's search statistics in its store (tables of migration V2; docs/search.md). With
 * {@code warmStart}, loading also returns the other campaigns' results in the store, and the value
 * model trains on them too (each campaign's fitness normalised by its own ranks).
 */
public final class StoreJournal implements SearchJournal {
    private final Store store;
    private final String campaignId;
    private final boolean warmStart;

    public StoreJournal(Store store, String campaignId) {
        this(store, campaignId, false);
    }

    public StoreJournal(Store store, String campaignId, boolean warmStart) {
        this.store = Objects.requireNonNull(store, "store");
        this.campaignId = Objects.requireNonNull(campaignId, "campaignId");
        this.warmStart = warmStart;
    }

    @Override
    public String campaignId() {
        return campaignId;
    }

    @Override
    public SearchHistory load() {
        return store.inTransaction(tx -> new SearchHistory(
                tx.searchStats().state(campaignId).map(SearchState::step).orElse(0L),
                tx.searchStats().nodes(campaignId), tx.searchStats().moves(campaignId),
                tx.searchStats().predictions(campaignId),
                warmStart ? tx.searchStats().nodesOutside(campaignId) : List.of()));
    }

    @Override
    public void stepped(String strategy, long step, String settings) {
        store.searchStats().saveState(new SearchState(campaignId, strategy, step, settings));
    }

    @Override
    public void screened(List<ScreenedCandidate> rows) {
        store.searchStats().saveScreening(rows);
    }

    @Override
    public void observed(List<SearchNode> nodes, SearchMoveStat move, ValuePrediction prediction) {
        store.inTransaction(tx -> {
            tx.searchStats().saveNodes(nodes);
            if (move != null) {
                tx.searchStats().saveMove(move);
            }
            if (prediction != null) {
                tx.searchStats().savePrediction(prediction);
            }
            return null;
        });
    }
}
