package archlab.knowledge.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The search's tables (migration V2) on every database: H2 ({@link SearchStatsH2Test}) and PostgreSQL
 * ({@link SearchStatsPostgresTest}).
 */
abstract class SearchStatsContract {
    protected Store store;
    protected String campaignId;

    protected abstract Store openStore() throws Exception;

    @BeforeEach
    void setUp() throws Exception {
        store = openStore();
        campaignId = store.campaigns().insert(Campaign.create("search", "{}", "offline")).id();
    }

    @AfterEach
    void tearDown() {
        if (store != null) {
            store.close();
        }
    }

    private SearchNode node(String key, String parent, long seq, Double fitness, int visits) {
        return new SearchNode(campaignId, key, parent, "exp-" + key, parent == null ? null : "mutate",
                parent == null ? 1 : 2, seq, seq + 1, fitness, visits, 0.25 * visits, fitness, 0.4, 0.125, false,
                Map.of("wl0:conv", 2.0, "depth", 3.0));
    }

    @Test
    void nodesRoundTripInArrivalOrderAndUpdatesReplaceTheirStatistics() {
        SearchNode a = node("a", null, 0, 0.5, 1);
        SearchNode b = node("b", "a", 1, null, 1);
        store.searchStats().saveNodes(List.of(b, a));
        assertThat(store.searchStats().nodes(campaignId)).containsExactly(a, b);

        SearchNode a2 = new SearchNode(campaignId, "a", null, "exp-a", null, 1, 0, 1, 0.5, 2, 0.75, 0.5, 0.4, 0.125,
                true, a.features());
        store.searchStats().saveNodes(List.of(a2));
        assertThat(store.searchStats().nodes(campaignId)).containsExactly(a2, b);
        assertThat(store.searchStats().nodes(campaignId).get(1).fitness()).isNull();
    }

    @Test
    void otherCampaignsNodesAreThereForWarmStarts() {
        String other = store.campaigns().insert(Campaign.create("earlier", "{}", "offline")).id();
        store.searchStats().saveNodes(List.of(new SearchNode(other, "x", null, null, null, 1, 0, 1, 0.9, 1, 1.0, 0.9,
                0.5, 0.5, false, Map.of())));
        store.searchStats().saveNodes(List.of(node("a", null, 0, 0.5, 1)));
        assertThat(store.searchStats().nodesOutside(campaignId)).extracting(SearchNode::key).containsExactly("x");
    }

    @Test
    void stateMovesScreeningsAndPredictions() {
        assertThat(store.searchStats().state(campaignId)).isEmpty();
        store.searchStats().saveState(new SearchState(campaignId, "mcts", 3, "{\"kappa\":1}"));
        store.searchStats().saveState(new SearchState(campaignId, "mcts", 4, "{\"kappa\":1}"));
        assertThat(store.searchStats().state(campaignId)).contains(new SearchState(campaignId, "mcts", 4, "{\"kappa\":1}"));

        store.searchStats().saveMove(new SearchMoveStat(campaignId, "mutate", 1, 1.0));
        store.searchStats().saveMove(new SearchMoveStat(campaignId, "mutate", 2, 1.0));
        store.searchStats().saveMove(new SearchMoveStat(campaignId, "recombine", 1, 0.0));
        assertThat(store.searchStats().moves(campaignId)).containsExactly(
                new SearchMoveStat(campaignId, "mutate", 2, 1.0), new SearchMoveStat(campaignId, "recombine", 1, 0.0));

        ScreenedCandidate chosen = new ScreenedCandidate(campaignId, 4, "a", "mutate", "c", 0.7, 0.1, 0.8, 0, true);
        ScreenedCandidate out = new ScreenedCandidate(campaignId, 4, "a", "mutate", "d", 0.6, 0.1, 0.7, 1, false);
        ScreenedCandidate fresh = new ScreenedCandidate(campaignId, 5, null, null, "e", 0.5, 0.5, 1.0, 0, true);
        store.searchStats().saveScreening(List.of(out, chosen));
        store.searchStats().saveScreening(List.of(fresh, chosen));
        assertThat(store.searchStats().screenings(campaignId, false)).containsExactly(chosen, out, fresh);
        assertThat(store.searchStats().screenings(campaignId, true)).containsExactly(chosen, fresh);

        ValuePrediction pending = new ValuePrediction(campaignId, "c", 4, 2, 0.7, 0.1, null);
        store.searchStats().savePrediction(pending);
        assertThat(store.searchStats().predictions(campaignId)).containsExactly(pending);
        ValuePrediction known = new ValuePrediction(campaignId, "c", 4, 2, 0.7, 0.1, 93.5);
        store.searchStats().savePrediction(known);
        assertThat(store.searchStats().predictions(campaignId)).containsExactly(known);
    }

    @Test
    void writesInOneTransactionLandTogether() {
        try {
            store.inTransaction(tx -> {
                tx.searchStats().saveNodes(List.of(node("a", null, 0, 0.5, 1)));
                tx.searchStats().saveMove(new SearchMoveStat(campaignId, "mutate", 1, 1.0));
                throw new IllegalStateException("crash before commit");
            });
        } catch (IllegalStateException expected) {
            // rolled back
        }
        assertThat(store.searchStats().nodes(campaignId)).isEmpty();
        assertThat(store.searchStats().moves(campaignId)).isEmpty();
    }
}
