package archlab.knowledge.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The LLM calls: the cost ledger and the replay cache. Obtain it from {@link Store#llmCalls()}. */
public final class LlmCalls {
    private static final String SELECT = "SELECT id, campaign_id, experiment_id, role, provider, model, prompt_hash,"
            + " prompt, response, tokens_in, tokens_out, cost, latency_ms, outcome, created_at FROM llm_call";

    /** What a campaign's LLM calls cost, all together. */
    public record Spend(long calls, long tokensIn, long tokensOut, double cost) {
    }

    private final Db db;

    LlmCalls(Db db) {
        this.db = db;
    }

    /** Records a call; returns it with its id (and createdAt set to now when null). */
    public LlmCall insert(LlmCall call) {
        Instant created = call.createdAt() != null ? call.createdAt() : Db.now();
        long id = db.run(c -> Db.insertReturningId(c, "INSERT INTO llm_call (campaign_id, experiment_id, role,"
                + " provider, model, prompt_hash, prompt, response, tokens_in, tokens_out, cost, latency_ms, outcome,"
                + " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", p -> {
                    Db.setString(p, 1, call.campaignId());
                    Db.setString(p, 2, call.experimentId());
                    p.setString(3, call.role());
                    p.setString(4, call.provider());
                    p.setString(5, call.model());
                    p.setString(6, call.promptHash());
                    p.setString(7, call.prompt());
                    Db.setString(p, 8, call.response());
                    p.setLong(9, call.tokensIn());
                    p.setLong(10, call.tokensOut());
                    p.setDouble(11, call.cost());
                    p.setLong(12, call.latencyMs());
                    p.setString(13, call.outcome());
                    Db.setInstant(p, 14, created);
                }));
        return new LlmCall(id, call.campaignId(), call.experimentId(), call.role(), call.provider(), call.model(),
                call.promptHash(), call.prompt(), call.response(), call.tokensIn(), call.tokensOut(), call.cost(),
                call.latencyMs(), call.outcome(), created);
    }

    public Optional<LlmCall> find(long id) {
        return db.run(c -> Db.first(Db.query(c, SELECT + " WHERE id = ?", p -> p.setLong(1, id), LlmCalls::read)));
    }

    /**
     * The replay cache: the most recent successful call with this prompt hash, from any campaign.
     * Callers that want exact replay include everything that changes the answer in the hash.
     */
    public Optional<LlmCall> replay(String promptHash) {
        return db.run(c -> Db.first(Db.query(c, SELECT + " WHERE prompt_hash = ? AND outcome = ?"
                + " ORDER BY created_at DESC, id DESC LIMIT 1", p -> {
                    p.setString(1, promptHash);
                    p.setString(2, LlmCall.OUTCOME_OK);
                }, LlmCalls::read)));
    }

    /** Every call with this prompt hash, failed ones too, newest first. */
    public List<LlmCall> byPromptHash(String promptHash) {
        return db.run(c -> Db.query(c, SELECT + " WHERE prompt_hash = ? ORDER BY created_at DESC, id DESC",
                p -> p.setString(1, promptHash), LlmCalls::read));
    }

    /** A campaign's calls, oldest first. */
    public List<LlmCall> forCampaign(String campaignId) {
        return db.run(c -> Db.query(c, SELECT + " WHERE campaign_id = ? ORDER BY created_at, id",
                p -> p.setString(1, campaignId), LlmCalls::read));
    }

    /** The calls made for one experiment, oldest first. */
    public List<LlmCall> forExperiment(String experimentId) {
        return db.run(c -> Db.query(c, SELECT + " WHERE experiment_id = ? ORDER BY created_at, id",
                p -> p.setString(1, experimentId), LlmCalls::read));
    }

    /** The newest call's id, or 0: a mark from which {@link #link} attributes the calls made since. */
    public long lastId() {
        return db.run(c -> Db.query(c, "SELECT COALESCE(MAX(id), 0) FROM llm_call", p -> { }, rs -> rs.getLong(1))
                .get(0));
    }

    /**
     * Attributes the campaign's planner and coder calls with ids in ({@code afterId}, {@code upToId}] that
     * belong to no experiment yet: to {@code experimentId} (null leaves them unlinked) as part of expanding
     * {@code expandedId}. Returns how many rows changed.
     */
    public int link(String campaignId, long afterId, long upToId, String experimentId, String expandedId) {
        return db.run(c -> {
            try (java.sql.PreparedStatement p = c.prepareStatement("UPDATE llm_call SET experiment_id ="
                    + " COALESCE(?, experiment_id), expanded_id = ? WHERE campaign_id = ? AND id > ? AND id <= ?"
                    + " AND role IN ('planner', 'coder') AND experiment_id IS NULL")) {
                Db.setString(p, 1, experimentId);
                Db.setString(p, 2, expandedId);
                p.setString(3, campaignId);
                p.setLong(4, afterId);
                p.setLong(5, upToId);
                return p.executeUpdate();
            }
        });
    }

    /** What the calls linked to one experiment cost. */
    public Spend spendOfExperiment(String experimentId) {
        return db.run(c -> Db.query(c, "SELECT COUNT(*), COALESCE(SUM(tokens_in), 0), COALESCE(SUM(tokens_out), 0),"
                + " COALESCE(SUM(cost), 0) FROM llm_call WHERE experiment_id = ?", p -> p.setString(1, experimentId),
                rs -> new Spend(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getDouble(4))).get(0));
    }

    /** What expanding one node cost beyond its children's own calls: its planner calls and unchosen codings. */
    public Spend spendOfExpansion(String expandedId) {
        return db.run(c -> Db.query(c, "SELECT COUNT(*), COALESCE(SUM(tokens_in), 0), COALESCE(SUM(tokens_out), 0),"
                + " COALESCE(SUM(cost), 0) FROM llm_call WHERE expanded_id = ? AND experiment_id IS NULL",
                p -> p.setString(1, expandedId),
                rs -> new Spend(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getDouble(4))).get(0));
    }

    /** What a campaign's calls cost: the ledger a resumed campaign starts its budget from. */
    public Spend spend(String campaignId) {
        return db.run(c -> Db.query(c, "SELECT COUNT(*), COALESCE(SUM(tokens_in), 0), COALESCE(SUM(tokens_out), 0),"
                + " COALESCE(SUM(cost), 0) FROM llm_call WHERE campaign_id = ?", p -> p.setString(1, campaignId),
                rs -> new Spend(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getDouble(4))).get(0));
    }

    private static LlmCall read(ResultSet rs) throws SQLException {
        return new LlmCall(rs.getLong("id"), rs.getString("campaign_id"), rs.getString("experiment_id"),
                rs.getString("role"), rs.getString("provider"), rs.getString("model"), rs.getString("prompt_hash"),
                rs.getString("prompt"), rs.getString("response"), rs.getLong("tokens_in"), rs.getLong("tokens_out"),
                rs.getDouble("cost"), rs.getLong("latency_ms"), rs.getString("outcome"),
                Db.getInstant(rs, "created_at"));
    }
}
