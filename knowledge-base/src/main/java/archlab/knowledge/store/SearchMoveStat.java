package archlab.knowledge.store;

import java.util.Objects;

/** The move bandit's count for one research move in one campaign: times tried and the reward summed over them. */
public record SearchMoveStat(String campaignId, String move, int pulls, double rewardSum) {
    public SearchMoveStat {
        Objects.requireNonNull(campaignId, "campaignId");
        Objects.requireNonNull(move, "move");
    }
}
