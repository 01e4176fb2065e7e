package archlab.knowledge.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A campaign: its configuration (the campaign file's text), the policy that runs it ({@code llm} or
 * {@code offline}, or {@code imported}), its budgets and what it has spent (JSON objects, such as
 * {@code {"experiments": 200, "money_usd": 5}}), and its status.
 */
public record Campaign(String id, String name, String config, String policy, String budgets, String spend,
                       CampaignStatus status, Instant createdAt, Instant updatedAt) {
    public Campaign {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
    }

    /** A new campaign with a fresh id, status created, no budgets and nothing spent. */
    public static Campaign create(String name, String config, String policy) {
        return new Campaign(Ids.next("cmp"), name, config, policy, "{}", "{}", CampaignStatus.CREATED, null, null);
    }

    public Campaign withStatus(CampaignStatus newStatus) {
        return new Campaign(id, name, config, policy, budgets, spend, newStatus, createdAt, updatedAt);
    }

    public Campaign withBudgets(String newBudgets) {
        return new Campaign(id, name, config, policy, newBudgets, spend, status, createdAt, updatedAt);
    }

    public Campaign withSpend(String newSpend) {
        return new Campaign(id, name, config, policy, budgets, newSpend, status, createdAt, updatedAt);
    }
}
