package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.sandbox.task.Tasks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the commands say about themselves and about bad input, before any work is done. */
class CommandMessagesTest {
    @TempDir
    Path dir;

    @Test
    void helpWalksNestedCommands() {
        MainTest.Result search = MainTest.run("help", "kb", "search");
        assertThat(search.exitCode()).isZero();
        assertThat(search.out()).startsWith("Usage: archlab kb search");
        MainTest.Result unknown = MainTest.run("help", "kb", "nope");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("archlab kb has no command 'nope'; its commands: search");
    }

    @Test
    void theTrainHelpGivesTheStepsTheCodeUses() {
        int mqar = Tasks.create("mqar", Map.of()).defaultSteps();
        String help = MainTest.run("help", "train").out().replaceAll("\\s+", " ");
        assertThat(help).contains("mqar " + mqar);
    }

    @Test
    void aBaselineThatDoesNotCheckLeavesNoRunFolderAndIsNamed() throws IOException {
        Path broken = dir.resolve("broken-baseline.arch");
        Files.writeString(broken, MainTest.BROKEN);
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, """
                name: broken
                task: {name: mqar, options: {vocab: 16, seq_len: 24, pairs: 3}}
                baseline: %s
                budget: {experiments: 2}
                stages:
                  - {name: explore, steps: 10}
                output: %s
                """.formatted(broken, dir.resolve("runs")));
        MainTest.Result r = MainTest.run("run", file.toString(), "--no-progress");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("the baseline " + broken + " does not check", broken + ":");
        assertThat(dir.resolve("runs")).doesNotExist();
    }

    @Test
    void anOversizedDefinitionIsRefusedBeforeItIsParsed() throws IOException {
        Path big = dir.resolve("big.arch");
        // 50 MB of a definition that would be slow to parse: refused from its size, at once
        StringBuilder line = new StringBuilder("x = ");
        line.append("a + ".repeat(250)).append("a\n");
        String chunk = line.toString().repeat(50);
        try (var out = Files.newBufferedWriter(big)) {
            for (long written = 0; written < 50L << 20; written += chunk.length()) {
                out.write(chunk);
            }
        }
        long start = System.nanoTime();
        MainTest.Result r = MainTest.run("check", big.toString());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains(big + ": 52,4", "bytes; a definition file may have at most 1,048,576 (1 MiB)");
        assertThat(millis).isLessThan(5_000);
    }
}
