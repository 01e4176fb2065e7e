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

/** {@code archlab export-pytorch}, run in-process: the module on stdout, diagnostics, the parity bundle. */
class ExportPytorchCommandTest {

    static final String VALID = """
            arch tiny_bigram
            param d = 32

            model(tokens):
                x = embed(tokens, d)
                return linear(rmsnorm(x), vocab)
            """;

    /** An undefined name {@code vocabulary} at line 6, column 31. */
    static final String BROKEN = """
            arch tiny_bigram
            param d = 32

            model(tokens):
                x = embed(tokens, d)
                return linear(rmsnorm(x), vocabulary)
            """;

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
    void helpListsTheCommand() {
        assertThat(run("--help").out()).contains("export-pytorch");
        Result r = run("export-pytorch", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("--parity-dir", "--vocab", "--task", "--seed", "--option");
    }

    @Test
    void printsTheModuleOnStdout() throws IOException {
        Path file = write("tiny.arch", VALID);
        Result r = run("export-pytorch", file.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("\"\"\"tiny_bigram as a standalone PyTorch module")
                .contains("class TinyBigram(nn.Module):", "def forward(self, tokens):", "VOCAB = 256",
                        "self.n1_embed_weight = nn.Parameter(torch.randn(256, 32))",
                        "self.n3_linear_weight = nn.Parameter(torch.randn(32, 256) / math.sqrt(32))",
                        "def load_archlab_weights(self, path):");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void vocabOptionSetsTheVocabulary() throws IOException {
        Path file = write("tiny.arch", VALID);
        Result r = run("export-pytorch", file.toString(), "--vocab", "50");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("VOCAB = 50", "torch.randn(50, 32)", "torch.randn(32, 50)");
    }

    @Test
    void invalidDefinitionPrintsDiagnosticsAndExitsOne() throws IOException {
        Path file = write("broken.arch", BROKEN);
        Result r = run("export-pytorch", file.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains(file + ":6:31", "vocabulary");
    }

    @Test
    void missingFileExitsOne() {
        Result r = run("export-pytorch", dir.resolve("nope.arch").toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("no such file");
    }

    @Test
    void bundleOptionsWithoutAParityDirAreUsageErrors() throws IOException {
        Path file = write("tiny.arch", VALID);
        assertThat(run("export-pytorch", file.toString(), "--seed", "3").exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("export-pytorch", file.toString(), "--option", "pairs=4").exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void badTaskOrConflictingVocabExitsOne() throws IOException {
        Path file = write("tiny.arch", VALID);
        Result unknown = run("export-pytorch", file.toString(), "--task", "no_such_task");
        assertThat(unknown.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(unknown.err()).contains("unknown task 'no_such_task'");
        Result conflict = run("export-pytorch", file.toString(), "--task", "mqar", "--vocab", "100");
        assertThat(conflict.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(conflict.err()).contains("--vocab 100", "vocab 256");
    }

    @Test
    void parityDirGetsTheBundle() throws IOException {
        Path file = write("tiny.arch", VALID);
        Path bundle = dir.resolve("bundle");
        Result r = run("export-pytorch", file.toString(), "--parity-dir", bundle.toString(), "--task", "mqar",
                "--option", "vocab=64", "--option", "seq_len=12", "--option", "pairs=2", "--seed", "5",
                "--batch-size", "2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("VOCAB = 64");
        assertThat(r.err()).contains("wrote a parity bundle to " + bundle, "DJL loss");
        for (String f : new String[] {"model.py", "weights.bin", "weights.json", "batch.json", "expected.json",
                                      "logits.bin"}) {
            assertThat(bundle.resolve(f)).as(f).isRegularFile();
        }
        assertThat(Files.readString(bundle.resolve("model.py"))).isEqualTo(r.out());
        // embed [64, 32] + rmsnorm [32] + linear [32, 64], float32
        assertThat(Files.size(bundle.resolve("weights.bin"))).isEqualTo(4L * (64 * 32 + 32 + 32 * 64));
        JsonNode batch = new ObjectMapper().readTree(bundle.resolve("batch.json").toFile());
        assertThat(batch.get("batch_size").asInt()).isEqualTo(2);
        assertThat(batch.get("seq_len").asInt()).isEqualTo(12);
        assertThat(batch.get("seed").asLong()).isEqualTo(5);
        JsonNode expected = new ObjectMapper().readTree(bundle.resolve("expected.json").toFile());
        assertThat(expected.get("loss").asDouble()).isPositive();
    }

    @Test
    void parityDirThatIsAFileExitsOne() throws IOException {
        Path file = write("tiny.arch", VALID);
        Path notADir = write("taken", "x");
        Result r = run("export-pytorch", file.toString(), "--parity-dir", notADir.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("is not a directory");
    }
}
