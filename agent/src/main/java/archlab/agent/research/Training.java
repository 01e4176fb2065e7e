package archlab.agent.research;

import archlab.sandbox.worker.EvaluationResult;

/**
 * Trains one definition on the campaign's task and reports what was measured. An interface so that a
 * campaign can swap where training happens (a local sandbox pool today, Slurm jobs later) without
 * touching the research step. Must not throw for anything the definition does: a crash, a timeout or
 * a divergence is a failed {@link EvaluationResult}.
 */
@FunctionalInterface
public interface Training {
    EvaluationResult train(String experimentId, String definition);
}
