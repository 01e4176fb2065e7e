package archlab.knowledge.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The campaigns. Obtain it from {@link Store#campaigns()}. */
public final class Campaigns {
    private static final String SELECT =
            "SELECT id, name, config, policy, budgets, spend, status, created_at, updated_at FROM campaign";

    private final Db db;

    Campaigns(Db db) {
        this.db = db;
    }

    /** Adds a campaign; timestamps are set to now when null. */
    public Campaign insert(Campaign campaign) {
        Instant now = Db.now();
        Campaign stamped = new Campaign(campaign.id(), campaign.name(), campaign.config(), campaign.policy(),
                campaign.budgets(), campaign.spend(), campaign.status(),
                campaign.createdAt() != null ? campaign.createdAt() : now,
                campaign.updatedAt() != null ? campaign.updatedAt() : now);
        db.run(c -> {
            try (PreparedStatement p = c.prepareStatement("INSERT INTO campaign (id, name, config, policy, budgets,"
                    + " spend, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                p.setString(1, stamped.id());
                p.setString(2, stamped.name());
                Db.setString(p, 3, stamped.config());
                Db.setString(p, 4, stamped.policy());
                Db.setString(p, 5, stamped.budgets());
                Db.setString(p, 6, stamped.spend());
                p.setString(7, stamped.status().dbValue());
                Db.setInstant(p, 8, stamped.createdAt());
                Db.setInstant(p, 9, stamped.updatedAt());
                p.executeUpdate();
            }
            return null;
        });
        return stamped;
    }

    /** Writes name, config, policy, budgets, spend and status over the stored row. */
    public Campaign update(Campaign campaign) {
        int rows = db.run(c -> {
            try (PreparedStatement p = c.prepareStatement("UPDATE campaign SET name = ?, config = ?, policy = ?,"
                    + " budgets = ?, spend = ?, status = ?, updated_at = ? WHERE id = ?")) {
                p.setString(1, campaign.name());
                Db.setString(p, 2, campaign.config());
                Db.setString(p, 3, campaign.policy());
                Db.setString(p, 4, campaign.budgets());
                Db.setString(p, 5, campaign.spend());
                p.setString(6, campaign.status().dbValue());
                Db.setInstant(p, 7, Db.now());
                p.setString(8, campaign.id());
                return p.executeUpdate();
            }
        });
        if (rows == 0) {
            throw new StoreException("no campaign " + campaign.id());
        }
        return find(campaign.id()).orElseThrow();
    }

    /** Sets the status; false when there is no such campaign. */
    public boolean updateStatus(String id, CampaignStatus status) {
        return setColumn(id, "status", status.dbValue());
    }

    /** Replaces the spend (a JSON object); false when there is no such campaign. */
    public boolean updateSpend(String id, String spendJson) {
        return setColumn(id, "spend", spendJson);
    }

    private boolean setColumn(String id, String column, String value) {
        return db.run(c -> {
            try (PreparedStatement p = c.prepareStatement(
                    "UPDATE campaign SET " + column + " = ?, updated_at = ? WHERE id = ?")) {
                Db.setString(p, 1, value);
                Db.setInstant(p, 2, Db.now());
                p.setString(3, id);
                return p.executeUpdate() == 1;
            }
        });
    }

    public Optional<Campaign> find(String id) {
        return db.run(c -> first(query(c, SELECT + " WHERE id = ?", id)));
    }

    /** The most recently created campaign with this name. */
    public Optional<Campaign> findByName(String name) {
        return db.run(c -> first(query(c, SELECT + " WHERE name = ? ORDER BY created_at DESC, id DESC", name)));
    }

    /** Every campaign, oldest first. */
    public List<Campaign> list() {
        return db.run(c -> query(c, SELECT + " ORDER BY created_at, id"));
    }

    private static Optional<Campaign> first(List<Campaign> list) {
        return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
    }

    private static List<Campaign> query(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setString(i + 1, args[i]);
            }
            try (ResultSet rs = p.executeQuery()) {
                List<Campaign> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Campaign(rs.getString("id"), rs.getString("name"), rs.getString("config"),
                            rs.getString("policy"), rs.getString("budgets"), rs.getString("spend"),
                            CampaignStatus.fromDb(rs.getString("status")), Db.getInstant(rs, "created_at"),
                            Db.getInstant(rs, "updated_at")));
                }
                return out;
            }
        }
    }
}
