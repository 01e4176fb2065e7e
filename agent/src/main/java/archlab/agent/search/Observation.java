package archlab.agent.search;

import archlab.agent.research.Move;
import java.util.Map;
import java.util.Objects;

/**
 * The result of evaluating a chosen candidate: its key, the node it was proposed from ({@code parent},
 * null for a fresh candidate) and with which move, its features, and its fitness, higher is better
 * ({@code null} when the evaluation failed). {@code experimentId} is the caller's name for it, kept
 * with the tree node for the record (may be null).
 */
public record Observation(String key, String parent, Move move, Map<String, Double> features, Double fitness,
                          String experimentId) {
    public Observation {
        Objects.requireNonNull(key, "key");
        features = Candidate.sorted(features);
        if (fitness != null && !Double.isFinite(fitness)) {
            throw new IllegalArgumentException("fitness must be finite or null (failed), got " + fitness + " for " + key);
        }
    }

    /** An observation of a candidate that came from {@code expansion}. */
    public static Observation of(Expansion expansion, Candidate c, Double fitness) {
        return new Observation(c.key(), expansion.parent(), expansion.move(), c.features(), fitness, null);
    }

    public boolean failed() {
        return fitness == null;
    }
}
