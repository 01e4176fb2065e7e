package archlab.knowledge.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The paper notes kept in the store. Obtain it from {@link Store#paperNotes()}. */
public final class PaperNoteRows {
    private static final List<String> COLUMNS = List.of("id", "title", "authors", "pub_year", "arxiv", "tags", "body",
            "updated_at");
    private static final String SELECT = "SELECT " + String.join(", ", COLUMNS) + " FROM paper_note";

    private final Db db;
    private final String upsert;

    PaperNoteRows(Db db) {
        this.db = db;
        this.upsert = db.dialect.upsert("paper_note", List.of("id"), COLUMNS, COLUMNS.subList(1, COLUMNS.size()));
    }

    /** Adds the note, or replaces the one with the same id. Returns it as stored. */
    public PaperNoteRow upsert(PaperNoteRow n) {
        Instant now = Db.now();
        db.run(c -> {
            try (PreparedStatement p = c.prepareStatement(upsert)) {
                p.setString(1, n.id());
                p.setString(2, n.title());
                Db.setString(p, 3, n.authors());
                Db.setInt(p, 4, n.year());
                Db.setString(p, 5, n.arxiv());
                p.setString(6, JsonText.ofList(n.tags()));
                p.setString(7, n.body());
                Db.setInstant(p, 8, now);
                return p.executeUpdate();
            }
        });
        return new PaperNoteRow(n.id(), n.title(), n.authors(), n.year(), n.arxiv(), n.tags(), n.body(), now);
    }

    public Optional<PaperNoteRow> find(String id) {
        return db.run(c -> Db.first(Db.query(c, SELECT + " WHERE id = ?", p -> p.setString(1, id), PaperNoteRows::read)));
    }

    /** Every note, by id. */
    public List<PaperNoteRow> list() {
        return db.run(c -> Db.query(c, SELECT + " ORDER BY id", p -> { }, PaperNoteRows::read));
    }

    private static PaperNoteRow read(ResultSet rs) throws SQLException {
        return new PaperNoteRow(rs.getString("id"), rs.getString("title"), rs.getString("authors"),
                Db.getInt(rs, "pub_year"), rs.getString("arxiv"), JsonText.toList(rs.getString("tags")),
                rs.getString("body"), Db.getInstant(rs, "updated_at"));
    }
}
