package archlab.knowledge.papers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index on a small synthetic library (the real notes are tested in {@link PaperRetrievalTest}): ranking,
 * the matched symptom, the keyword side, and the embedding cache.
 */
class PaperIndexTest {

    /** Counts the texts it embeds, so a test can tell a cache hit from a recomputation. */
    static final class CountingEmbedder implements Embedder {
        final AtomicInteger texts = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String id() {
            return MiniLmEmbedder.get().id();
        }

        @Override
        public float[][] embed(List<String> batch) {
            calls.incrementAndGet();
            texts.addAndGet(batch.size());
            return MiniLmEmbedder.get().embed(batch);
        }
    }

    static PaperNote note(String slug, String title, List<String> tags, String insight, List<String> when, String idea) {
        return new PaperNote(slug, title, List.of("A. Author"), 2023, null, tags, insight, when, idea,
                "No definition: this is a method note.", null);
    }

    static List<PaperNote> library() {
        List<PaperNote> notes = new ArrayList<>();
        notes.add(note("recall", "Measuring recall in efficient language models", List.of("recall", "state-size"),
                "Models with a fixed-size recurrent state cannot remember every key-value pair of a long context; "
                        + "attention keeps the whole context and recalls it exactly.",
                List.of("recall degrades as the sequence length grows",
                        "multi-query associative recall accuracy is far below attention"),
                "Add a few attention layers or a sliding window next to the recurrent layers."));
        notes.add(note("stability", "Normalising linear attention", List.of("linear-attention", "normalization"),
                "Unbounded feature maps make the attention denominator tiny, so gradients explode.",
                List.of("training diverges or the loss becomes NaN", "activations grow layer after layer"),
                "Normalise the output with a norm layer instead of dividing by the denominator."));
        notes.add(note("selectivity", "Selective state spaces", List.of("ssm", "selectivity"),
                "Time-invariant state-space models cannot choose what to keep; input-dependent parameters can.",
                List.of("the loss plateaus on selective copying", "the model cannot ignore filler tokens"),
                "Make the step size and the projections functions of the input."));
        notes.add(note("moe", "Mixture of experts routing", List.of("moe", "routing"),
                "Sparse experts raise the parameter count without raising the FLOPs per token.",
                List.of("the model is too small but compute is limited", "a few experts receive all the tokens"),
                "Route each token to its top-k experts and add a load-balancing loss."));
        notes.add(note("nas-eval", "NAS evaluation is frustratingly hard", List.of("nas", "evaluation"),
                "Search spaces are so good that random architectures perform almost as well as searched ones.",
                List.of("the search beats random sampling by less than the seed variance"),
                "Always compare with random search on the same budget and report several seeds."));
        return notes;
    }

    @TempDir
    Path cache;

    @Test
    void ranksByMeaningAndReportsTheClosestSymptom() {
        PaperIndex index = PaperIndex.build(library(), MiniLmEmbedder.get(), null);
        List<PaperIndex.Hit> hits = index.search("recall gets worse on longer sequences", 3);
        assertThat(hits).hasSize(3);
        assertThat(hits.get(0).note().slug()).isEqualTo("recall");
        assertThat(hits.get(0).matchedSymptom()).isEqualTo("recall degrades as the sequence length grows");
        assertThat(hits.get(0).score()).isGreaterThan(hits.get(1).score());
        assertThat(hits).allSatisfy(h -> {
            assertThat(h.score()).isBetween(0.0, 1.0);
            assertThat(h.keywordScore()).isBetween(0.0, 1.0);
            assertThat(h.semanticScore()).isBetween(-1.0, 1.0);
        });

        assertThat(index.search("my loss turns into NaN after a few hundred steps", 1).get(0).note().slug())
                .isEqualTo("stability");
        assertThat(index.search("the model can't filter out irrelevant tokens", 1).get(0).note().slug())
                .isEqualTo("selectivity");
        assertThat(index.search("is my search better than random?", 1).get(0).note().slug()).isEqualTo("nas-eval");
        assertThat(index.search("load balancing", 5)).hasSize(5).first()
                .satisfies(h -> assertThat(h.note().slug()).isEqualTo("moe"));
    }

    @Test
    void anExactRareTermLiftsTheNoteThatUsesIt() {
        PaperIndex index = PaperIndex.build(library(), MiniLmEmbedder.get(), null);
        PaperIndex.Hit top = index.search("denominator", 1).get(0);
        assertThat(top.note().slug()).isEqualTo("stability");
        assertThat(top.keywordScore()).isEqualTo(1.0);
    }

