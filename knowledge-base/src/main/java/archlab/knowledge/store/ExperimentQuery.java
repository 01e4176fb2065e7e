package archlab.knowledge.store;

import java.util.EnumSet;
import java.util.Set;

/**
 * Which experiments to list: every filter is optional (null or empty means any). Build one with
 * {@link #campaign} or {@link #all} and the {@code with}-style methods:
 *
 * <pre>{@code
 * ExperimentQuery.campaign(id).statuses(DONE).minFitness(0.5).text("gate").orderBy(Order.FITNESS).limit(20)
 * }</pre>
 *
 * @param text a case-insensitive substring of the hypothesis title, motivation or expected effect, or the name
 */
public record ExperimentQuery(String campaignId, Set<ExperimentStatus> statuses, String stage, Double minFitness,
                              Double maxFitness, String parentId, String text, Order order, int limit, int offset) {

    /** How the list is sorted. */
    public enum Order {
        /** Oldest first (then by id): the order experiments were proposed in. */
        CREATED,
        /** Best fitness first; experiments without fitness last. */
        FITNESS
    }

    public ExperimentQuery {
        statuses = statuses == null || statuses.isEmpty() ? Set.of() : Set.copyOf(statuses);
        if (order == null) {
            order = Order.CREATED;
        }
        if (limit < 0 || offset < 0) {
            throw new IllegalArgumentException("limit and offset must not be negative");
        }
    }

    /** Every experiment of one campaign, oldest first. */
    public static ExperimentQuery campaign(String campaignId) {
        return new ExperimentQuery(campaignId, null, null, null, null, null, null, Order.CREATED, 0, 0);
    }

    /** Every experiment in the store, oldest first. */
    public static ExperimentQuery all() {
        return campaign(null);
    }

    public ExperimentQuery statuses(ExperimentStatus first, ExperimentStatus... more) {
        return statuses(EnumSet.of(first, more));
    }

    public ExperimentQuery statuses(Set<ExperimentStatus> v) {
        return new ExperimentQuery(campaignId, v, stage, minFitness, maxFitness, parentId, text, order, limit, offset);
    }

    public ExperimentQuery stage(String v) {
        return new ExperimentQuery(campaignId, statuses, v, minFitness, maxFitness, parentId, text, order, limit, offset);
    }

    public ExperimentQuery minFitness(Double v) {
        return new ExperimentQuery(campaignId, statuses, stage, v, maxFitness, parentId, text, order, limit, offset);
    }

    public ExperimentQuery maxFitness(Double v) {
        return new ExperimentQuery(campaignId, statuses, stage, minFitness, v, parentId, text, order, limit, offset);
    }

    public ExperimentQuery parentId(String v) {
        return new ExperimentQuery(campaignId, statuses, stage, minFitness, maxFitness, v, text, order, limit, offset);
    }

    public ExperimentQuery text(String v) {
        return new ExperimentQuery(campaignId, statuses, stage, minFitness, maxFitness, parentId, v, order, limit, offset);
    }

    public ExperimentQuery orderBy(Order v) {
        return new ExperimentQuery(campaignId, statuses, stage, minFitness, maxFitness, parentId, text, v, limit, offset);
    }

    /** At most {@code v} experiments; 0 means no limit. */
    public ExperimentQuery limit(int v) {
        return new ExperimentQuery(campaignId, statuses, stage, minFitness, maxFitness, parentId, text, order, v, offset);
    }

    public ExperimentQuery offset(int v) {
        return new ExperimentQuery(campaignId, statuses, stage, minFitness, maxFitness, parentId, text, order, limit, v);
    }
}
