package archlab.knowledge.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The search's statistics: its state, the tree's nodes, the move bandit, every screening decision and
 * the value model's prequential log (tables of migration V2). Obtain it from {@link Store#searchStats()};
 * group the writes of one search step with {@link Store#inTransaction}. Writes are keyed (a node by
 * campaign and key, a move by campaign and move, a prediction by campaign and key, a screening row by
 * campaign, step and candidate), so writing the same thing twice leaves one row.
 */
public final class SearchStats {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Double>> FEATURES = new TypeReference<>() {
    };
    private static final List<String> NODE_COLUMNS = List.of("campaign_id", "node_key", "parent_key", "experiment_id",
            "move", "depth", "seq", "step", "fitness", "visits", "value_sum", "best_fitness", "prior_mean",
            "prior_uncertainty", "exhausted", "features", "updated_at");
    private static final List<String> STATE_COLUMNS = List.of("campaign_id", "strategy", "step", "settings",
            "updated_at");
    private static final List<String> MOVE_COLUMNS = List.of("campaign_id", "move", "pulls", "reward_sum",
            "updated_at");
    private static final List<String> PREDICTION_COLUMNS = List.of("campaign_id", "node_key", "step",
            "training_size", "predicted_mean", "predicted_uncertainty", "fitness", "created_at");
    private static final List<String> SCREENING_COLUMNS = List.of("campaign_id", "step", "parent_key", "move",
            "candidate_key", "predicted_mean", "predicted_uncertainty", "score", "rank_in_step", "chosen",
            "created_at");

    private final Db db;
    private final String upsertNode;
    private final String upsertState;
    private final String upsertMove;
    private final String upsertPrediction;
    private final String upsertScreening;

    SearchStats(Db db) {
        this.db = db;
        this.upsertNode = db.dialect.upsert("search_node", List.of("campaign_id", "node_key"), NODE_COLUMNS,
                NODE_COLUMNS.subList(2, NODE_COLUMNS.size()));
        this.upsertState = db.dialect.upsert("search_state", List.of("campaign_id"), STATE_COLUMNS,
                STATE_COLUMNS.subList(1, STATE_COLUMNS.size()));
        this.upsertMove = db.dialect.upsert("search_move", List.of("campaign_id", "move"), MOVE_COLUMNS,
                MOVE_COLUMNS.subList(2, MOVE_COLUMNS.size()));
        this.upsertPrediction = db.dialect.upsert("value_prediction", List.of("campaign_id", "node_key"),
                PREDICTION_COLUMNS, PREDICTION_COLUMNS.subList(2, PREDICTION_COLUMNS.size()));
        this.upsertScreening = db.dialect.upsert("search_screening", List.of("campaign_id", "step", "candidate_key"),
                SCREENING_COLUMNS, List.of("parent_key", "move", "predicted_mean", "predicted_uncertainty", "score",
                        "rank_in_step", "chosen"));
    }

    // ---- state ----

    public void saveState(SearchState s) {
        db.run(c -> {
            try (PreparedStatement p = c.prepareStatement(upsertState)) {
                p.setString(1, s.campaignId());
                p.setString(2, s.strategy());
                p.setLong(3, s.step());
                Db.setString(p, 4, s.settings());
                Db.setInstant(p, 5, Db.now());
                return p.executeUpdate();
            }
        });
    }

    public Optional<SearchState> state(String campaignId) {
        return db.run(c -> Db.first(Db.query(c, "SELECT campaign_id, strategy, step, settings FROM search_state"
                + " WHERE campaign_id = ?", p -> p.setString(1, campaignId), rs -> new SearchState(
                rs.getString("campaign_id"), rs.getString("strategy"), rs.getLong("step"), rs.getString("settings")))));
    }

    // ---- nodes ----

    /** Writes nodes (inserting new ones, replacing the statistics of known ones), all or none. */
    public void saveNodes(Collection<SearchNode> nodes) {
        if (nodes.isEmpty()) {
            return;
        }
        Instant now = Db.now();
        db.atomically(c -> {
            try (PreparedStatement p = c.prepareStatement(upsertNode)) {
                for (SearchNode n : nodes) {
                    p.setString(1, n.campaignId());
                    p.setString(2, n.key());
                    Db.setString(p, 3, n.parentKey());
                    Db.setString(p, 4, n.experimentId());
                    Db.setString(p, 5, n.move());
                    p.setInt(6, n.depth());
                    p.setLong(7, n.seq());
                    p.setLong(8, n.step());
                    Db.setDouble(p, 9, n.fitness());
                    p.setInt(10, n.visits());
                    p.setDouble(11, n.valueSum());
                    Db.setDouble(p, 12, n.bestFitness());
                    p.setDouble(13, n.priorMean());
                    p.setDouble(14, n.priorUncertainty());
                    p.setBoolean(15, n.exhausted());
                    Db.setString(p, 16, features(n.features()));
                    Db.setInstant(p, 17, now);
                    p.addBatch();
                }
                p.executeBatch();
            }
            return null;
        });
    }

    /** A campaign's nodes in the order their results arrived. */
    public List<SearchNode> nodes(String campaignId) {
        return db.run(c -> Db.query(c, "SELECT " + String.join(", ", NODE_COLUMNS) + " FROM search_node"
                + " WHERE campaign_id = ? ORDER BY seq", p -> p.setString(1, campaignId), SearchStats::readNode));
    }

