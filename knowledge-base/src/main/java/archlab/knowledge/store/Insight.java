package archlab.knowledge.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An analyst's finding, about some experiments and resting on some papers (paper-note ids, such as
 * {@code gated-deltanet}). {@code id} is assigned by the store.
 */
public record Insight(Long id, String campaignId, String text, List<String> experimentIds, List<String> paperIds,
                      Instant createdAt) {
    public Insight {
        Objects.requireNonNull(campaignId, "campaignId");
        Objects.requireNonNull(text, "text");
        experimentIds = experimentIds == null ? List.of() : List.copyOf(experimentIds);
        paperIds = paperIds == null ? List.of() : List.copyOf(paperIds);
    }

    public static Insight of(String campaignId, String text, List<String> experimentIds, List<String> paperIds) {
        return new Insight(null, campaignId, text, experimentIds, paperIds, null);
    }
}