    @Test
    void rejectsAnEmptyQueryAndABadTopK() {
        PaperIndex index = PaperIndex.build(List.of(), MiniLmEmbedder.get(), null);
        assertThat(index.search("anything", 3)).isEmpty();
        assertThatThrownBy(() -> index.search("  ", 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> index.search("x", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSecondBuildReadsTheEmbeddingsFromTheCache() throws IOException {
        CountingEmbedder embedder = new CountingEmbedder();
        PaperIndex first = PaperIndex.build(library(), embedder, cache);
        assertThat(first.stats().fromCache()).isFalse();
        int embedded = embedder.texts.get();
        assertThat(embedded).isEqualTo(first.stats().passages()).isGreaterThan(library().size());
        assertThat(first.stats().cacheFile()).exists();

        PaperIndex second = PaperIndex.build(library(), embedder, cache);
        assertThat(second.stats().fromCache()).isTrue();
        assertThat(embedder.texts.get()).as("nothing embedded again").isEqualTo(embedded);
        assertThat(second.search("recall degrades at long sequence length", 5))
                .usingRecursiveFieldByFieldElementComparator()
                .isEqualTo(first.search("recall degrades at long sequence length", 5));

        // an edited note makes a new key: embedded again, and the old file stays until pruned
        List<PaperNote> edited = new ArrayList<>(library());
        PaperNote moe = edited.get(3);
        edited.set(3, note(moe.slug(), moe.title(), moe.tags(), moe.insight() + " Experts specialise.", moe.whenToTry(),
                moe.idea()));
        int before = embedder.texts.get();
        PaperIndex third = PaperIndex.build(edited, embedder, cache);
        assertThat(third.stats().fromCache()).isFalse();
        assertThat(embedder.texts.get()).isGreaterThan(before);
        try (var files = Files.list(cache)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".bin"))).hasSize(2);
        }
    }

    @Test
    void aDamagedCacheFileIsIgnoredAndRewritten() throws IOException {
        CountingEmbedder embedder = new CountingEmbedder();
        Path file = PaperIndex.build(library(), embedder, cache).stats().cacheFile();
        Files.write(file, new byte[] {1, 2, 3});
        PaperIndex again = PaperIndex.build(library(), embedder, cache);
        assertThat(again.stats().fromCache()).isFalse();
        assertThat(PaperIndex.build(library(), embedder, cache).stats().fromCache()).isTrue();
    }

    @Test
    void anUnwritableCacheFolderOnlyCostsTime() throws IOException {
        Path notADir = Files.writeString(cache.resolve("file"), "x");
        PaperIndex index = PaperIndex.build(library(), MiniLmEmbedder.get(), notADir.resolve("sub"));
        assertThat(index.stats().fromCache()).isFalse();
        assertThat(index.search("routing tokens to experts", 1).get(0).note().slug()).isEqualTo("moe");
    }

    @Test
    void passagesAreShortAndPlain() {
        String md = "First **bold** sentence with `code` and [a link](http://x).\n\n```text\nskipped\n```\n"
                + "Second paragraph. " + "word ".repeat(100).strip() + ". Last sentence.";
        List<String> pieces = PaperIndex.pieces(PaperIndex.plain(md));
        assertThat(pieces.get(0)).isEqualTo("First bold sentence with code and a link.");
        assertThat(pieces).noneMatch(p -> p.contains("skipped"));
        assertThat(pieces).allSatisfy(p -> assertThat(p.split(" ").length).isLessThanOrEqualTo(PaperIndex.MAX_WORDS + 10));
        assertThat(String.join(" ", pieces)).contains("Second paragraph.", "Last sentence.");
    }

    @Test
    void termsFoldInflections() {
        assertThat(Terms.of("Recall degrades; degraded, degrading states and the STATE."))
                .containsExactly("recall", "degrad", "degrad", "degrad", "stat", "stat");
        assertThat(Terms.of("linear-attention Mamba-2 MQAR")).containsExactly("linear", "attention", "mamba", "2", "mqar");
    }

    @Test
    void bm25PrefersRareTermsAndShortDocuments() {
        Bm25 bm = new Bm25(List.of(Terms.of("recall recall state"), Terms.of("state state state state"),
                Terms.of("recall and a very long document about many other things entirely")));
        double[] s = bm.scores(Terms.of("recall"));
        assertThat(s[0]).isGreaterThan(s[2]).isGreaterThan(0);
        assertThat(s[1]).isZero();
        assertThat(bm.scores(Terms.of("nothing matches"))).containsOnly(0.0);
    }
}
