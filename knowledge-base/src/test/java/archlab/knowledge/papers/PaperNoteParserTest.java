package archlab.knowledge.papers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The note format: a good note, a method note, and each way a note can be malformed, with file and line. */
class PaperNoteParserTest {

    static final String GOOD = """
            ---
            title: "Zoology: Measuring and Improving Recall in Efficient Language Models"
            authors: Simran Arora, Sabri Eyuboglu, Aman Timalsina
            year: 2023
            arxiv: 2401.10200
            tags: [recall, linear-attention]
            ---
            ## Insight
            Gated convolutions lose to attention on **associative recall**.

            Most of the gap is recall.
            ## When to try
            - recall degrades as `sequence length` grows
            - the model fails multi-query associative recall
              even though perplexity looks fine
            ## Idea
            Add a little attention.
            ## In archlab
            A hybrid:
            ```archlab
            block mixer(x):
            ## not a heading: we are inside a code block
                return x
            ```
            """;

    static final String METHOD = """
            ---
            title: NAS evaluation is frustratingly hard
            authors: [Antoine Yang, Pedro M. Esperança, Fabio M. Carlucci]
            year: 2020
            tags: [nas, evaluation]
            ---
            ## Insight
            Random search is a strong baseline.
            ## When to try
            - the search beats a random baseline by less than the seed variance
            ## Idea
            Compare with random sampling on the same budget.
            ## In archlab
            No definition: this is a method note.
            """;

    @TempDir
    Path dir;

    static PaperNote parse(String text) {
        return PaperNoteParser.parse(text, "papers/x.md", "x");
    }

    @Test
    void readsEveryFieldOfAGoodNote() {
        PaperNote n = parse(GOOD);
        assertThat(n.slug()).isEqualTo("x");
        assertThat(n.title()).isEqualTo("Zoology: Measuring and Improving Recall in Efficient Language Models");
        assertThat(n.authors()).containsExactly("Simran Arora", "Sabri Eyuboglu", "Aman Timalsina");
        assertThat(n.year()).isEqualTo(2023);
        assertThat(n.arxiv()).as("YAML must not read the id as a number").isEqualTo("2401.10200");
        assertThat(n.tags()).containsExactly("recall", "linear-attention");
        assertThat(n.insight()).isEqualTo("Gated convolutions lose to attention on **associative recall**.\n\n"
                + "Most of the gap is recall.");
        assertThat(n.whenToTry()).containsExactly("recall degrades as sequence length grows",
                "the model fails multi-query associative recall even though perplexity looks fine");
        assertThat(n.idea()).isEqualTo("Add a little attention.");
        assertThat(n.inArchlab()).startsWith("A hybrid:").contains("```archlab");
        assertThat(n.archlabCode()).isEqualTo("""
                block mixer(x):
                ## not a heading: we are inside a code block
                    return x
                """);
        assertThat(n.hasDefinition()).isTrue();
    }

    @Test
    void aMethodNoteHasNoDefinitionAndAuthorsMayBeAList() {
        PaperNote n = parse(METHOD);
        assertThat(n.archlabCode()).isNull();
        assertThat(n.hasDefinition()).isFalse();
        assertThat(n.arxiv()).isNull();
        assertThat(n.authors()).containsExactly("Antoine Yang", "Pedro M. Esperança", "Fabio M. Carlucci");
    }

    @Test
    void windowsLineEndingsAndAByteOrderMarkAreAccepted() {
        PaperNote n = parse("\uFEFF" + METHOD.replace("\n", "\r\n"));
        assertThat(n.title()).isEqualTo("NAS evaluation is frustratingly hard");
        assertThat(n.whenToTry()).hasSize(1);
    }

    /** Asserts that parsing {@code text} fails at {@code line} with a reason containing {@code words}. */
    static void fails(String text, int line, String... words) {
        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(PaperNoteException.class, e -> {
                    assertThat(e.file()).isEqualTo("papers/x.md");
                    assertThat(e.line()).as(e.getMessage()).isEqualTo(line);
                    assertThat(e.getMessage()).startsWith(line > 0 ? "papers/x.md:" + line + ": " : "papers/x.md: ")
                            .contains(words);
                });
    }

    @Test
    void frontMatterErrorsNameTheLine() {
        fails("# Zoology\n", 1, "expected '---'");
        fails("---\ntitle: x\n## Insight\n", 1, "never closed");
        fails(GOOD.replace("tags: [recall, linear-attention]", "tags: [recall, linear-attention"), 6, "not valid YAML",
                "while parsing a flow sequence: expected ',' or ']'");
        fails(GOOD.replace("year: 2023\n", "year: 2023\nvenue: NeurIPS\n"), 5, "unknown key 'venue'", "title, authors");
        fails(GOOD.replace("year: 2023", "year: soon"), 4, "'year' must be a four-digit year", "soon");
        fails(GOOD.replace("year: 2023\n", ""), 1, "'year' is missing");
        fails(GOOD.replace("arxiv: 2401.10200", "arxiv: https://arxiv.org/abs/2401.10200"), 5, "'arxiv' must be an arXiv");
        fails(GOOD.replace("tags: [recall, linear-attention]", "tags: recall"), 6, "'tags' must be a list");
        fails(GOOD.replace("authors: Simran Arora, Sabri Eyuboglu, Aman Timalsina", "authors: ''"), 3, "'authors' is empty");
        fails(GOOD.replace("title: ", "title: x\ntitle: "), 3, "Duplicate field 'title'");
    }

