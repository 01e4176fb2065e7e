package archlab.knowledge.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The user's steering directives. Obtain it from {@link Store#directives()}. */
public final class Directives {
    private static final String SELECT = "SELECT id, campaign_id, seq, text, structured, status, outcome, created_at,"
            + " applied_at, effect FROM directive";

    private final Db db;

    Directives(Db db) {
        this.db = db;
    }

    /**
     * Records a new, pending directive with the next sequence number of its campaign. Safe from
     * several processes at once (a console and a browser): a clash on the number is retried.
     */
    public Directive add(String campaignId, String text, String structuredJson) {
        Instant now = Db.now();
        for (int attempt = 1; ; attempt++) {
            try {
                return db.atomically(c -> {
                    int seq = Db.query(c, "SELECT COALESCE(MAX(seq), 0) FROM directive WHERE campaign_id = ?",
                            p -> p.setString(1, campaignId), rs -> rs.getInt(1)).get(0) + 1;
                    long id = Db.insertReturningId(c, "INSERT INTO directive (campaign_id, seq, text, structured,"
                            + " status, created_at) VALUES (?, ?, ?, ?, ?, ?)", p -> {
                                p.setString(1, campaignId);
                                p.setInt(2, seq);
                                p.setString(3, text);
                                Db.setString(p, 4, structuredJson);
                                p.setString(5, DirectiveStatus.PENDING.dbValue());
                                Db.setInstant(p, 6, now);
                            });
                    return new Directive(id, campaignId, seq, text, structuredJson, DirectiveStatus.PENDING, null, now,
                            null);
                });
            } catch (StoreException e) {
                if (!e.isUniqueViolation() || attempt >= Db.ATTEMPTS || db.inTransaction()) {
                    throw e;
                }
                Db.pause(attempt);
            }
        }
    }

    /**
     * Marks a directive applied or rejected, with what it became. Call it inside the transaction
     * that applies the directive's effects, so that both land together.
     */
    public boolean resolve(long id, DirectiveStatus status, String structuredJson, String outcome) {
        return db.run(c -> {
            try (var p = c.prepareStatement(
                    "UPDATE directive SET status = ?, structured = ?, outcome = ?, applied_at = ? WHERE id = ?")) {
                p.setString(1, status.dbValue());
                Db.setString(p, 2, structuredJson);
                Db.setString(p, 3, outcome);
                Db.setInstant(p, 4, Db.now());
                p.setLong(5, id);
                return p.executeUpdate() == 1;
            }
        });
    }

    /** Withdraws an applied directive: it stays listed, marked revoked, with {@code why} as its effect. */
    public boolean revoke(long id, String why) {
        return db.run(c -> {
            try (var p = c.prepareStatement("UPDATE directive SET status = ?, effect = ? WHERE id = ? AND status = ?")) {
                p.setString(1, DirectiveStatus.REVOKED.dbValue());
                Db.setString(p, 2, why);
                p.setLong(3, id);
                p.setString(4, DirectiveStatus.APPLIED.dbValue());
                return p.executeUpdate() == 1;
            }
        });
    }

    /** Rewrites what an applied directive has done so far; returns whether the directive exists. */
    public boolean recordEffect(long id, String effect) {
        return db.run(c -> {
            try (var p = c.prepareStatement("UPDATE directive SET effect = ? WHERE id = ?")) {
                Db.setString(p, 1, effect);
                p.setLong(2, id);
                return p.executeUpdate() == 1;
            }
        });
    }

    public Optional<Directive> find(long id) {
        return db.run(c -> Db.first(Db.query(c, SELECT + " WHERE id = ?", p -> p.setLong(1, id), Directives::read)));
    }

    /** A campaign's directives in arrival order. */
    public List<Directive> list(String campaignId) {
        return db.run(c -> Db.query(c, SELECT + " WHERE campaign_id = ? ORDER BY seq",
                p -> p.setString(1, campaignId), Directives::read));
    }

    /** A campaign's directives still waiting to be applied, in arrival order. */
    public List<Directive> pending(String campaignId) {
        return db.run(c -> Db.query(c, SELECT + " WHERE campaign_id = ? AND status = ? ORDER BY seq", p -> {
            p.setString(1, campaignId);
            p.setString(2, DirectiveStatus.PENDING.dbValue());
        }, Directives::read));
    }

    private static Directive read(ResultSet rs) throws SQLException {
        return new Directive(rs.getLong("id"), rs.getString("campaign_id"), rs.getInt("seq"), rs.getString("text"),
                rs.getString("structured"), DirectiveStatus.fromDb(rs.getString("status")), rs.getString("outcome"),
                Db.getInstant(rs, "created_at"), Db.getInstant(rs, "applied_at"), rs.getString("effect"));
    }
}
