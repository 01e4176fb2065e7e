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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the archlab command line in-process and checks exit codes and output. */
class MainTest {

    /** embed → rmsnorm → linear to the vocabulary: the smallest useful model (docs/language.md). */
    static final String VALID = """
            arch tiny_bigram
            param d = 32

            model(tokens):
                x = embed(tokens, d)
                return linear(rmsnorm(x), vocab)
            """;

    /** The same with an undefined name {@code vocabulary} at line 6, column 31. */
    static final String BROKEN = """
            arch tiny_bigram
            param d = 32

            model(tokens):
                x = embed(tokens, d)
                return linear(rmsnorm(x), vocabulary)
            """;

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Result(int exitCode, String out, String err) {
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

    @Test
    void helpListsEveryCommand() {
        Result r = run("--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("check", "stdlib", "graph", "diff", "help");
        assertThat(r.out()).contains("Exit codes", "70");
    }

    @Test
    void versionIsPrinted() {
        Result r = run("--version");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("0.1.0");
    }

    @Test
    void checkOfValidFileExitsZeroAndPrintsTheSummary() throws IOException {
        Path file = write("tiny.arch", VALID);
        Result r = run("check", file.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("ok  tiny_bigram  params ").contains("flops/token", "hash ");
    }

    @Test
    void checkWithProbeRunsTheCausalityProbe() throws IOException {
        Path file = write("tiny.arch", VALID);
        Result r = run("check", "--probe", file.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("ok  tiny_bigram  params ").containsPattern("probe causal \\(T=128, [0-9.]+ ms\\)");
        Result j = run("check", "--probe", "--json", file.toString());
        assertThat(j.exitCode()).as(j.err()).isZero();
        JsonNode probe = JSON.readTree(j.out()).get("probe");
        assertThat(probe.get("causal").asBoolean()).isTrue();
        assertThat(probe.get("seq_len").asInt()).isEqualTo(128);
        assertThat(probe.get("prefix").asInt()).isBetween(1, 127);
        assertThat(probe.get("changed_from").asInt()).isBetween(1, 127);
    }

    @Test
    void checkOfValidFileAsJsonHasEveryField() throws IOException {
        Path file = write("tiny.arch", VALID);
        Result r = run("check", file.toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode report = JSON.readTree(r.out());
        assertThat(report.isObject()).isTrue();
        assertThat(report.fieldNames()).toIterable().containsExactly(
                "name", "file", "ok", "params", "flops_per_token", "hash", "errors", "warnings", "scans");
        assertThat(report.get("name").asText()).isEqualTo("tiny_bigram");
        assertThat(report.get("file").asText()).isEqualTo(file.toString());
        assertThat(report.get("ok").asBoolean()).isTrue();
        // embed 256·32 + rmsnorm 32 + linear 32·256, with the default vocab of 256.
        assertThat(report.get("params").asLong()).isEqualTo(256 * 32 + 32 + 32 * 256);
        assertThat(report.get("flops_per_token").asDouble()).isPositive();
        assertThat(report.get("hash").asText()).hasSizeGreaterThan(12);
        assertThat(report.get("errors")).isEmpty();
        assertThat(report.get("warnings").isArray()).isTrue();
        assertThat(report.get("scans")).isEmpty();
    }

    /** Each scan's compiled form: the library's delta rule is chunked, a tanh RNN stays sequential and says why. */
    @Test
    void checkAsJsonSaysWhichFormEachScanGets() throws IOException {
        Path file = write("scans.arch", """
                arch two_scans
                param d = 16

                block rnn_step(h, u):
                    h2 = tanh(h + u)
                    return h2, h2

                model(tokens):
                    x = embed(tokens, d)
                    q = split_heads(linear(x, d), 2)
                    k = split_heads(linear(x, d), 2)
                    v = split_heads(linear(x, d), 2)
                    beta = sigmoid(split_heads(linear(x, 2), 2))
                    o = merge_heads(delta_rule(q, k, v, beta))
                    r = scan(rnn_step, linear(o, d), state=d)
                    return linear(r, vocab)
                """);
        Result r = run("check", file.toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode scans = JSON.readTree(r.out()).get("scans");
        assertThat(scans).hasSize(2);
        JsonNode delta = scans.get(0);
        assertThat(delta.get("form").asText()).isEqualTo("delta");
        assertThat(delta.get("description").asText()).startsWith("delta rule");
        assertThat(delta.has("reason")).isFalse();
        JsonNode rnn = scans.get(1);
        assertThat(rnn.get("form").asText()).isEqualTo("sequential");
        assertThat(rnn.get("reason").asText()).contains("not a matrix per head");
        assertThat(rnn.get("location").asText()).endsWith(":15:9");
    }

    @Test
    void checkOfSeveralFilesAsJsonPrintsAnArray() throws IOException {
        Path a = write("a.arch", VALID);
        Path b = write("b.arch", BROKEN);
        Result r = run("check", "--json", a.toString(), b.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        JsonNode reports = JSON.readTree(r.out());
        assertThat(reports.isArray()).isTrue();
        assertThat(reports).hasSize(2);
        assertThat(reports.get(0).get("ok").asBoolean()).isTrue();
        assertThat(reports.get(1).get("ok").asBoolean()).isFalse();
    }

    @Test
    void checkOfBrokenFileExitsOneWithLineAndColumn() throws IOException {
        Path file = write("broken.arch", BROKEN);
        Result r = run("check", file.toString(), "--json");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        JsonNode report = JSON.readTree(r.out());
        assertThat(report.get("ok").asBoolean()).isFalse();
        assertThat(report.get("hash").isNull()).isTrue();
        JsonNode error = report.get("errors").get(0);
        assertThat(error.get("line").asInt()).isEqualTo(6);
        assertThat(error.get("col").asInt()).isEqualTo(31);
        assertThat(error.get("code").asText()).isNotBlank();
        assertThat(error.get("message").asText()).contains("vocabulary");
        assertThat(error.get("trace").isArray()).isTrue();
    }

    @Test
    void checkOfBrokenFileRendersDiagnosticsToStderr() throws IOException {
        Path file = write("broken.arch", BROKEN);
        Result r = run("check", file.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains(file + ":6:31: error [");
    }

    @Test
    void missingFileExitsOne() {
        String missing = dir.resolve("nope.arch").toString();
        Result r = run("check", missing);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains(missing, "no such file");
    }

    @Test
    void missingFileInJsonModeStillGetsAnEntry() {
        String missing = dir.resolve("nope.arch").toString();
        Result r = run("check", "--json", missing);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("no such file");
        assertThat(r.out()).contains("\"unreadable-file\"");
    }

    @Test
    void unknownOptionIsAUsageError() {
        Result r = run("check", "--bogus", "x.arch");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--bogus");
    }

    @Test
    void checkWithoutFilesIsAUsageError() {
        assertThat(run("check").exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void unknownCommandIsAUsageError() {
        assertThat(run("frobnicate").exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void stdlibListsFilesAndUnknownNameExitsOne() {
        Result list = run("stdlib");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).contains(".arch");
        Result unknown = run("stdlib", "no_such_block_anywhere");
        assertThat(unknown.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(unknown.err()).contains("no_such_block_anywhere");
    }

    @Test
    void graphPrintsDot() throws IOException {
        Path file = write("tiny.arch", VALID);
        Result r = run("graph", file.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("digraph");
    }

    @Test
    void graphOfBrokenFileExitsOne() throws IOException {
        Path file = write("broken.arch", BROKEN);
        Result r = run("graph", file.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains(":6:31:");
    }

    @Test
    void diffOfAFileWithItselfIsEmpty() throws IOException {
        Path file = write("tiny.arch", VALID);
        Result r = run("diff", file.toString(), file.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("no structural difference");
    }

    @picocli.CommandLine.Command(name = "boom")
    static final class Boom implements Runnable {
        @Override
        public void run() {
            throw new IllegalStateException("kaput");
        }
    }

    @Test
    void unexpectedExceptionIsAnInternalError() {
        StringWriter err = new StringWriter();
        picocli.CommandLine cli = Main.newCommandLine(new PrintWriter(new StringWriter()), null);
        cli.addSubcommand(new Boom());
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute("boom")).isEqualTo(ExitCodes.INTERNAL);
        assertThat(err.toString()).startsWith("archlab: internal error: java.lang.IllegalStateException: kaput");
    }

    @Test
    void flopsAreFormattedWithSiPrefixes() {
        assertThat(CheckCommand.si(1_234_567.0)).isEqualTo("1.23 M");
        assertThat(CheckCommand.si(999.0)).isEqualTo("999");
        assertThat(CheckCommand.si(null)).isEqualTo("?");
    }
}
