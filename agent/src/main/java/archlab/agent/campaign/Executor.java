package archlab.agent.campaign;

import archlab.sandbox.train.ProgressListener;
import archlab.sandbox.worker.EvaluationRequest;
import archlab.sandbox.worker.EvaluationResult;

/**
 * Where evaluations run: a pool of local sandbox workers, or (for scale-out) jobs on a cluster.
 * {@link #evaluate} blocks until the result is in and is called from several threads at once, one per
 * slot; it never throws for anything the definition does (a crash, a timeout, a divergence is a failed
 * result), so the campaign records it and goes on.
 */
public interface Executor extends AutoCloseable {
    EvaluationResult evaluate(EvaluationRequest request, ProgressListener progress);

    /**
     * {@link #evaluate(EvaluationRequest, ProgressListener)} under a stable name for this evaluation
     * (the campaign's experiment, stage and seed), the same in every session of a campaign. An executor
     * whose evaluations outlive the coordinator (cluster jobs) finds an evaluation it already started by
     * this key, and waits on it instead of starting it again; a local one has nothing to find.
     */
    default EvaluationResult evaluate(String evaluationKey, EvaluationRequest request, ProgressListener progress) {
        return evaluate(request, progress);
    }

    /** How many evaluations may run at once. */
    int slots();

    /** What everything prints, such as {@code local (2 workers, 1 thread each)}. */
    String describe();

    @Override
    void close();
}
