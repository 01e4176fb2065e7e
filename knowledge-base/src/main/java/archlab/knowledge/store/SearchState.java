package archlab.knowledge.store;

import java.util.Objects;

/** Which strategy a campaign searches with, its settings (JSON) and how many steps it has taken. */
public record SearchState(String campaignId, String strategy, long step, String settings) {
    public SearchState {
        Objects.requireNonNull(campaignId, "campaignId");
        Objects.requireNonNull(strategy, "strategy");
    }
}
