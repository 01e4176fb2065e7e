package archlab.agent.campaign;

import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.LlmCalls;
import archlab.knowledge.store.Store;

import java.util.Objects;

/**
 * What an experiment's design cost in LLM calls: its own (the coder's attempts at it, the analyst and
 * the judge on its result) and its share of the expansion that made it (the planner's calls, and the
 * codings the search did not choose), split equally among the children that expansion's node has.
 * Summed over a campaign's experiments, the shares give back every linked call of the ledger; a call
 * made before any experiment (a root expansion that produced nothing) stays with the campaign.
 *
 * @param own       calls linked to the experiment itself
 * @param shared    the expansion's calls, whole
 * @param siblings  the children of the expanded node the shared cost is split over, this one included
 */
public record LlmCost(LlmCalls.Spend own, LlmCalls.Spend shared, int siblings) {
    public LlmCost {
        Objects.requireNonNull(own, "own");
        Objects.requireNonNull(shared, "shared");
    }

    public static LlmCost of(Store store, Experiment e) {
        String expanded = e.parentId() == null ? "root:" + e.campaignId() : e.parentId();
        LlmCalls.Spend shared = store.llmCalls().spendOfExpansion(expanded);
        int siblings = 1;
        if (shared.calls() > 0) {
            siblings = (int) Math.max(1, store.experiments().list(ExperimentQuery.campaign(e.campaignId())).stream()
                    .filter(x -> Objects.equals(x.parentId(), e.parentId()) && !ResearchRecord.of(x).isBaseline())
                    .count());
        }
        return new LlmCost(store.llmCalls().spendOfExperiment(e.id()), shared, siblings);
    }

    /** Tokens, own plus the share (rounded). */
    public long tokens() {
        return own.tokensIn() + own.tokensOut() + Math.round((shared.tokensIn() + shared.tokensOut()) / (double) siblings);
    }

    /** Money, own plus the share. */
    public double cost() {
        return own.cost() + shared.cost() / siblings;
    }

    public double sharedCost() {
        return shared.cost() / siblings;
    }

    /** One line: {@code 3 calls, 4,210 tokens, $0.0123 (of which $0.0040 its share of the planner's 2 calls)}. */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "%d call%s, %,d tokens, $%.4f (of which $%.4f is its 1/%d share of"
                        + " the %d planner and unchosen coder call%s of its expansion)", own.calls(),
                own.calls() == 1 ? "" : "s", tokens(), cost(), sharedCost(), siblings, shared.calls(),
                shared.calls() == 1 ? "" : "s");
    }
}
