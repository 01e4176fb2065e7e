package archlab.agent.campaign;

import archlab.sandbox.train.ProgressListener;
import archlab.sandbox.worker.EvaluationRequest;
import archlab.sandbox.worker.EvaluationResult;
import archlab.sandbox.worker.Sandbox;

/**
 * Evaluations in sandbox worker processes on this machine. The CPUs are shared out: each worker
 * gets {@code cpus / workers} intra-op threads (at least one), because two workers that each
 * spawn a thread per core fight over the cores and both run several times slower
 * (docs/benchmarks.md measures this).
 */
public final class LocalExecutor implements Executor {
    private final Sandbox sandbox;
    private final int workers;
    private final int threads;

    public LocalExecutor(int workers) {
        this(workers, Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, workers)));
    }

    public LocalExecutor(int workers, int threadsPerWorker) {
        this.workers = workers;
        this.threads = threadsPerWorker;
        this.sandbox = Sandbox.builder().workers(workers).threads(threadsPerWorker).build();
    }

    @Override
    public EvaluationResult evaluate(EvaluationRequest request, ProgressListener progress) {
        return sandbox.evaluate(request, progress);
    }

    @Override
    public int slots() {
        return workers;
    }

    @Override
    public String describe() {
        return "local (" + workers + " worker" + (workers == 1 ? "" : "s") + ", " + threads + " thread"
                + (threads == 1 ? "" : "s") + " each)";
    }

    @Override
    public void close() {
        sandbox.close();
    }
}
