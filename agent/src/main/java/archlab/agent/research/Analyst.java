package archlab.agent.research;

import archlab.knowledge.store.Experiment;

/** Explains a finished (or failed) experiment against its family in {@code context}. */
public interface Analyst {
    Analysis analyse(ResearchContext context, Experiment result);
}
