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
}
