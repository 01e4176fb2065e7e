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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code archlab train}, in-process, with real sandbox workers and tiny models. */
class TrainCommandTest {

    static final String TINY = """
            arch tiny
            param d = 16

            model(tokens):
                x = embed(tokens, d)
                return linear(rmsnorm(x), vocab)
            """;

    /** An undefined name, {@code vocabulary}, at line 6, column 31. */
    static final String BROKEN = """
            arch tiny
            param d = 16

            model(tokens):
                x = embed(tokens, d)
                return linear(rmsnorm(x), vocabulary)
            """;

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Result(int exitCode, String out, String err) {
        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    /** A small MQAR run: vocab 32, seq_len 16, 2 pairs, batch 8, one thread. */
    static List<String> mqar(Path file, String... more) {
        List<String> args = new ArrayList<>(List.of("train", file.toString(), "--task", "mqar", "--steps", "10",
                "--batch-size", "8", "--threads", "1", "--option", "vocab=32", "--option", "seq_len=16",
                "--option", "pairs=2", "--wall-s", "120"));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void aTinyRunPrintsOneJsonObjectAndExitsZero() throws IOException {
        Path file = write("tiny.arch", TINY);
        Result r = run(mqar(file, "--json").toArray(String[]::new));

        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        JsonNode json = r.json();
        assertThat(json.isObject()).isTrue();
        assertThat(json.get("status").asText()).isEqualTo("ok");
        assertThat(json.get("failure").isNull()).isTrue();
        assertThat(json.get("metrics").get("accuracy").isNumber()).isTrue();
        assertThat(json.get("tokens_per_s").asDouble()).isPositive();
        assertThat(json.get("peak_rss_mb").asDouble()).isPositive();
        assertThat(json.get("wall_s").asDouble()).isPositive();
        assertThat(json.get("params").asLong()).isEqualTo(32 * 16 + 16 + 16 * 32);
        assertThat(json.get("steps_done").asInt()).isEqualTo(10);
        assertThat(json.get("config").get("steps").asInt()).isEqualTo(10);
        // the progress bar went to stderr, and only there; stderr is no terminal here, so without carriage returns
        assertThat(r.err()).contains("10/10").doesNotContain("\r");
        assertThat(r.out()).doesNotContain("10/10");
    }

    @Test
    void aHumanRunPrintsTheMetrics() throws IOException {
        Path file = write("tiny.arch", TINY);
        Result r = run(mqar(file, "--no-progress").toArray(String[]::new));

        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).startsWith("ok  " + file + "  mqar  accuracy ").contains("params 1,040").contains("tokens/s");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void aDivergingRunExitsOneWithItsFailure() throws IOException {
        Path file = write("tiny.arch", TINY);
        Result r = run(mqar(file, "--json", "--lr", "1e6", "--no-progress").toArray(String[]::new));

        assertThat(r.exitCode()).isEqualTo(1);
        JsonNode json = r.json();
        assertThat(json.get("status").asText()).isEqualTo("failed");
        assertThat(json.get("failure").get("kind").asText()).isEqualTo("diverged");
        assertThat(json.get("failure").get("step").asInt()).isPositive();
        assertThat(json.has("metrics")).isTrue();
    }

    @Test
    void anInvalidDefinitionExitsOneWithLineAndColumn() throws IOException {
        Path file = write("broken.arch", BROKEN);
        Result json = run(mqar(file, "--json", "--no-progress").toArray(String[]::new));

        assertThat(json.exitCode()).isEqualTo(1);
        JsonNode failure = json.json().get("failure");
        assertThat(failure.get("kind").asText()).isEqualTo("invalid_definition");
        assertThat(failure.get("node").asText()).isEqualTo("6:31");
        assertThat(failure.get("message").asText()).contains("broken.arch:6:31");
        assertThat(failure.has("stage")).isTrue();

        Result human = run(mqar(file, "--no-progress").toArray(String[]::new));
        assertThat(human.exitCode()).isEqualTo(1);
        assertThat(human.out()).isEmpty();
        assertThat(human.err()).contains("failed  " + file + "  invalid_definition: ").contains("broken.arch:6:31");
    }

    @Test
    void charlmWithoutTextIsAnInvalidInput() throws IOException {
        Path file = write("tiny.arch", TINY);
        Result r = run("train", file.toString(), "--task", "charlm", "--json");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("--task charlm needs --text");
    }

    @Test
    void charlmReportsValidationLoss() throws IOException {
        Path file = write("tiny.arch", TINY);
        Path text = write("text.txt", "the quick brown fox jumps over the lazy dog. ".repeat(200));
        Result r = run("train", file.toString(), "--task", "charlm", "--text", text.toString(), "--steps", "5",
                "--batch-size", "4", "--threads", "1", "--option", "seq_len=16", "--json", "--no-progress");

        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        JsonNode json = r.json();
        assertThat(json.get("metrics").get("val_loss").asDouble()).isPositive();
        assertThat(json.get("primary_metric").asText()).isEqualTo("val_loss");
    }

    @Test
    void badNumbersAreInvalidConfig() throws IOException {
        Path file = write("tiny.arch", TINY);
        Result r = run("train", file.toString(), "--task", "mqar", "--steps", "0", "--json");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.json().get("failure").get("kind").asText()).isEqualTo("invalid_config");
        assertThat(r.json().get("failure").get("message").asText()).contains("steps");
    }

    @Test
    void missingFileIsAnInvalidInput() {
        Result r = run("train", dir.resolve("nope.arch").toString(), "--task", "mqar");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("no such file");
    }
}
