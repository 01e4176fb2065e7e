package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code archlab kb search}, run in-process on a small folder of notes. */
class KbCommandTest {

    static final String RECALL = """
            ---
            title: Zoology: Measuring and Improving Recall in Efficient Language Models
            authors: Arora, Eyuboglu, et al.
            year: 2023
            arxiv: 2312.04927
            tags: [associative-recall, analysis]
            ---
            ## Insight
            A fixed-size recurrent state cannot hold every key-value pair of a long context.

            ## When to try
            - recall on mqar falls as the sequences get longer
            - perplexity is fine but recall of earlier tokens fails

            ## Idea
            Give the model a little attention, or a larger state.

            ## In archlab
            No definition: this is a method note.
            """;

    static final String STABILITY = """
            ---
            title: Normalising linear attention
            authors: Somebody
            year: 2022
            tags: [normalization, stability]
            ---
            ## Insight
            An unbounded feature map makes the denominator tiny.

            ## When to try
            - training diverges or the loss becomes NaN

            ## Idea
            Normalise the output instead of dividing.

            ## In archlab
            No definition: this is a method note.
            """;

    @TempDir
    Path dir;
    Path papers;
    Path cache;

    record Result(int exitCode, String out, String err) {
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @BeforeEach
    void notes() throws IOException {
        papers = Files.createDirectories(dir.resolve("papers"));
        cache = dir.resolve("cache");
        Files.writeString(papers.resolve("zoology.md"), RECALL, StandardCharsets.UTF_8);
        Files.writeString(papers.resolve("normalised-linear-attention.md"), STABILITY, StandardCharsets.UTF_8);
    }

    @Test
    void helpListsTheCommand() {
        assertThat(run("--help").out()).contains("kb");
        Result r = run("kb", "search", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("QUERY", "--json", "--top", "--papers", "--cache-dir");
    }

    @Test
    void printsRankedNotesWithTheMatchedSymptom() {
        Result r = run("kb", "search", "recall degrades at long sequence length", "--papers", papers.toString(),
                "--cache-dir", cache.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        String[] lines = r.out().split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).matches(" 1  [01]\\.\\d{3}  Zoology: Measuring and Improving Recall in Efficient Language Models"
                + " \\(2023\\)  \\[zoology\\]");
        assertThat(lines[1]).isEqualTo("           when: recall on mqar falls as the sequences get longer");
        assertThat(lines[2]).startsWith(" 2  ").endsWith("Normalising linear attention (2022)  [normalised-linear-attention]");
    }

    @Test
    void printsJsonAndHonoursTop() throws IOException {
        Result r = run("kb", "search", "training", "diverges", "--json", "--top", "1", "--papers", papers.toString(),
                "--cache-dir", cache.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode hits = new ObjectMapper().readTree(r.out());
        assertThat(hits.isArray()).isTrue();
        assertThat(hits).hasSize(1);
        JsonNode h = hits.get(0);
        assertThat(h.fieldNames()).toIterable().containsExactly("slug", "title", "year", "arxiv", "tags", "score",
                "semantic", "keyword", "matched_symptom");
        assertThat(h.get("slug").asText()).isEqualTo("normalised-linear-attention");
        assertThat(h.get("arxiv").isNull()).isTrue();
        assertThat(h.get("tags")).hasSize(2);
        assertThat(h.get("keyword").asDouble()).isEqualTo(1.0);
        assertThat(h.get("matched_symptom").asText()).isEqualTo("training diverges or the loss becomes NaN");

        Result zoology = run("kb", "search", "mqar", "--json", "--papers", papers.toString(), "--cache-dir", cache.toString());
        assertThat(new ObjectMapper().readTree(zoology.out()).get(0).get("arxiv").asText()).isEqualTo("2312.04927");
        assertThat(cache).isDirectoryContaining(p -> p.getFileName().toString().startsWith("paper-embeddings-"));
    }

    @Test
    void aMalformedNoteIsSkippedWithAWarning() throws IOException {
        Files.writeString(papers.resolve("broken.md"), RECALL.replace("year: 2023", "year: soon"), StandardCharsets.UTF_8);
        Result r = run("kb", "search", "recall", "--papers", papers.toString(), "--cache-dir", cache.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).contains("archlab: warning: skipping a malformed note:", "broken.md:4:", "'year'");
        assertThat(r.out()).contains("[zoology]").doesNotContain("[broken]");
    }

    @Test
    void usageErrors() {
        assertThat(run("kb", "search", "  ", "--papers", papers.toString()).exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("kb", "search").exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("kb", "search", "x", "--top", "0", "--papers", papers.toString()).exitCode())
                .isEqualTo(ExitCodes.USAGE);
        Result r = run("kb");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("missing subcommand");
    }

    @Test
    void noNotesIsInvalidInput() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Result r = run("kb", "search", "recall", "--papers", empty.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("archlab: no paper notes found in", "--papers DIR");

        Result missing = run("kb", "search", "recall", "--papers", dir.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(missing.err()).contains("no such folder");
    }
}
