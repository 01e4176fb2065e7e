package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code archlab import} and {@code archlab export}, in-process: exit codes, messages, the round trip. */
class ImportExportCommandTest {
    @TempDir
    Path dir;

    private Path jsonl(String name, String... lines) throws IOException {
        return Files.write(dir.resolve(name), List.of(lines), StandardCharsets.UTF_8);
    }

    private static String definitionJson(String source) throws IOException {
        return MainTest.JSON.writeValueAsString(source);
    }

    @Test
    void importThenExportJsonlAndCsv() throws IOException {
        Path in = jsonl("ext.jsonl",
                "{\"id\":\"a\",\"name\":\"tiny\",\"status\":\"done\",\"fitness\":0.5,\"definition\":"
                        + definitionJson(MainTest.VALID) + ",\"metrics\":{\"mqar\":{\"accuracy\":0.5}},\"lab\":\"x\"}",
                "{\"id\":\"b\",\"parent\":\"a\",\"definition\":" + definitionJson(MainTest.BROKEN) + "}",
                "{\"id\":\"c\",\"parent\":\"a\",\"definition\":\"class M(nn.Module): pass\",\"definition_language\":\"pytorch\"}");
        Path run = dir.resolve("run");
        MainTest.Result imported = MainTest.run("import", in.toString(), "--out", run.toString());
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("imported 3 experiments", "campaign ext ")
                .contains("1 trainable, 1 invalid (flagged), 0 duplicate, 1 in another language, 0 missing");
        assertThat(run.resolve("archlab.mv.db")).isRegularFile();

        MainTest.Result exported = MainTest.run("export", run.toString());
        assertThat(exported.exitCode()).as(exported.err()).isZero();
        List<String> lines = exported.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(MainTest.JSON.readTree(lines.get(0)).get("lab").asText()).isEqualTo("x");
        assertThat(MainTest.JSON.readTree(lines.get(1)).get("definition_check").asText()).isEqualTo("invalid");

        Path csv = dir.resolve("out/ext.csv");
        MainTest.Result toCsv = MainTest.run("export", run.toString(), "--format", "csv", "--out", csv.toString(),
                "--campaign", "ext");
        assertThat(toCsv.exitCode()).as(toCsv.err()).isZero();
        assertThat(toCsv.err()).contains("exported 3 experiments to");
        assertThat(Files.readAllLines(csv)).hasSize(4).first().asString().startsWith("id,campaign,parent,name,status");

        // the export imports again, as another campaign of the same store is refused (same ids) ...
        Path again = Files.writeString(dir.resolve("again.jsonl"), exported.out(), StandardCharsets.UTF_8);
        MainTest.Result same = MainTest.run("import", again.toString(), "--out", run.toString(), "--campaign", "copy");
        assertThat(same.exitCode()).isEqualTo(1);
        assertThat(same.err()).contains("again.jsonl:1: id \"a\" is already in this store", "nothing was imported");
        // ... and into a new run folder gives the same export
        Path run2 = dir.resolve("run2");
        assertThat(MainTest.run("import", again.toString(), "--out", run2.toString()).exitCode()).isZero();
        assertThat(MainTest.run("export", run2.toString()).out()).isEqualTo(exported.out());
    }

    @Test
    void malformedLineExitsOneWithItsNumberAndImportsNothing() throws IOException {
        Path in = jsonl("bad.jsonl", "{\"id\":\"a\"}", "{\"id\":\"b\",\"fitness\":\"high\"}", "{oops");
        Path run = dir.resolve("run");
        MainTest.Result r = MainTest.run("import", in.toString(), "--out", run.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains(in + ":2: fitness must be a number or null, found a string")
                .contains(in + ":3: not valid JSON").contains("archlab: import failed; nothing was imported");
        // refused before any store was opened: no run folder appeared
        assertThat(run).doesNotExist();
    }

    @Test
    void missingInputsAreInvalidInput() {
        MainTest.Result noFile = MainTest.run("import", dir.resolve("nope.jsonl").toString(), "--out",
                dir.resolve("run").toString());
        assertThat(noFile.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(noFile.err()).contains("nope.jsonl: no such file");

        MainTest.Result noStore = MainTest.run("export", dir.resolve("empty").toString());
        assertThat(noStore.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(noStore.err()).contains("no archlab store here");

        MainTest.Result noOut = MainTest.run("import", "x.jsonl");
        assertThat(noOut.exitCode()).isEqualTo(ExitCodes.USAGE);

        MainTest.Result badFormat = MainTest.run("export", dir.toString(), "--format", "xml");
        assertThat(badFormat.exitCode()).isEqualTo(ExitCodes.USAGE);
    }
}
