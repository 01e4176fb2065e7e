package archlab.knowledge.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A paper note as the store keeps it (the notes themselves are files under knowledge-base/papers/;
 * the store holds a copy so that insights can name them and a shared store carries them along).
 *
 * @param id   the note's slug, such as {@code gated-deltanet}
 * @param body the note's text (Markdown)
 */
public record PaperNoteRow(String id, String title, String authors, Integer year, String arxiv, List<String> tags,
                        String body, Instant updatedAt) {
    public PaperNoteRow {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(body, "body");
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
