package archlab.knowledge.store;

import java.util.Objects;

/**
 * The value model's forecast for a candidate that went to evaluation, made in {@code step} from
 * {@code trainingSize} results, and the fitness it then measured ({@code null} while pending, or when
 * the evaluation failed): one row of the prequential log.
 */
public record ValuePrediction(String campaignId, String key, long step, int trainingSize, double predictedMean,
                              double predictedUncertainty, Double fitness) {
    public ValuePrediction {
        Objects.requireNonNull(campaignId, "campaignId");
        Objects.requireNonNull(key, "key");
    }
}
