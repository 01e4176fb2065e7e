package archlab.knowledge.store;

import java.time.Instant;

/**
 * One job submitted for a {@link RemoteEvaluation}: the history behind its retries.
 *
 * @param state the scheduler's last known state of the job ({@code PENDING}, {@code RUNNING},
 *              {@code COMPLETED}, {@code CANCELLED}, {@code TIMEOUT}, ...)
 * @param note  what is known about how it ended: the worker's own words when it could not write a
 *              result, or the scheduler's reason and exit code
 * @param host  the node its worker ran on, once it started
 */
public record RemoteJob(String evaluationId, int attempt, String jobId, String state, String note, String host,
                        Instant submittedAt, Instant startedAt, Instant endedAt) {
    public boolean ended() {
        return endedAt != null;
    }
}
