package archlab.knowledge.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The mined subroutines. Obtain it from {@link Store#subroutines()}. */
public final class Subroutines {
    private static final List<String> COLUMNS = List.of("id", "campaign_id", "name", "definition", "support",
            "mean_fitness_with", "mean_fitness_without", "uses", "details", "created_at", "updated_at");
    private static final String SELECT = "SELECT " + String.join(", ", COLUMNS) + " FROM subroutine";

    private final Db db;
    private final String upsert;

    Subroutines(Db db) {
        this.db = db;
        this.upsert = db.dialect.upsert("subroutine", List.of("id"), COLUMNS, List.of("campaign_id", "name",
                "definition", "support", "mean_fitness_with", "mean_fitness_without", "details", "updated_at"));
    }

    /**
     * Adds a subroutine, or updates the one with its id: everything but {@code uses} and
     * {@code createdAt}, which keep counting from the first time it was mined. Returns the stored row.
     */
    public Subroutine upsert(Subroutine s) {
        Instant now = Db.now();
        return db.atomically(c -> {
            try (PreparedStatement p = c.prepareStatement(upsert)) {
                p.setString(1, s.id());
                Db.setString(p, 2, s.campaignId());
                p.setString(3, s.name());
                p.setString(4, s.definition());
                p.setInt(5, s.support());
                Db.setDouble(p, 6, s.meanFitnessWith());
                Db.setDouble(p, 7, s.meanFitnessWithout());
                p.setInt(8, s.uses());
                Db.setString(p, 9, s.details());
                Db.setInstant(p, 10, s.createdAt() != null ? s.createdAt() : now);
                Db.setInstant(p, 11, now);
                p.executeUpdate();
            }
            return Db.first(Db.query(c, SELECT + " WHERE id = ?", p -> p.setString(1, s.id()), Subroutines::read))
                    .orElseThrow();
        });
    }

    public Optional<Subroutine> find(String id) {
        return db.run(c -> Db.first(Db.query(c, SELECT + " WHERE id = ?", p -> p.setString(1, id), Subroutines::read)));
    }

    /**
     * The subroutines a campaign can use, most supported first: its own and the shared ones (campaign
     * null). {@code campaignId} null lists every subroutine in the store.
     */
    public List<Subroutine> list(String campaignId) {
        if (campaignId == null) {
            return db.run(c -> Db.query(c, SELECT + " ORDER BY support DESC, name, id", p -> { }, Subroutines::read));
        }
        return db.run(c -> Db.query(c, SELECT + " WHERE campaign_id = ? OR campaign_id IS NULL"
                + " ORDER BY support DESC, name, id", p -> p.setString(1, campaignId), Subroutines::read));
    }

    /** Counts one more use by a proposal; false when there is no such subroutine. */
    public boolean recordUse(String id) {
        return db.run(c -> {
            try (PreparedStatement p = c.prepareStatement(
                    "UPDATE subroutine SET uses = uses + 1, updated_at = ? WHERE id = ?")) {
                Db.setInstant(p, 1, Db.now());
                p.setString(2, id);
                return p.executeUpdate() == 1;
            }
        });
    }

    private static Subroutine read(ResultSet rs) throws SQLException {
        return new Subroutine(rs.getString("id"), rs.getString("campaign_id"), rs.getString("name"),
                rs.getString("definition"), rs.getInt("support"), Db.getDouble(rs, "mean_fitness_with"),
                Db.getDouble(rs, "mean_fitness_without"), rs.getInt("uses"), rs.getString("details"),
                Db.getInstant(rs, "created_at"), Db.getInstant(rs, "updated_at"));
    }
}
