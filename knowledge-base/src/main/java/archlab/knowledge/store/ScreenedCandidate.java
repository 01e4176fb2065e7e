package archlab.knowledge.store;

import java.util.Objects;

/**
 * One proposal that went through the search's screening in {@code step}: the prediction it was judged
 * by, its score ({@code mean + kappa * uncertainty}), its rank among the step's proposals (0 = best) and
 * whether it was {@code chosen} for evaluation. {@code parentKey} and {@code move} are null for fresh
 * candidates.
 */
public record ScreenedCandidate(String campaignId, long step, String parentKey, String move, String candidateKey,
                                double predictedMean, double predictedUncertainty, double score, int rank,
                                boolean chosen) {
    public ScreenedCandidate {
        Objects.requireNonNull(campaignId, "campaignId");
        Objects.requireNonNull(candidateKey, "candidateKey");
    }
}