    /**
     * The nodes of every other campaign in the store, by campaign and arrival: what a new campaign's
     * value model can be warm-started from.
     */
    public List<SearchNode> nodesOutside(String campaignId) {
        return db.run(c -> Db.query(c, "SELECT " + String.join(", ", NODE_COLUMNS) + " FROM search_node"
                + " WHERE campaign_id <> ? ORDER BY campaign_id, seq", p -> p.setString(1, campaignId),
                SearchStats::readNode));
    }

    private static SearchNode readNode(ResultSet rs) throws SQLException {
        return new SearchNode(rs.getString("campaign_id"), rs.getString("node_key"), rs.getString("parent_key"),
                rs.getString("experiment_id"), rs.getString("move"), rs.getInt("depth"), rs.getLong("seq"),
                rs.getLong("step"), Db.getDouble(rs, "fitness"), rs.getInt("visits"), rs.getDouble("value_sum"),
                Db.getDouble(rs, "best_fitness"), rs.getDouble("prior_mean"), rs.getDouble("prior_uncertainty"),
                rs.getBoolean("exhausted"), features(rs.getString("features")));
    }

    // ---- move bandit ----

    public void saveMove(SearchMoveStat m) {
        db.run(c -> {
            try (PreparedStatement p = c.prepareStatement(upsertMove)) {
                p.setString(1, m.campaignId());
                p.setString(2, m.move());
                p.setInt(3, m.pulls());
                p.setDouble(4, m.rewardSum());
                Db.setInstant(p, 5, Db.now());
                return p.executeUpdate();
            }
        });
    }

    /** A campaign's move statistics, by move. */
    public List<SearchMoveStat> moves(String campaignId) {
        return db.run(c -> Db.query(c, "SELECT campaign_id, move, pulls, reward_sum FROM search_move"
                + " WHERE campaign_id = ? ORDER BY move", p -> p.setString(1, campaignId),
                rs -> new SearchMoveStat(rs.getString("campaign_id"), rs.getString("move"), rs.getInt("pulls"),
                        rs.getDouble("reward_sum"))));
    }

    // ---- screening ----

    /** Records one step's screening decisions, all or none. */
    public void saveScreening(Collection<ScreenedCandidate> rows) {
        if (rows.isEmpty()) {
            return;
        }
        Instant now = Db.now();
        db.atomically(c -> {
            try (PreparedStatement p = c.prepareStatement(upsertScreening)) {
                for (ScreenedCandidate s : rows) {
                    p.setString(1, s.campaignId());
                    p.setLong(2, s.step());
                    Db.setString(p, 3, s.parentKey());
                    Db.setString(p, 4, s.move());
                    p.setString(5, s.candidateKey());
                    p.setDouble(6, s.predictedMean());
                    p.setDouble(7, s.predictedUncertainty());
                    p.setDouble(8, s.score());
                    p.setInt(9, s.rank());
                    p.setBoolean(10, s.chosen());
                    Db.setInstant(p, 11, now);
                    p.addBatch();
                }
                p.executeBatch();
            }
            return null;
        });
    }

    /** A campaign's screening decisions by step and rank; {@code chosenOnly} false includes the screened-out ones. */
    public List<ScreenedCandidate> screenings(String campaignId, boolean chosenOnly) {
        return db.run(c -> Db.query(c, "SELECT campaign_id, step, parent_key, move, candidate_key, predicted_mean,"
                + " predicted_uncertainty, score, rank_in_step, chosen FROM search_screening WHERE campaign_id = ?"
                + (chosenOnly ? " AND chosen = TRUE" : "") + " ORDER BY step, rank_in_step",
                p -> p.setString(1, campaignId), rs -> new ScreenedCandidate(rs.getString("campaign_id"),
                        rs.getLong("step"), rs.getString("parent_key"), rs.getString("move"),
                        rs.getString("candidate_key"), rs.getDouble("predicted_mean"),
                        rs.getDouble("predicted_uncertainty"), rs.getDouble("score"), rs.getInt("rank_in_step"),
                        rs.getBoolean("chosen"))));
    }

    // ---- prequential log ----

    public void savePrediction(ValuePrediction v) {
        db.run(c -> {
            try (PreparedStatement p = c.prepareStatement(upsertPrediction)) {
                p.setString(1, v.campaignId());
                p.setString(2, v.key());
                p.setLong(3, v.step());
                p.setInt(4, v.trainingSize());
                p.setDouble(5, v.predictedMean());
                p.setDouble(6, v.predictedUncertainty());
                Db.setDouble(p, 7, v.fitness());
                Db.setInstant(p, 8, Db.now());
                return p.executeUpdate();
            }
        });
    }

    /** A campaign's prequential log, in the order the predictions were made. */
    public List<ValuePrediction> predictions(String campaignId) {
        return db.run(c -> Db.query(c, "SELECT campaign_id, node_key, step, training_size, predicted_mean,"
                + " predicted_uncertainty, fitness FROM value_prediction WHERE campaign_id = ? ORDER BY step, id",
                p -> p.setString(1, campaignId), rs -> new ValuePrediction(rs.getString("campaign_id"),
                        rs.getString("node_key"), rs.getLong("step"), rs.getInt("training_size"),
                        rs.getDouble("predicted_mean"), rs.getDouble("predicted_uncertainty"),
                        Db.getDouble(rs, "fitness"))));
    }

    private static String features(Map<String, Double> f) {
        try {
            return JSON.writeValueAsString(f);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Double> features(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, FEATURES);
        } catch (JsonProcessingException e) {
            throw new StoreException("search_node.features is not a JSON object of numbers: " + json, e);
        }
    }
}
