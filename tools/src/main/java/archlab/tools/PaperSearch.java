package archlab.tools;

import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.papers.PaperNote;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Tool: search the paper notes (hybrid semantic and keyword retrieval over {@code knowledge-base/papers},
 * see docs/knowledge.md). At most {@value #MAX_HITS} notes per query; the text for models shows each
 * note's title, tags, score, the "When to try" symptom closest to the query and the start of its insight,
 * in at most {@value #MAX_CHARS} characters.
 */
public final class PaperSearch {
    public static final int MAX_HITS = 8;
    public static final int MAX_CHARS = 4000;
    /** A query longer than this is cut: the embedding model reads 256 word pieces at most anyway. */
    public static final int MAX_QUERY_CHARS = 1000;

    /** The notes that match a query, best first. */
    public record Result(String query, List<PaperIndex.Hit> hits) {
        public Result {
            hits = List.copyOf(hits);
        }

        public List<String> slugs() {
            return hits.stream().map(h -> h.note().slug()).toList();
        }

        public String render() {
            BoundedText t = new BoundedText(MAX_CHARS);
            t.line("Paper notes for \"%s\": %d", BoundedText.clip(query, 160), hits.size());
            int i = 1;
            for (PaperIndex.Hit h : hits) {
                PaperNote n = h.note();
                t.line("%d. %s: %s (%d) [%s] score %s", i++, n.slug(), BoundedText.clip(n.title(), 100), n.year(),
                        String.join(", ", n.tags()), BoundedText.number(h.score()));
                if (h.matchedSymptom() != null) {
                    t.line("   when to try: %s", BoundedText.clip(h.matchedSymptom(), 200));
                }
                t.line("   insight: %s", BoundedText.clip(n.insight(), 280));
            }
            return t.toString();
        }
    }

    private final PaperIndex index;

    public PaperSearch(PaperIndex index) {
        this.index = Objects.requireNonNull(index, "index");
    }

    /**
     * The {@code k} notes (1 to {@value #MAX_HITS}; larger asks are capped) that best match {@code query}.
     *
     * @throws IllegalArgumentException for a blank query or {@code k < 1}
     */
    public Result search(String query, int k) {
        if (query == null || query.isBlank()) {
            throw new IllegalArgumentException("the paper search needs a query: describe a symptom or a mechanism");
        }
        if (k < 1) {
            throw new IllegalArgumentException("the paper search needs k >= 1, got " + k);
        }
        String q = query.strip();
        if (q.length() > MAX_QUERY_CHARS) {
            q = q.substring(0, MAX_QUERY_CHARS);
        }
        return new Result(q, index.search(q, Math.min(k, MAX_HITS)));
    }

    /** One note by its slug, such as {@code zoology}. */
    public Optional<PaperNote> note(String slug) {
        return index.notes().stream().filter(n -> n.slug().equals(slug)).findFirst();
    }

    public List<PaperNote> notes() {
        return index.notes();
    }

    @Tool(name = "search_papers", value = "Search archlab's paper notes by meaning and keywords. Describe a symptom"
            + " (\"recall falls as sequence length grows\") or a mechanism (\"data-dependent decay\"). Returns the best"
            + " notes with their id (slug), tags, the matching 'when to try' symptom and the start of the insight.")
    public String searchPapers(
            @P(name = "query", value = "a symptom seen in results, or a mechanism to read about") String query,
            @P(name = "k", value = "how many notes, 1 to 8", required = false) Integer k) {
        try {
            return search(query, k == null ? 5 : k).render();
        } catch (IllegalArgumentException e) {
            return "error: " + e.getMessage();
        }
    }
}
