package archlab.agent.research;

import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.similarity.SimilarHit;
import archlab.knowledge.store.Directive;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.Subroutine;

import java.util.List;
import java.util.Objects;

/**
 * What an agent sees about one node, assembled through the tools: the node and its family, what the
 * knowledge base says, and what the user asked for. {@code node} may be null for a root expansion
 * (then {@code seeds} hold the starting definitions). {@code campaignId} keys the ledger and insights.
 */
public record ResearchContext(String campaignId, String task, Experiment node, Experiment grandparent,
                              List<Experiment> siblings, List<Experiment> references, List<String> seeds,
                              List<PaperIndex.Hit> papers, List<SimilarHit> similar, List<Subroutine> subroutines,
                              List<Directive> directives) {
    public ResearchContext {
        Objects.requireNonNull(campaignId, "campaignId");
        siblings = siblings == null ? List.of() : List.copyOf(siblings);
        references = references == null ? List.of() : List.copyOf(references);
        seeds = seeds == null ? List.of() : List.copyOf(seeds);
        papers = papers == null ? List.of() : List.copyOf(papers);
        similar = similar == null ? List.of() : List.copyOf(similar);
        subroutines = subroutines == null ? List.of() : List.copyOf(subroutines);
        directives = directives == null ? List.of() : List.copyOf(directives);
    }

    /** The same context with another list of similar experiments. */
    public ResearchContext withSimilar(List<SimilarHit> hits) {
        return new ResearchContext(campaignId, task, node, grandparent, siblings, references, seeds, papers, hits,
                subroutines, directives);
    }
}
