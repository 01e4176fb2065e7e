package archlab.knowledge.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Evaluations run as cluster jobs, and the jobs submitted for them (migration V5). The coordinator
 * registers an evaluation, records each job it submits and each job that ended; the job's worker
 * reads the request and writes the result. Obtain it from {@link Store#remoteEvaluations()}.
 *
 * <p>The result is written once: {@link #complete} sets it only where none is stored, in one
 * statement, so a worker that dies mid-write leaves nothing, and a duplicate (a job thought lost that
 * finished after all, or a requeued one) changes nothing. docs/scale-out.md has the whole protocol.
 */
public final class RemoteEvaluations {
    private static final String SELECT = "SELECT id, campaign_id, request, job_id, attempts, lost, progress, result,"
            + " result_job_id, created_at, updated_at, finished_at FROM remote_evaluation";
    private static final String SELECT_JOB = "SELECT evaluation_id, attempt, job_id, state, note, host, submitted_at,"
            + " started_at, ended_at FROM remote_job";

    private final Db db;

    RemoteEvaluations(Db db) {
        this.db = db;
    }

    /**
     * The evaluation {@code id}: the stored row when there is one (its request is left as it was),
     * else a new row with {@code request} and no job yet.
     */
    public RemoteEvaluation register(String id, String campaignId, String request) {
        Optional<RemoteEvaluation> known = find(id);
        if (known.isPresent()) {
            return known.get();
        }
        Instant now = Db.now();
        try {
            db.run(c -> {
                try (PreparedStatement p = c.prepareStatement("INSERT INTO remote_evaluation (id, campaign_id, request,"
                        + " attempts, lost, created_at, updated_at) VALUES (?, ?, ?, 0, 0, ?, ?)")) {
                    p.setString(1, id);
                    Db.setString(p, 2, campaignId);
                    p.setString(3, request);
                    Db.setInstant(p, 4, now);
                    Db.setInstant(p, 5, now);
                    return p.executeUpdate();
                }
            });
        } catch (StoreException e) {
            if (!e.isUniqueViolation()) {
                throw e;
            }
            // another coordinator thread registered it first: theirs stands
        }
        return find(id).orElseThrow();
    }

    public Optional<RemoteEvaluation> find(String id) {
        return db.run(c -> Db.first(Db.query(c, SELECT + " WHERE id = ?", p -> p.setString(1, id),
                RemoteEvaluations::read)));
    }

    /** Every evaluation of a campaign, oldest first. */
    public List<RemoteEvaluation> forCampaign(String campaignId) {
        return db.run(c -> Db.query(c, SELECT + " WHERE campaign_id = ? ORDER BY created_at, id",
                p -> p.setString(1, campaignId), RemoteEvaluations::read));
    }

    /** Evaluations of a campaign that have a job and no result: what a coordinator waits on. */
    public List<RemoteEvaluation> inFlight(String campaignId) {
        return db.run(c -> Db.query(c, SELECT + " WHERE campaign_id = ? AND job_id IS NOT NULL AND result IS NULL"
                + " ORDER BY created_at, id", p -> p.setString(1, campaignId), RemoteEvaluations::read));
    }

    /**
     * Records that job {@code jobId} was submitted for the evaluation, as its next attempt, with the
     * request it will read. Returns false (and records nothing) when the evaluation already has a
     * result or another job: the caller should cancel the job it just submitted.
     */
    public boolean submitted(String id, String jobId, String request) {
        Instant now = Db.now();
        return db.atomically(c -> {
            int attempt;
            try (PreparedStatement p = c.prepareStatement("UPDATE remote_evaluation SET job_id = ?, request = ?,"
                    + " attempts = attempts + 1, updated_at = ? WHERE id = ? AND job_id IS NULL AND result IS NULL")) {
                p.setString(1, jobId);
                p.setString(2, request);
                Db.setInstant(p, 3, now);
                p.setString(4, id);
                if (p.executeUpdate() != 1) {
                    return false;
                }
            }
            attempt = Db.query(c, "SELECT attempts FROM remote_evaluation WHERE id = ?", p -> p.setString(1, id),
                    rs -> rs.getInt(1)).get(0);
            try (PreparedStatement p = c.prepareStatement("INSERT INTO remote_job (evaluation_id, attempt, job_id, state,"
                    + " submitted_at) VALUES (?, ?, ?, 'PENDING', ?)")) {
                p.setString(1, id);
                p.setInt(2, attempt);
                p.setString(3, jobId);
                Db.setInstant(p, 4, now);
                p.executeUpdate();
            }
            return true;
        });
    }

    /** The worker of job {@code jobId} started on {@code host}. */
    public void started(String id, String jobId, String host) {
        Instant now = Db.now();
        db.run(c -> {
            try (PreparedStatement p = c.prepareStatement("UPDATE remote_job SET state = 'RUNNING', host = ?,"
                    + " started_at = ? WHERE evaluation_id = ? AND job_id = ? AND ended_at IS NULL")) {
                Db.setString(p, 1, host);
                Db.setInstant(p, 2, now);
                p.setString(3, id);
                p.setString(4, jobId);
                return p.executeUpdate();
            }
        });
    }

    /** The worker's last progress (JSON), for the coordinator's display; a lost write costs nothing. */
    public void progress(String id, String progress) {
        db.run(c -> {
            try (PreparedStatement p = c.prepareStatement("UPDATE remote_evaluation SET progress = ? WHERE id = ?"
                    + " AND result IS NULL")) {
                p.setString(1, progress);
                p.setString(2, id);
                return p.executeUpdate();
            }
        });
    }

    /** A note on job {@code jobId} from its worker, such as why it ends without a result. */
    public void note(String id, String jobId, String note) {
        db.run(c -> {
            try (PreparedStatement p = c.prepareStatement("UPDATE remote_job SET note = ? WHERE evaluation_id = ?"
                    + " AND job_id = ?")) {
                Db.setString(p, 1, note);
                p.setString(2, id);
                p.setString(3, jobId);
                return p.executeUpdate();
            }
        });
    }

    /**
     * Writes the result of the evaluation, from job {@code jobId} (null: the coordinator itself, when
     * it gives up), unless one is already stored. One transaction: the result and the job's end land
     * together or not at all. Returns true when this call wrote it, false for a duplicate.
     */
    public boolean complete(String id, String jobId, String result) {
        Instant now = Db.now();
        return db.atomically(c -> {
            try (PreparedStatement p = c.prepareStatement("UPDATE remote_evaluation SET result = ?, result_job_id = ?,"
                    + " job_id = NULL, progress = NULL, finished_at = ?, updated_at = ? WHERE id = ? AND result IS NULL")) {
                p.setString(1, result);
                Db.setString(p, 2, jobId);
                Db.setInstant(p, 3, now);
                Db.setInstant(p, 4, now);
                p.setString(5, id);
                if (p.executeUpdate() != 1) {
                    return false;
                }
            }
            if (jobId != null) {
                try (PreparedStatement p = c.prepareStatement("UPDATE remote_job SET state = 'COMPLETED', ended_at = ?"
                        + " WHERE evaluation_id = ? AND job_id = ? AND ended_at IS NULL")) {
                    Db.setInstant(p, 1, now);
                    p.setString(2, id);
                    p.setString(3, jobId);
                    p.executeUpdate();
                }
            }
            return true;
        });
    }

    /**
     * Job {@code jobId} ended (or vanished) without a result: records its final {@code state} and
     * what is known, and frees the evaluation for the next submission. {@code lost} says whether it
     * counts against the retry limit (a job the coordinator cancelled on its way out does not).
     * Returns false when the job was no longer the evaluation's (already recorded, or a result came).
     */
    public boolean ended(String id, String jobId, String state, String note, boolean lost) {
        Instant now = Db.now();
        return db.atomically(c -> {
            try (PreparedStatement p = c.prepareStatement("UPDATE remote_evaluation SET job_id = NULL,"
                    + " lost = lost + ?, updated_at = ? WHERE id = ? AND job_id = ? AND result IS NULL")) {
                p.setInt(1, lost ? 1 : 0);
                Db.setInstant(p, 2, now);
                p.setString(3, id);
                p.setString(4, jobId);
                if (p.executeUpdate() != 1) {
                    return false;
                }
            }
            // the worker's own note (why it wrote no result) comes first, the scheduler's view after it
            List<String> notes = Db.query(c, "SELECT note FROM remote_job WHERE evaluation_id = ? AND job_id = ?",
                    p -> {
                        p.setString(1, id);
                        p.setString(2, jobId);
                    }, rs -> rs.getString(1));
            String before = notes.isEmpty() ? null : notes.get(0);
            String combined = before == null ? note : note == null ? before : before + "; " + note;
            try (PreparedStatement p = c.prepareStatement("UPDATE remote_job SET state = ?, note = ?, ended_at = ?"
                    + " WHERE evaluation_id = ? AND job_id = ? AND ended_at IS NULL")) {
                p.setString(1, state);
                Db.setString(p, 2, combined);
                Db.setInstant(p, 3, now);
                p.setString(4, id);
                p.setString(5, jobId);
                p.executeUpdate();
            }
            return true;
        });
    }

    /** The jobs submitted for the evaluation, oldest first. */
    public List<RemoteJob> jobs(String id) {
        return db.run(c -> Db.query(c, SELECT_JOB + " WHERE evaluation_id = ? ORDER BY attempt",
                p -> p.setString(1, id), RemoteEvaluations::readJob));
    }

    private static RemoteEvaluation read(ResultSet rs) throws SQLException {
        return new RemoteEvaluation(rs.getString("id"), rs.getString("campaign_id"), rs.getString("request"),
                rs.getString("job_id"), rs.getInt("attempts"), rs.getInt("lost"), rs.getString("progress"),
                rs.getString("result"), rs.getString("result_job_id"), Db.getInstant(rs, "created_at"),
                Db.getInstant(rs, "updated_at"), Db.getInstant(rs, "finished_at"));
    }

    private static RemoteJob readJob(ResultSet rs) throws SQLException {
        return new RemoteJob(rs.getString("evaluation_id"), rs.getInt("attempt"), rs.getString("job_id"),
                rs.getString("state"), rs.getString("note"), rs.getString("host"), Db.getInstant(rs, "submitted_at"),
                Db.getInstant(rs, "started_at"), Db.getInstant(rs, "ended_at"));
    }
}
