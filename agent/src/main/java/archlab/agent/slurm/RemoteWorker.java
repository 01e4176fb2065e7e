package archlab.agent.slurm;

import archlab.knowledge.store.RemoteEvaluation;
import archlab.knowledge.store.RemoteEvaluations;
import archlab.sandbox.train.ProgressListener;
import archlab.sandbox.worker.EvaluationRequest;
import archlab.sandbox.worker.EvaluationResult;
import archlab.sandbox.worker.Protocol;
import archlab.sandbox.worker.Sandbox;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.Set;

/**
 * What a cluster job runs ({@code archlab worker --evaluation KEY}): reads the evaluation's request from
 * the shared store, trains it in a {@link Sandbox} (the same worker processes, limits and diagnostics
 * as the local executor), and writes the result back, once.
 *
 * <p>A worker whose sandbox was killed from outside (Slurm's {@code scancel}, preemption or time
 * limit sends SIGTERM and later SIGKILL to every process of the job) writes no result: that death is
 * the scheduler's doing, not the definition's, and the coordinator submits the evaluation again. The
 * result is written in one statement, so a worker killed mid-write leaves nothing behind.
 */
public final class RemoteWorker {
    /** Exit status when no result was written and the coordinator should try again. */
    public static final int NO_RESULT = 75;
    /** Worker exit statuses that mean a signal from outside: 128 + SIGKILL, 128 + SIGTERM. */
    private static final Set<Integer> OUTSIDE_SIGNALS = Set.of(137, 143);
    private static final long PROGRESS_EVERY_MS = 3000;

    private final RemoteEvaluations remote;
    private final PrintWriter err;

    public RemoteWorker(RemoteEvaluations remote, PrintWriter err) {
        this.remote = remote;
        this.err = err;
    }

    /**
     * Runs evaluation {@code key} as job {@code jobId} (null outside Slurm) with {@code threads} training
     * threads (0: the request's own); returns the exit status: 0 when the evaluation has a result (this
     * worker's or an earlier one's), {@link #NO_RESULT} when it has none.
     */
    public int run(String key, String jobId, int threads, String host) {
        Optional<RemoteEvaluation> found = remote.find(key);
        if (found.isEmpty()) {
            throw new IllegalArgumentException("the store has no evaluation " + key);
        }
        RemoteEvaluation row = found.get();
        if (row.result() != null) {
            say("evaluation " + key + " already has a result (from job " + row.resultJobId() + "): nothing to do");
            return 0;
        }
        if (jobId != null && row.jobId() != null && !jobId.equals(row.jobId())) {
            say("evaluation " + key + " is job " + row.jobId() + "'s now, not this job's (" + jobId + "): nothing to do");
            return 0;
        }
        EvaluationRequest request;
        try {
            request = Protocol.mapper().readValue(row.request(), EvaluationRequest.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the request of evaluation " + key + " is not readable: "
                    + e.getOriginalMessage());
        }
        if (threads > 0) {
            request = request.withThreads(threads);
        }
        if (jobId != null) {
            remote.started(key, jobId, host);
        }
        say("evaluation " + key + " (" + request.id() + ", " + request.task() + ") on " + host
                + (jobId == null ? "" : " as job " + jobId));
        EvaluationResult result;
        try (Sandbox sandbox = Sandbox.builder().workers(1).threads(Math.max(1, request.threads()))
                .stderrSink(line -> say("worker: " + line)).build()) {
            result = sandbox.evaluate(request, progressTo(key));
        }
        if (!result.ok() && fromOutside(result)) {
            String why = result.failure().message();
            say("no result written: " + why);
            if (jobId != null) {
                remote.note(key, jobId, "the worker wrote no result: " + why);
            }
            return NO_RESULT;
        }
        boolean written = remote.complete(key, jobId, json(result));
        say("evaluation " + key + " " + result.status() + (result.ok() ? "" : " (" + result.failureKind() + ")")
                + (written ? ": result written" : ": another job's result was already there; this one is dropped"));
        return 0;
    }

    /** A sandbox death that is the scheduler's doing (or archlab's), not the definition's. */
    public static boolean fromOutside(EvaluationResult r) {
        if (EvaluationResult.INTERNAL.equals(r.failureKind())) {
            return true;
        }
        Integer exit = r.worker() == null ? null : r.worker().exitCode();
        return EvaluationResult.CRASH.equals(r.failureKind()) && exit != null && OUTSIDE_SIGNALS.contains(exit);
    }

    private ProgressListener progressTo(String key) {
        return new ProgressListener() {
            private long last;

            @Override
            public void onStep(int step, int steps, double loss, double lr, double elapsed) {
                long now = System.currentTimeMillis();
                if (now - last < PROGRESS_EVERY_MS && step < steps) {
                    return;
                }
                last = now;
                ObjectNode p = Protocol.mapper().createObjectNode();
                p.put("step", step).put("steps", steps).put("loss", loss).put("lr", lr).put("elapsed_s", elapsed);
                try {
                    remote.progress(key, p.toString());
                } catch (RuntimeException e) {
                    // progress is for the coordinator's display; the result is what must arrive
                }
            }
        };
    }

    private void say(String line) {
        synchronized (err) {
            err.println(line);
            err.flush();
        }
    }

    private static String json(EvaluationResult r) {
        try {
            return Protocol.mapper().writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the result as JSON", e);
        }
    }
}
