package archlab.knowledge.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Notes and tags on experiments (migration V7). Obtain it from {@link Store#notes()}. */
public final class Notes {
    private static final String COLUMNS = "id, experiment_id, campaign_id, kind, text, created_at";

    private final Db db;

    Notes(Db db) {
        this.db = db;
    }

    /**
     * Stores a note, or a tag; a tag the experiment already has is not stored twice. Returns the note
     * as stored (with its id), or the existing tag.
     *
     * @throws IllegalArgumentException when the text cannot be a note or tag ({@link Note#problem})
     */
    public Note add(Note n) {
        String problem = Note.problem(n.kind(), n.text());
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return db.atomically(c -> add(c, n));
    }

    /** Stores many (an import), in one transaction; tags already there are skipped. */
    public void addAll(List<Note> notes) {
        if (notes.isEmpty()) {
            return;
        }
        db.atomically(c -> {
            for (Note n : notes) {
                add(c, n);
            }
            return null;
        });
    }

    private static Note add(Connection c, Note n) throws SQLException {
        if (n.kind() == Note.Kind.TAG) {
            List<Note> there = Db.query(c, "SELECT " + COLUMNS + " FROM experiment_note WHERE experiment_id = ?"
                    + " AND tag = ?", p -> {
                        p.setString(1, n.experimentId());
                        p.setString(2, n.text());
                    }, Notes::row);
            if (!there.isEmpty()) {
                return there.get(0);
            }
        }
        Instant created = n.createdAt() != null ? n.createdAt() : Db.now();
        long id = Db.insertReturningId(c, "INSERT INTO experiment_note (experiment_id, campaign_id, kind, text, tag,"
                + " created_at) VALUES (?, ?, ?, ?, ?, ?)", p -> {
                    p.setString(1, n.experimentId());
                    p.setString(2, n.campaignId());
                    p.setString(3, n.kind().dbValue());
                    p.setString(4, n.text());
                    p.setString(5, n.kind() == Note.Kind.TAG ? n.text() : null);
                    Db.setInstant(p, 6, created);
                });
        return new Note(id, n.experimentId(), n.campaignId(), n.kind(), n.text(), created);
    }

    /** Removes a tag from an experiment; whether it had it. */
    public boolean removeTag(String experimentId, String tag) {
        return db.run(c -> {
            try (var p = c.prepareStatement("DELETE FROM experiment_note WHERE experiment_id = ? AND tag = ?")) {
                p.setString(1, experimentId);
                p.setString(2, tag == null ? "" : tag.strip());
                return p.executeUpdate() > 0;
            }
        });
    }

    /** One experiment's notes and tags, in the order written. */
    public List<Note> forExperiment(String experimentId) {
        return db.run(c -> Db.query(c, "SELECT " + COLUMNS + " FROM experiment_note WHERE experiment_id = ? ORDER BY id",
                p -> p.setString(1, experimentId), Notes::row));
    }

    /** A campaign's tags, by experiment id (the table's tags column, one query a page). */
    public Map<String, List<String>> tags(String campaignId) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Note n : db.run(c -> Db.query(c, "SELECT " + COLUMNS + " FROM experiment_note WHERE campaign_id = ?"
                + " AND kind = 'tag' ORDER BY id", p -> p.setString(1, campaignId), Notes::row))) {
            out.computeIfAbsent(n.experimentId(), k -> new ArrayList<>()).add(n.text());
        }
        return out;
    }

    private static Note row(java.sql.ResultSet rs) throws SQLException {
        return new Note(rs.getLong("id"), rs.getString("experiment_id"), rs.getString("campaign_id"),
                "tag".equals(rs.getString("kind")) ? Note.Kind.TAG : Note.Kind.NOTE, rs.getString("text"),
                Db.getInstant(rs, "created_at"));
    }
}
