package archlab.knowledge.similarity;

import java.util.List;
import java.util.Map;

/**
 * A candidate's neighbourhood in the memory, in the form the planner and the coder read.
 *
 * @param hits            the most similar experiments, best first
 * @param duplicates      ids of experiments with the candidate's canonical hash (it would repeat them)
 * @param novelty         1 minus the best combined score: 0 for a duplicate, near 1 for something unlike anything tried
 * @param failureKinds    among the hits, how many failed with each failure kind
 * @param meanFitness     mean fitness of the hits that have one; null if none has
 */
public record SimilarityReport(List<SimilarHit> hits, List<String> duplicates, double novelty,
                               Map<String, Integer> failureKinds, Double meanFitness) {
    public boolean isDuplicate() {
        return !duplicates.isEmpty();
    }
}
