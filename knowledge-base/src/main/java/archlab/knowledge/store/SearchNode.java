package archlab.knowledge.store;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One node of a campaign's search tree as the store keeps it: an evaluated candidate with the
 * statistics the search decides by. See {@link SearchStats} and docs/search.md.
 *
 * @param key              the candidate's canonical key (one node per key and campaign)
 * @param parentKey        the node it was proposed from; null for a fresh candidate (a child of the root)
 * @param experimentId     the experiment that evaluated it, when there is one
 * @param move             the research move that proposed it ({@code mutate}, ...), null for a fresh one
 * @param seq              the order results arrived in, from 0
 * @param step             the search step that proposed it
 * @param fitness          its measured fitness; null when the evaluation failed
 * @param visits           backed-up visits of its subtree
 * @param valueSum         backed-up normalised fitness of its subtree
 * @param bestFitness      the best fitness in its subtree; null when none succeeded
 * @param priorMean        the value model's forecast when it was screened in (normalised scale)
 * @param priorUncertainty the forecast's uncertainty
 * @param exhausted        whether proposing from it has stopped yielding new candidates
 * @param features         the value model's input
 */
public record SearchNode(String campaignId, String key, String parentKey, String experimentId, String move,
                         int depth, long seq, long step, Double fitness, int visits, double valueSum,
                         Double bestFitness, double priorMean, double priorUncertainty, boolean exhausted,
                         Map<String, Double> features) {
    public SearchNode {
        Objects.requireNonNull(campaignId, "campaignId");
        Objects.requireNonNull(key, "key");
        features = java.util.Collections.unmodifiableSortedMap(features == null ? new TreeMap<>() : new TreeMap<>(features));
    }
}
