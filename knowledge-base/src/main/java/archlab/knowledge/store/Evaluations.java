package archlab.knowledge.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Evaluations, one per (experiment, stage, seed). Obtain it from {@link Store#evaluations()}. */
public final class Evaluations {
    private static final List<String> COLUMNS = List.of("experiment_id", "stage", "seed", "status", "metrics", "curve",
            "result", "created_at", "updated_at");
    private static final String SELECT = "SELECT id, " + String.join(", ", COLUMNS) + " FROM evaluation";

    private final Db db;
    private final String upsert;

    Evaluations(Db db) {
        this.db = db;
        this.upsert = db.dialect.upsert("evaluation", List.of("experiment_id", "stage", "seed"), COLUMNS,
                List.of("status", "metrics", "curve", "result", "updated_at"));
    }

    /**
     * Writes the evaluation of (experiment, stage, seed): inserts it, or replaces status, metrics,
     * curve and result when that evaluation exists. Idempotent: a requeued job that reports the
     * same result again changes nothing but {@code updatedAt}. Returns the stored row, with its id.
     */
    public Evaluation upsert(Evaluation e) {
        Instant now = Db.now();
        try {
            return write(e, now);
        } catch (StoreException ex) {
            // H2's MERGE: two writers that both found no row race to insert it; the loser sees a
            // unique violation, and writing again updates the winner's row.
            if (ex.isUniqueViolation() && db.dialect == Dialect.H2) {
                return write(e, now);
            }
            throw ex;
        }
    }

    private Evaluation write(Evaluation e, Instant now) {
        return db.atomically(c -> {
            try (PreparedStatement p = c.prepareStatement(upsert)) {
                bind(p, e, now, now);
                p.executeUpdate();
            }
            return find(c, e.experimentId(), e.stage(), e.seed()).orElseThrow();
        });
    }

    /**
     * Upserts many evaluations in one transaction (batched): all or none. Unlike {@link #upsert},
     * keeps the records' own timestamps when they have them (as an import does).
     */
    public void upsertAll(java.util.Collection<Evaluation> evaluations) {
        Instant now = Db.now();
        db.atomically(c -> {
            try (PreparedStatement p = c.prepareStatement(upsert)) {
                int n = 0;
                for (Evaluation e : evaluations) {
                    bind(p, e, now, e.updatedAt() != null ? e.updatedAt() : now);
                    p.addBatch();
                    if (++n % 500 == 0) {
                        p.executeBatch();
                    }
                }
                if (n % 500 != 0) {
                    p.executeBatch();
                }
            }
            return null;
        });
    }

    public Optional<Evaluation> find(String experimentId, String stage, int seed) {
        return db.run(c -> find(c, experimentId, stage, seed));
    }

    /** The experiment's evaluations, by stage (in the order they were first written) and seed. */
    public List<Evaluation> forExperiment(String experimentId) {
        return db.run(c -> query(c, SELECT + " WHERE experiment_id = ? ORDER BY id", p -> p.setString(1, experimentId)));
    }

    private static void bind(PreparedStatement p, Evaluation e, Instant now, Instant updated) throws SQLException {
        p.setString(1, e.experimentId());
        p.setString(2, e.stage());
        p.setInt(3, e.seed());
        p.setString(4, e.status());
        Db.setString(p, 5, e.metrics());
        Db.setString(p, 6, e.curve());
        Db.setString(p, 7, e.result());
        Db.setInstant(p, 8, e.createdAt() != null ? e.createdAt() : now);
        Db.setInstant(p, 9, updated);
    }

    private static Optional<Evaluation> find(Connection c, String experimentId, String stage, int seed)
            throws SQLException {
        List<Evaluation> list = query(c, SELECT + " WHERE experiment_id = ? AND stage = ? AND seed = ?", p -> {
            p.setString(1, experimentId);
            p.setString(2, stage);
            p.setInt(3, seed);
        });
        return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
    }

    private static List<Evaluation> query(Connection c, String sql, Db.Binder binder) throws SQLException {
        return Db.query(c, sql, binder, rs -> new Evaluation(rs.getLong("id"), rs.getString("experiment_id"),
                rs.getString("stage"), rs.getInt("seed"), rs.getString("status"), rs.getString("metrics"),
                rs.getString("curve"), rs.getString("result"), Db.getInstant(rs, "created_at"),
                Db.getInstant(rs, "updated_at")));
    }
}
