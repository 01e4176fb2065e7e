package archlab.knowledge.papers;

import java.util.List;
import java.util.Objects;

/**
 * One note in {@code knowledge-base/papers/}: a paper's design insight, the failure patterns it answers,
 * its algorithmic idea and how to write it in the archlab language. The format is described in
 * {@code knowledge-base/papers/README.md}; {@link PaperNoteParser} reads it.
 *
 * @param slug the file name without {@code .md}, such as {@code zoology}; unique in a library
 * @param title the paper's title
 * @param authors the authors, in the paper's order
 * @param year the year of publication
 * @param arxiv the arXiv identifier such as {@code 2312.04927}, or {@code null}
 * @param tags short topic tags such as {@code linear-attention}
 * @param insight the design insight, as Markdown
 * @param whenToTry the failure patterns the paper answers, one symptom per bullet, Markdown markers removed
 * @param idea the algorithmic idea, as Markdown
 * @param inArchlab the whole "In archlab" section, as Markdown
 * @param archlabCode the source of the section's {@code ```archlab} block, or {@code null} for a method note
 */
public record PaperNote(
        String slug,
        String title,
        List<String> authors,
        int year,
        String arxiv,
        List<String> tags,
        String insight,
        List<String> whenToTry,
        String idea,
        String inArchlab,
        String archlabCode) {

    public PaperNote {
        Objects.requireNonNull(slug, "slug");
        Objects.requireNonNull(title, "title");
        authors = List.copyOf(authors);
        tags = List.copyOf(tags);
        Objects.requireNonNull(insight, "insight");
        whenToTry = List.copyOf(whenToTry);
        Objects.requireNonNull(idea, "idea");
        Objects.requireNonNull(inArchlab, "inArchlab");
    }

    /** Whether the note carries an archlab definition (otherwise it is a method note). */
    public boolean hasDefinition() {
        return archlabCode != null;
    }
}
