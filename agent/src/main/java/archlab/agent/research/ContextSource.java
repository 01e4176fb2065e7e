package archlab.agent.research;

import archlab.knowledge.store.Experiment;

/**
 * Assembles what an agent sees about a node, through the tools (parent family, paper notes retrieved
 * by the node's analysis, similar experiments, subroutines, directives). {@code node} null means a
 * root expansion from the campaign's seeds.
 */
@FunctionalInterface
public interface ContextSource {
    ResearchContext contextFor(String campaignId, Experiment node);

    /**
     * The past experiments most like {@code e}, for the judge's novelty: the child it scores, not the
     * parent whose context it reads. By default the similar section of {@code e}'s own context.
     */
    default java.util.List<archlab.knowledge.similarity.SimilarHit> similarTo(String campaignId, Experiment e) {
        return contextFor(campaignId, e).similar();
    }
}
