package archlab.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tool over the real notes (all-MiniLM-L6-v2, cached under target/). */
class PaperSearchTest {
    static PaperSearch search;

    @BeforeAll
    static void index() {
        search = new PaperSearch(Fixtures.papers());
    }

    @Test
    void findsTheNotesWrittenForASymptom() {
        PaperSearch.Result r = search.search("training diverges, the loss becomes NaN after warmup", 5);
        assertThat(r.hits()).hasSize(5);
        assertThat(r.slugs()).containsAnyOf("rmsnorm", "pre-layer-norm");
        assertThat(r.render()).startsWith("Paper notes for \"training diverges").contains("when to try:");
    }

    @Test
    void capsHitsAndTextWhateverItIsAskedFor() {
        String huge = "recall falls as the sequence length grows ".repeat(5000);
        PaperSearch.Result r = search.search(huge, 1000);
        assertThat(r.hits()).hasSize(PaperSearch.MAX_HITS);
        assertThat(r.query()).hasSize(PaperSearch.MAX_QUERY_CHARS);
        assertThat(r.render().length()).isLessThanOrEqualTo(PaperSearch.MAX_CHARS);
    }

    @Test
    void theSameQueryGivesTheSameText() {
        String q = "state-limited recall on mqar; try a larger state or a sliding window";
        assertThat(search.searchPapers(q, 6)).isEqualTo(search.searchPapers(q, 6));
    }

    @Test
    void badQueriesGetClearErrors() {
        assertThatThrownBy(() -> search.search("  ", 3)).hasMessageContaining("needs a query");
        assertThatThrownBy(() -> search.search("x", 0)).hasMessageContaining("k >= 1");
        assertThat(search.searchPapers("", null)).startsWith("error: the paper search needs a query");
    }

    @Test
    void findsANoteBySlug() {
        assertThat(search.note("zoology")).hasValueSatisfying(n -> assertThat(n.title()).contains("Zoology"));
        assertThat(search.note("no-such-note")).isEmpty();
    }
}