    @Test
    void sectionErrorsNameTheLine() {
        fails(GOOD.replace("## Insight\n", "Some prose.\n## Insight\n"), 8, "text before the first section");
        fails(GOOD.replace("## Idea\n", "## Method\n"), 16, "unknown section '## Method'", "## Insight");
        fails(GOOD.replace("## Idea\nAdd a little attention.\n", ""), 16, "expected '## Idea' here, found '## In archlab'");
        fails(METHOD.substring(0, METHOD.indexOf("## In archlab")), 0, "'## In archlab' is missing");
        fails(METHOD.replace("## When to try", "## Idea!").replace("## Idea\n", "## When to try\n")
                .replace("## Idea!", "## Idea"), 9, "expected '## When to try' here, found '## Idea'", "in this order");
        fails(GOOD.replace("## Idea\n", "## Insight\n"), 16, "appears twice (first at line 8)");
        fails(GOOD.replace("Add a little attention.\n", ""), 16, "'## Idea' is empty");
        fails(GOOD.replace("- recall degrades", "Recall degrades"), 13, "holds bullets");
        fails(GOOD.replace("    return x\n```\n", "    return x\n"), 20, "never closed");
        fails(METHOD.replace("No definition: this is a method note.", "See the paper."), 13, "needs a ```archlab code block");
    }

    @Test
    void titlesAndAuthorsNeedNoQuotes() {
        PaperNote n = parse(GOOD.replace("title: \"Zoology: Measuring and Improving Recall in Efficient Language Models\"",
                "title: Zoology: Measuring \"recall\" # in efficient models").replace(
                        "authors: Simran Arora, Sabri Eyuboglu, Aman Timalsina", "authors: Arora, Eyuboglu, et al."));
        assertThat(n.title()).isEqualTo("Zoology: Measuring \"recall\" # in efficient models");
        assertThat(n.authors()).containsExactly("Arora", "Eyuboglu", "et al.");
        assertThat(PaperNoteParser.quoteFreeText("title: 'quoted: already'")).isEqualTo("title: 'quoted: already'");
        assertThat(PaperNoteParser.quoteFreeText("authors: [A, B]")).isEqualTo("authors: [A, B]");
        assertThat(PaperNoteParser.quoteFreeText("year: 2023")).isEqualTo("year: 2023");
    }

    @Test
    void aMethodNoteMaySayMoreThanTheSentence() {
        PaperNote n = parse(METHOD.replace("No definition: this is a method note.",
                "archlab uses it in its baselines. No definition: this is a method note."));
        assertThat(n.archlabCode()).isNull();
    }

    @Test
    void headingsIgnoreCaseAndATrailingColon() {
        PaperNote n = parse(METHOD.replace("## When to try", "## When To Try:"));
        assertThat(n.whenToTry()).hasSize(1);
    }

    @Test
    void loadingAFolderSkipsTheReadmeAndCollectsProblems() throws IOException {
        Files.writeString(dir.resolve("README.md"), "# The notes\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("zoology.md"), GOOD, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("nas-eval.md"), METHOD, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("broken.md"), GOOD.replace("year: 2023", "year: soon"), StandardCharsets.UTF_8);
        Files.write(dir.resolve("latin1.md"), new byte[] {'-', '-', '-', '\n', (byte) 0xE9, '\n'});
        Files.writeString(dir.resolve("notes.txt"), "not a note", StandardCharsets.UTF_8);

        PaperLibrary.Contents lib = PaperLibrary.fromDirectory(dir);
        assertThat(lib.notes()).extracting(PaperNote::slug).containsExactly("nas-eval", "zoology");
        assertThat(lib.problems()).extracting(PaperNoteException::getMessage).satisfiesExactly(
                m -> assertThat(m).endsWith("broken.md:4: front matter: 'year' must be a four-digit year such as 2023,"
                        + " got 'soon'"),
                m -> assertThat(m).endsWith("latin1.md: is not UTF-8 text"));
        assertThatThrownBy(lib::strict).isInstanceOf(PaperNoteException.class).hasMessageContaining("broken.md:4");
        assertThat(PaperLibrary.load(dir).notes()).hasSize(2);
    }

    @Test
    void theRepositoryFolderIsFoundFromASubfolder() throws IOException {
        Path papers = Files.createDirectories(dir.resolve("checkout/knowledge-base/papers"));
        Files.writeString(papers.resolve("zoology.md"), GOOD, StandardCharsets.UTF_8);
        Path deep = Files.createDirectories(dir.resolve("checkout/agent/target/lib"));
        assertThat(PaperLibrary.findRepoFolder(deep)).isEqualTo(papers);
        assertThat(PaperLibrary.findRepoFolder(dir)).isNull();
    }
}
