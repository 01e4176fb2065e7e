package archlab.knowledge.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The experiments (nodes of the search tree). Obtain it from {@link Store#experiments()}. */
public final class Experiments {
    private static final List<String> COLUMNS = List.of("id", "campaign_id", "parent_id", "name", "hypothesis_title",
            "hypothesis_motivation", "hypothesis_expected_effect", "definition", "definition_language",
            "definition_check", "definition_errors", "canonical_hash", "status", "stage", "fitness", "metrics",
            "curves", "params", "flops_per_token", "wall_s", "tokens", "money", "failure_kind", "failure_message",
            "analysis", "extra", "created_at", "updated_at");
    private static final String INSERT = "INSERT INTO experiment (" + String.join(", ", COLUMNS) + ") VALUES ("
            + "?, ".repeat(COLUMNS.size() - 1) + "?)";
    /** Everything but id, campaign_id and created_at, then the id. */
    private static final String UPDATE = "UPDATE experiment SET "
            + String.join(" = ?, ", COLUMNS.subList(2, 26)) + " = ?, updated_at = ? WHERE id = ?";
    private static final String SELECT = "SELECT " + String.join(", ", COLUMNS) + " FROM experiment";
    private static final int BATCH = 500;

    private final Db db;

    Experiments(Db db) {
        this.db = db;
    }

    /**
     * Adds an experiment; its timestamps are set to now when null. Fails with a unique violation
     * ({@link StoreException#isUniqueViolation()}) when the id exists, or when the campaign already
     * has an experiment with the same canonical hash (see {@link #findByHash}).
     */
    public Experiment insert(Experiment e) {
        Experiment stamped = stamped(e, Db.now());
        db.run(c -> {
            try (PreparedStatement p = c.prepareStatement(INSERT)) {
                bindInsert(p, stamped);
                p.executeUpdate();
            }
            return null;
        });
        return stamped;
    }

    /**
     * Adds many experiments in one transaction (batched): all or none. Those without timestamps get
     * times a microsecond apart in list order, so that listing by creation gives the list's order.
     */
    public List<Experiment> insertAll(Collection<Experiment> experiments) {
        Instant base = Db.now();
        List<Experiment> stamped = new ArrayList<>(experiments.size());
        for (Experiment e : experiments) {
            stamped.add(stamped(e, base.plus(stamped.size(), ChronoUnit.MICROS)));
        }
        db.atomically(c -> {
            try (PreparedStatement p = c.prepareStatement(INSERT)) {
                int n = 0;
                for (Experiment e : stamped) {
                    bindInsert(p, e);
                    p.addBatch();
                    if (++n % BATCH == 0) {
                        p.executeBatch();
                    }
                }
                if (n % BATCH != 0) {
                    p.executeBatch();
                }
            }
            return null;
        });
        return stamped;
    }

    /**
     * Writes every field of {@code e} except its id, campaign and creation time over the stored row,
     * with updatedAt set to now. Returns what was stored; throws when no experiment has that id.
     */
    public Experiment update(Experiment e) {
        Experiment stamped = e.toBuilder().updatedAt(Db.now()).build();
        int rows = db.run(c -> {
            try (PreparedStatement p = c.prepareStatement(UPDATE)) {
                int i = bindFields(p, stamped, 1);
                Db.setInstant(p, i++, stamped.updatedAt());
                p.setString(i, stamped.id());
                return p.executeUpdate();
            }
        });
        if (rows == 0) {
            throw new StoreException("no experiment " + e.id());
        }
        return find(e.id()).orElseThrow();
    }

    /** Sets the status; false when no experiment has that id. */
    public boolean updateStatus(String id, ExperimentStatus status) {
        return db.run(c -> {
            try (PreparedStatement p = c.prepareStatement(
                    "UPDATE experiment SET status = ?, updated_at = ? WHERE id = ?")) {
                p.setString(1, status.dbValue());
                Db.setInstant(p, 2, Db.now());
                p.setString(3, id);
                return p.executeUpdate() == 1;
            }
        });
    }

    /**
     * Moves the experiment from {@code from} to {@code to} only if it is still in {@code from}; true
     * when this call made the change. Lets several workers claim queued experiments without two
     * taking the same one.
     */
    public boolean compareAndSetStatus(String id, ExperimentStatus from, ExperimentStatus to) {
        return db.run(c -> {
            try (PreparedStatement p = c.prepareStatement(
                    "UPDATE experiment SET status = ?, updated_at = ? WHERE id = ? AND status = ?")) {
                p.setString(1, to.dbValue());
                Db.setInstant(p, 2, Db.now());
                p.setString(3, id);
                p.setString(4, from.dbValue());
                return p.executeUpdate() == 1;
            }
        });
    }

    public Optional<Experiment> find(String id) {
        return db.run(c -> one(c, SELECT + " WHERE id = ?", id));
    }

    /** The campaign's experiment with this canonical hash: the same definition tried before. */
    public Optional<Experiment> findByHash(String campaignId, String canonicalHash) {
        return db.run(c -> one(c, SELECT + " WHERE campaign_id = ? AND canonical_hash = ?", campaignId, canonicalHash));
    }

    public List<Experiment> list(ExperimentQuery q) {
        List<Object> args = new ArrayList<>();
        String where = where(q, args);
        StringBuilder sql = new StringBuilder(SELECT).append(where);
        if (q.order() == ExperimentQuery.Order.FITNESS) {
            sql.append(" ORDER BY fitness DESC NULLS LAST, created_at, id");
        } else {
            sql.append(" ORDER BY created_at, id");
        }
        if (q.limit() > 0) {
            sql.append(" LIMIT ").append(q.limit());
        }
        if (q.offset() > 0) {
            sql.append(" OFFSET ").append(q.offset());
        }
        return db.run(c -> many(c, sql.toString(), args.toArray()));
    }

    /** How many experiments match (limit, offset and order are ignored). */
    public long count(ExperimentQuery q) {
        List<Object> args = new ArrayList<>();
        String sql = "SELECT COUNT(*) FROM experiment" + where(q, args);
        return db.run(c -> {
            try (PreparedStatement p = c.prepareStatement(sql)) {
                bindArgs(p, args.toArray());
                try (ResultSet rs = p.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** The campaign's experiments per status; every status is present, zero when none. */
    public Map<ExperimentStatus, Long> countByStatus(String campaignId) {
        return db.run(c -> {
            Map<ExperimentStatus, Long> counts = new EnumMap<>(ExperimentStatus.class);
            for (ExperimentStatus s : ExperimentStatus.values()) {
                counts.put(s, 0L);
            }
            try (PreparedStatement p = c.prepareStatement(
                    "SELECT status, COUNT(*) FROM experiment WHERE campaign_id = ? GROUP BY status")) {
                p.setString(1, campaignId);
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        counts.put(ExperimentStatus.fromDb(rs.getString(1)), rs.getLong(2));
                    }
                }
            }
            return counts;
        });
    }

    /** The experiments whose parent is {@code parentId}, oldest first. */
    public List<Experiment> children(String parentId) {
        return list(ExperimentQuery.all().parentId(parentId));
    }

    /** The campaign's {@code n} experiments with the highest fitness (those without fitness are left out). */
    public List<Experiment> best(String campaignId, int n) {
        return db.run(c -> many(c, SELECT + " WHERE campaign_id = ? AND fitness IS NOT NULL"
                + " ORDER BY fitness DESC, created_at, id LIMIT " + Math.max(0, n), campaignId));
    }

    private static final String SUMMARY = "SELECT id, campaign_id, parent_id, name, hypothesis_title,"
            + " hypothesis_motivation, hypothesis_expected_effect, definition, definition_check, status, stage, fitness,"
            + " params, flops_per_token, failure_kind, extra, created_at, updated_at, wall_s FROM experiment";

    /**
     * The campaign's experiments as summaries, oldest first; with {@code changedSince}, only those
     * updated at or after it (a reader that polls passes the newest time it has seen, and drops the
     * rows it already has).
     */
    public List<ExperimentSummary> summaries(String campaignId, Instant changedSince) {
        String sql = SUMMARY + " WHERE campaign_id = ?" + (changedSince == null ? "" : " AND updated_at >= ?")
                + " ORDER BY created_at, id";
        return db.run(c -> Db.query(c, sql, p -> {
            p.setString(1, campaignId);
            if (changedSince != null) {
                Db.setInstant(p, 2, changedSince);
            }
        }, rs -> new ExperimentSummary(rs.getString("id"), rs.getString("campaign_id"), rs.getString("parent_id"),
                rs.getString("name"), new Hypothesis(rs.getString("hypothesis_title"),
                        rs.getString("hypothesis_motivation"), rs.getString("hypothesis_expected_effect")),
                rs.getString("definition"), rs.getString("definition_check"),
                ExperimentStatus.fromDb(rs.getString("status")), rs.getString("stage"), Db.getDouble(rs, "fitness"),
                Db.getLong(rs, "params"), Db.getDouble(rs, "flops_per_token"), rs.getString("failure_kind"),
                rs.getString("extra"), Db.getInstant(rs, "created_at"), Db.getInstant(rs, "updated_at"),
                Db.getDouble(rs, "wall_s"))));
    }

    /**
     * The newest {@code updated_at} of the campaign's experiments (null when it has none): a cheap
     * "did anything change" for readers that poll (an index look-up since migration V4).
     */
    public Instant lastChange(String campaignId) {
        return db.run(c -> Db.query(c, "SELECT MAX(updated_at) AS last_change FROM experiment WHERE campaign_id = ?",
                p -> p.setString(1, campaignId), rs -> Db.getInstant(rs, "last_change")).get(0));
    }

    // ---- SQL ----

    private static String where(ExperimentQuery q, List<Object> args) {
        List<String> conds = new ArrayList<>();
        if (q.campaignId() != null) {
            conds.add("campaign_id = ?");
            args.add(q.campaignId());
        }
        if (!q.statuses().isEmpty()) {
            conds.add("status IN (" + String.join(", ", q.statuses().stream().map(s -> "?").toList()) + ")");
            q.statuses().stream().sorted().forEach(s -> args.add(s.dbValue()));
        }
        if (q.stage() != null) {
            conds.add("stage = ?");
            args.add(q.stage());
        }
        if (q.minFitness() != null) {
            conds.add("fitness >= ?");
            args.add(q.minFitness());
        }
        if (q.maxFitness() != null) {
            conds.add("fitness <= ?");
            args.add(q.maxFitness());
        }
        if (q.parentId() != null) {
            conds.add("parent_id = ?");
            args.add(q.parentId());
        }
        if (q.text() != null && !q.text().isBlank()) {
            String pattern = "%" + q.text().toLowerCase(Locale.ROOT)
                    .replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
            conds.add("(LOWER(hypothesis_title) LIKE ? ESCAPE '\\' OR LOWER(hypothesis_motivation) LIKE ? ESCAPE '\\'"
                    + " OR LOWER(hypothesis_expected_effect) LIKE ? ESCAPE '\\' OR LOWER(name) LIKE ? ESCAPE '\\')");
            for (int i = 0; i < 4; i++) {
                args.add(pattern);
            }
        }
        return conds.isEmpty() ? "" : " WHERE " + String.join(" AND ", conds);
    }

    private static Experiment stamped(Experiment e, Instant now) {
        return e.toBuilder()
                .createdAt(e.createdAt() != null ? e.createdAt() : now)
                .updatedAt(e.updatedAt() != null ? e.updatedAt() : now)
                .build();
    }

    private static void bindInsert(PreparedStatement p, Experiment e) throws SQLException {
        p.setString(1, e.id());
        p.setString(2, e.campaignId());
        int i = bindFields(p, e, 3);
        Db.setInstant(p, i++, e.createdAt());
        Db.setInstant(p, i, e.updatedAt());
    }

    /** Binds parent_id .. extra (24 columns) from {@code i}; returns the next index. */
    private static int bindFields(PreparedStatement p, Experiment e, int i) throws SQLException {
        Db.setString(p, i++, e.parentId());
        Db.setString(p, i++, e.name());
        Db.setString(p, i++, e.hypothesis().title());
        Db.setString(p, i++, e.hypothesis().motivation());
        Db.setString(p, i++, e.hypothesis().expectedEffect());
        Db.setString(p, i++, e.definition());
        Db.setString(p, i++, e.definitionLanguage());
        Db.setString(p, i++, e.definitionCheck());
        Db.setString(p, i++, e.definitionErrors());
        Db.setString(p, i++, e.canonicalHash());
        p.setString(i++, e.status().dbValue());
        Db.setString(p, i++, e.stage());
        Db.setDouble(p, i++, e.fitness());
        Db.setString(p, i++, e.metrics());
        Db.setString(p, i++, e.curves());
        Db.setLong(p, i++, e.params());
        Db.setDouble(p, i++, e.flopsPerToken());
        Db.setDouble(p, i++, e.wallSeconds());
        Db.setLong(p, i++, e.tokens());
        Db.setDouble(p, i++, e.money());
        Db.setString(p, i++, e.failureKind());
        Db.setString(p, i++, e.failureMessage());
        Db.setString(p, i++, e.analysis());
        Db.setString(p, i++, e.extra());
        return i;
    }

    static void bindArgs(PreparedStatement p, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Double d) {
                p.setDouble(i + 1, d);
            } else if (a instanceof Long l) {
                p.setLong(i + 1, l);
            } else if (a instanceof Integer n) {
                p.setInt(i + 1, n);
            } else {
                p.setString(i + 1, (String) a);
            }
        }
    }

    private static Optional<Experiment> one(Connection c, String sql, Object... args) throws SQLException {
        List<Experiment> list = many(c, sql, args);
        return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
    }

    private static List<Experiment> many(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            bindArgs(p, args);
            try (ResultSet rs = p.executeQuery()) {
                List<Experiment> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(read(rs));
                }
                return out;
            }
        }
    }

    private static Experiment read(ResultSet rs) throws SQLException {
        return new Experiment(
                rs.getString("id"),
                rs.getString("campaign_id"),
                rs.getString("parent_id"),
                rs.getString("name"),
                new Hypothesis(rs.getString("hypothesis_title"), rs.getString("hypothesis_motivation"),
                        rs.getString("hypothesis_expected_effect")),
                rs.getString("definition"),
                rs.getString("definition_language"),
                rs.getString("definition_check"),
                rs.getString("definition_errors"),
                rs.getString("canonical_hash"),
                ExperimentStatus.fromDb(rs.getString("status")),
                rs.getString("stage"),
                Db.getDouble(rs, "fitness"),
                rs.getString("metrics"),
                rs.getString("curves"),
                Db.getLong(rs, "params"),
                Db.getDouble(rs, "flops_per_token"),
                Db.getDouble(rs, "wall_s"),
                Db.getLong(rs, "tokens"),
                Db.getDouble(rs, "money"),
                rs.getString("failure_kind"),
                rs.getString("failure_message"),
                rs.getString("analysis"),
                rs.getString("extra"),
                Db.getInstant(rs, "created_at"),
                Db.getInstant(rs, "updated_at"));
    }
}
