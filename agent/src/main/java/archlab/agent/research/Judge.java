package archlab.agent.research;

import archlab.knowledge.store.Experiment;

/** Optional scoring of novelty, complexity and soundness. */
public interface Judge {
    JudgeScore judge(ResearchContext context, Experiment experiment);
}
