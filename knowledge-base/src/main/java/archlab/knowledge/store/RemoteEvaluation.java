package archlab.knowledge.store;

import java.time.Instant;
import java.util.Objects;

/**
 * An evaluation sent to a cluster: what to train ({@code request}, the sandbox's request as JSON), the
 * job that runs it now, and its result once a worker wrote it. See {@link RemoteEvaluations}.
 *
 * @param id        the stable evaluation id (the caller's: experiment, stage and seed), the key that a
 *                  resumed coordinator and the job's worker both find the row by
 * @param jobId     the job running it now; null before the first submission and after a job was lost
 * @param attempts  jobs submitted so far
 * @param lost      jobs that ended without a result (the retry limit counts these)
 * @param progress  the worker's last progress line as JSON, or null
 * @param result    the sandbox's result as JSON, or null while none has arrived
 */
public record RemoteEvaluation(String id, String campaignId, String request, String jobId, int attempts, int lost,
                               String progress, String result, String resultJobId, Instant createdAt,
                               Instant updatedAt, Instant finishedAt) {
    public RemoteEvaluation {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(request, "request");
    }

    public boolean finished() {
        return result != null;
    }
}
