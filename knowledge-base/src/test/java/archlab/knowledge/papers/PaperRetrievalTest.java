package archlab.knowledge.papers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retrieval over the real notes in {@code knowledge-base/papers/}: a query that names a failure pattern finds
 * the notes written for it in the top 3. The expected sets follow what the notes say in their "When to try"
 * bullets. Skipped, with a message, while fewer than 10 notes exist.
 */
class PaperRetrievalTest {

    /** Maven runs a module's tests in the module's directory. */
    static final Path PAPERS = Path.of("papers");
    /** The embeddings of the real notes are cached under target/, so a second test run does not embed again. */
    static final Path CACHE = Path.of("target", "paper-embeddings");

    static PaperLibrary.Contents library;
    static PaperIndex index;

    @BeforeAll
    static void build() {
        library = PaperLibrary.fromDirectory(PAPERS);
        assumeTrue(library.notes().size() + library.problems().size() >= 10,
                "fewer than 10 paper notes in knowledge-base/papers yet; retrieval is tested once they exist");
        index = PaperIndex.build(library.notes(), MiniLmEmbedder.get(), CACHE);
    }

    static List<String> top3(String query) {
        return index.search(query, 3).stream().map(h -> h.note().slug()).toList();
    }

    @Test
    void everyNoteParses() {
        assertThat(library.problems()).extracting(PaperNoteException::getMessage).isEmpty();
        assertThat(library.notes()).hasSizeGreaterThanOrEqualTo(25);
        assertThat(library.notes()).allSatisfy(n -> assertThat(n.whenToTry()).isNotEmpty());
    }

    @Test
    void theJarShipsTheSameNotes() {
        // target/classes/archlab/papers/ is filled by the resources plugin before the tests run
        PaperLibrary.Contents shipped = PaperLibrary.fromClasspath();
        assertThat(shipped.notes()).extracting(PaperNote::slug)
                .containsExactlyElementsOf(library.notes().stream().map(PaperNote::slug).toList());
    }

    @Test
    void recallDegradingWithLengthFindsTheRecallNotes() {
        assertThat(top3("recall degrades at long sequence length"))
                .filteredOn(Set.of("zoology", "based", "titans", "sliding-window-attention", "griffin", "jamba", "h3",
                        "deltanet", "gated-deltanet")::contains)
                .hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void stateSizeLimitingRecallFindsZoologyBasedAndTheDeltaRule() {
        // the "done when" query
        assertThat(top3("state size limits associative recall"))
                .filteredOn(Set.of("zoology", "based", "deltanet", "gated-deltanet", "titans", "mamba-2")::contains)
                .hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void divergingLinearAttentionFindsTheNormalisationNotes() {
        List<String> top = top3("training diverges with linear attention");
        assertThat(top).contains("linear-attention");
        assertThat(top).filteredOn(Set.of("linear-attention", "performer", "retnet", "rmsnorm", "pre-layer-norm")::contains)
                .hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void aSelectiveCopyingPlateauFindsSelectivity() {
        List<PaperIndex.Hit> hits = index.search("loss plateaus on selective copying", 3);
        assertThat(hits).extracting(h -> h.note().slug()).contains("mamba", "gated-linear-attention");
        assertThat(hits.get(0).note().slug()).isEqualTo("mamba");
        assertThat(hits.get(0).matchedSymptom()).contains("selective_copy");
    }

    @Test
    void searchMethodQueriesFindTheMethodNotes() {
        assertThat(top3("the search is no better than random sampling"))
                .contains("random-search-nas", "nas-evaluation-is-frustratingly-hard");
        assertThat(top3("mixture of experts collapses to one expert")).contains("switch-transformer", "mixtral");
        assertThat(top3("the search keeps rediscovering the same edits").get(0)).isEqualTo("fasta-star");
    }

    @Test
    void otherFailurePatterns() {
        assertThat(top3("model fails state tracking such as parity").get(0)).isEqualTo("deltaproduct");
        assertThat(top3("mqar accuracy stuck at chance for many steps")).contains("induction-heads");
        assertThat(top3("quality drops beyond the training length"))
                .filteredOn(Set.of("alibi", "rope", "longhorn", "forgetting-transformer", "deltaproduct")::contains)
                .hasSizeGreaterThanOrEqualTo(2);
    }
}
