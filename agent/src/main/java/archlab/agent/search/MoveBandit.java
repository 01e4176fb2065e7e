package archlab.agent.search;

import archlab.agent.research.Move;
import archlab.knowledge.store.SearchMoveStat;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Level 2 of a step: which research move to apply to the chosen node, as a UCB1 bandit. A move's reward
 * is 1 when the child it produced beat its parent and 0 otherwise (a failure is 0), so the bandit learns
 * which moves tend to improve on what they start from, in any task's units. Untried moves go first,
 * in the order given.
 */
final class MoveBandit {
    private final double exploration;
    private final Map<Move, double[]> stats = new EnumMap<>(Move.class);

    MoveBandit(double exploration, List<SearchMoveStat> restored) {
        this.exploration = exploration;
        for (SearchMoveStat s : restored) {
            stats.put(Move.parse(s.move()), new double[] {s.pulls(), s.rewardSum()});
        }
    }

    Move choose(List<Move> available) {
        if (available.isEmpty()) {
            throw new IllegalArgumentException("no move to choose from");
        }
        double total = 0;
        for (Move m : available) {
            double[] s = stats.get(m);
            if (s == null || s[0] == 0) {
                return m;
            }
            total += s[0];
        }
        Move best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (Move m : available) {
            double[] s = stats.get(m);
            double score = s[1] / s[0] + exploration * Math.sqrt(Math.log(total) / s[0]);
            if (score > bestScore) {
                bestScore = score;
                best = m;
            }
        }
        return best;
    }

    /** Counts one result of {@code move}; returns the statistic to persist. */
    SearchMoveStat update(String campaignId, Move move, double reward) {
        double[] s = stats.computeIfAbsent(move, m -> new double[2]);
        s[0] += 1;
        s[1] += reward;
        return new SearchMoveStat(campaignId, move.id(), (int) s[0], s[1]);
    }
}
