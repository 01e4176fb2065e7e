package archlab.agent.search;

import archlab.knowledge.store.ScreenedCandidate;
import archlab.knowledge.store.SearchMoveStat;
import archlab.knowledge.store.SearchNode;
import archlab.knowledge.store.ValuePrediction;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A journal that keeps the latest row of everything in memory, as the store would: for tests. */
final class InMemoryJournal implements SearchJournal {
    final Map<String, SearchNode> nodes = new LinkedHashMap<>();
    final Map<String, SearchMoveStat> moves = new LinkedHashMap<>();
    final List<ScreenedCandidate> screenings = new ArrayList<>();
    final Map<String, ValuePrediction> predictions = new LinkedHashMap<>();
    long step;
    private final SearchHistory initial;

    InMemoryJournal() {
        this(null);
    }

    /** A journal that starts from a hand-made history. */
    InMemoryJournal(SearchHistory initial) {
        this.initial = initial;
    }

    @Override
    public String campaignId() {
        return "test";
    }

    @Override
    public SearchHistory load() {
        if (initial != null) {
            return initial;
        }
        List<SearchNode> bySeq = new ArrayList<>(nodes.values());
        bySeq.sort(Comparator.comparingLong(SearchNode::seq));
        return new SearchHistory(step, bySeq, new ArrayList<>(moves.values()), new ArrayList<>(predictions.values()));
    }

    @Override
    public void stepped(String strategy, long s, String settings) {
        step = s;
    }

    @Override
    public void screened(List<ScreenedCandidate> rows) {
        screenings.addAll(rows);
    }

    @Override
    public void observed(List<SearchNode> changed, SearchMoveStat move, ValuePrediction prediction) {
        for (SearchNode n : changed) {
            nodes.put(n.key(), n);
        }
        if (move != null) {
            moves.put(move.move(), move);
        }
        if (prediction != null) {
            predictions.put(prediction.key(), prediction);
        }
    }
}
