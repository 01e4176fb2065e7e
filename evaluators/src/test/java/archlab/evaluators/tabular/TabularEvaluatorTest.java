package archlab.evaluators.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TabularEvaluatorTest {
    @TempDir
    Path dir;

    private static TabularEvaluator read(String csv) throws IOException {
        return TabularEvaluator.read(new StringReader(csv), "t.csv");
    }

    @Test
    void looksAccuraciesUp() throws IOException {
        TabularEvaluator t = read("arch,test_acc\n|a~0|,91.5\n|b~0|,93.25\n\n");
        assertThat(t.size()).isEqualTo(2);
        assertThat(t.accuracy("|b~0|")).isEqualTo(93.25);
        assertThat(t.optimum()).isEqualTo(93.25);
        assertThat(t.mean()).isEqualTo(92.375);
        assertThat(t.find("|c~0|")).isEmpty();
        assertThat(t.rows().keySet()).containsExactly("|a~0|", "|b~0|");
    }

    @Test
    void anUnknownArchitectureIsAnErrorNamingTheTable() throws IOException {
        TabularEvaluator t = read("arch,test_acc\nx,1\n");
        assertThatThrownBy(() -> t.accuracy("y")).isInstanceOf(TableException.class)
                .hasMessage("architecture not in t.csv: y");
    }

    @Test
    void malformedFilesAreErrorsNamingTheLine() {
        assertThatThrownBy(() -> read("arch,acc\nx,1\n")).hasMessage("t.csv:1: expected the header arch,test_acc, found arch,acc");
        assertThatThrownBy(() -> read("")).hasMessageContaining("the file is empty");
        assertThatThrownBy(() -> read("arch,test_acc\n")).hasMessageContaining("no rows");
        assertThatThrownBy(() -> read("arch,test_acc\nx,1\ny,2,3\n")).hasMessage("t.csv:3: expected 2 fields (arch,test_acc), found 3");
        assertThatThrownBy(() -> read("arch,test_acc\nx,1\ny,high\n")).hasMessage("t.csv:3: test_acc is not a number: 'high'");
        assertThatThrownBy(() -> read("arch,test_acc\nx,NaN\n")).hasMessage("t.csv:2: test_acc is not finite: NaN");
        assertThatThrownBy(() -> read("arch,test_acc\n,1\n")).hasMessage("t.csv:2: the architecture is empty");
        assertThatThrownBy(() -> read("arch,test_acc\nx,1\n\nx,2\n")).hasMessage("t.csv:4: architecture listed twice: x");
        assertThatThrownBy(() -> TabularEvaluator.read(dir.resolve("missing.csv"))).isInstanceOf(TableException.class)
                .hasMessageEndingWith("missing.csv: no such file");
    }

    @Test
    void tablesInMemoryAreCheckedToo() {
        assertThat(TabularEvaluator.of("m", Map.of("x", 2.0)).optimum()).isEqualTo(2.0);
        assertThatThrownBy(() -> TabularEvaluator.of("m", Map.of())).hasMessageContaining("no rows");
        assertThatThrownBy(() -> TabularEvaluator.of("m", Map.of("x", Double.NaN))).hasMessageContaining("bad row");
    }

    @Test
    void readsTheSharedNasBench201Table() {
        Path file = sharedData().resolve("nb201/cifar10.csv");
        Assumptions.assumeTrue(Files.isRegularFile(file), "skipped: the shared data (" + file + ") is absent");
        TabularEvaluator t = TabularEvaluator.read(file);
        assertThat(t.size()).isEqualTo(15_625);
        assertThat(t.optimum()).isEqualTo(94.3733);
        assertThat(t.mean()).isBetween(87.0, 87.1);
    }

    /** ARCHLAB_SHARED_DATA (property or environment), else ../shared/data from the module's repository root. */
    static Path sharedData() {
        String configured = System.getProperty("ARCHLAB_SHARED_DATA", System.getenv("ARCHLAB_SHARED_DATA"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (Path p : new Path[] {Path.of("../../shared/data"), Path.of("../shared/data"), Path.of("/work/shared/data")}) {
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return Path.of("../../shared/data");
    }
}
