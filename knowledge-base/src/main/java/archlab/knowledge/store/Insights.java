package archlab.knowledge.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** The analyst's insights. Obtain it from {@link Store#insights()}. */
public final class Insights {
    private final Db db;

    Insights(Db db) {
        this.db = db;
    }

    /** Records an insight and its links to experiments, in one transaction; returns it with its id. */
    public Insight insert(Insight insight) {
        Instant created = insight.createdAt() != null ? insight.createdAt() : Db.now();
        long id = db.atomically(c -> {
            long newId = Db.insertReturningId(c, "INSERT INTO insight (campaign_id, text, paper_ids, created_at)"
                    + " VALUES (?, ?, ?, ?)", p -> {
                        p.setString(1, insight.campaignId());
                        p.setString(2, insight.text());
                        p.setString(3, JsonText.ofList(insight.paperIds()));
                        Db.setInstant(p, 4, created);
                    });
            try (PreparedStatement p = c.prepareStatement(
                    "INSERT INTO insight_experiment (insight_id, experiment_id) VALUES (?, ?)")) {
                for (String experimentId : new LinkedHashSet<>(insight.experimentIds())) {
                    p.setLong(1, newId);
                    p.setString(2, experimentId);
                    p.addBatch();
                }
                p.executeBatch();
            }
            return newId;
        });
        return new Insight(id, insight.campaignId(), insight.text(), insight.experimentIds(), insight.paperIds(), created);
    }

    /** A campaign's insights, oldest first. */
    public List<Insight> forCampaign(String campaignId) {
        return db.run(c -> read(c, "SELECT id, campaign_id, text, paper_ids, created_at FROM insight"
                + " WHERE campaign_id = ? ORDER BY created_at, id", campaignId));
    }

    /** The insights about one experiment, oldest first. */
    public List<Insight> forExperiment(String experimentId) {
        return db.run(c -> read(c, "SELECT i.id, i.campaign_id, i.text, i.paper_ids, i.created_at FROM insight i"
                + " JOIN insight_experiment ie ON ie.insight_id = i.id WHERE ie.experiment_id = ?"
                + " ORDER BY i.created_at, i.id", experimentId));
    }

    private static List<Insight> read(Connection c, String sql, String arg) throws SQLException {
        record Row(long id, String campaignId, String text, String paperIds, Instant createdAt) {
        }
        List<Row> rows = Db.query(c, sql, p -> p.setString(1, arg), rs -> new Row(rs.getLong("id"),
                rs.getString("campaign_id"), rs.getString("text"), rs.getString("paper_ids"),
                Db.getInstant(rs, "created_at")));
        List<Insight> out = new ArrayList<>();
        for (Row r : rows) {
            List<String> experiments = Db.query(c, "SELECT experiment_id FROM insight_experiment WHERE insight_id = ?"
                    + " ORDER BY experiment_id", p -> p.setLong(1, r.id()), rs -> rs.getString(1));
            out.add(new Insight(r.id(), r.campaignId(), r.text(), experiments, JsonText.toList(r.paperIds()),
                    r.createdAt()));
        }
        return out;
    }
}
