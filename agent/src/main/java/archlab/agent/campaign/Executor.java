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

    /** How many evaluations may run at once. */
    int slots();

    /** What everything prints, such as {@code local (2 workers, 1 thread each)}. */
    String describe();

    @Override
    void close();
}
