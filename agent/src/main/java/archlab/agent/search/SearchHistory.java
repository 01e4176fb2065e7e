package archlab.agent.search;

import archlab.knowledge.store.SearchMoveStat;
import archlab.knowledge.store.SearchNode;
import archlab.knowledge.store.ValuePrediction;
import java.util.List;

/**
 * A search's statistics as its journal holds them: the steps taken, the tree's nodes in the order
 * their results arrived, the move bandit and the prequential log; and {@code earlier}, results of
 * earlier campaigns that the value model may be warm-started from (by campaign, in arrival order; empty
 * unless the journal was asked for them).
 */
public record SearchHistory(long step, List<SearchNode> nodes, List<SearchMoveStat> moves,
                            List<ValuePrediction> predictions, List<SearchNode> earlier) {
    public static final SearchHistory EMPTY = new SearchHistory(0, List.of(), List.of(), List.of(), List.of());

    public SearchHistory {
        nodes = List.copyOf(nodes);
        moves = List.copyOf(moves);
        predictions = List.copyOf(predictions);
        earlier = List.copyOf(earlier);
    }

    public SearchHistory(long step, List<SearchNode> nodes, List<SearchMoveStat> moves,
                         List<ValuePrediction> predictions) {
        this(step, nodes, moves, predictions, List.of());
    }
}
