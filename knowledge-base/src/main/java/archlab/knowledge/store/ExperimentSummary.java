package archlab.knowledge.store;

import java.time.Instant;

/**
 * An experiment without its large parts (metrics, curves, analysis, failure message): what a list of
 * thousands of experiments needs, read by {@link Experiments#summaries}. The definition is kept
 * because readers index the blocks and ops it calls. {@code wallSeconds} is the training time, last
 * because it came last (the browser's wall-time column).
 */
public record ExperimentSummary(String id, String campaignId, String parentId, String name, Hypothesis hypothesis,
                                String definition, String definitionCheck, ExperimentStatus status, String stage,
                                Double fitness, Long params, Double flopsPerToken, String failureKind, String extra,
                                Instant createdAt, Instant updatedAt, Double wallSeconds) {
}
