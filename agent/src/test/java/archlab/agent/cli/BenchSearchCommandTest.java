package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.search.nb201.SyntheticTable;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code archlab bench-search} on a synthetic NAS-Bench-201 table (the real one is in docs/benchmarks.md). */
class BenchSearchCommandTest {
    @TempDir
    Path dir;

    private Path table() throws IOException {
        return SyntheticTable.write(dir.resolve("synthetic.csv"), 11);
    }

    private static final List<String> FIELDS = List.of("mean_best", "median_best", "std_best", "hit_rate",
            "mean_evaluations_to_optimum", "median_evaluations_to_optimum", "kendall_tau", "spearman_rho", "seeds",
            "budget", "cpu_seconds");

    @Test
    void jsonHasEveryStrategyWithItsFieldsAndThePlotIsWritten() throws IOException {
        Path png = dir.resolve("plots/bench.png");
        MainTest.Result r = MainTest.run("bench-search", "--space", "nb201", "--table", table().toString(), "--budget",
                "25", "--seeds", "3", "--strategies", "mcts,rea,random,pool,greedy", "--json", "--plot", png.toString(),
                "--threads", "2", "--set", "proposals=64");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = MainTest.JSON.readTree(r.out());
        assertThat(json.fieldNames()).toIterable().containsExactly("mcts", "rea", "random", "pool", "greedy");
        for (JsonNode s : json) {
            assertThat(s.fieldNames()).toIterable().containsExactlyElementsOf(FIELDS);
            assertThat(s.get("seeds").asInt()).isEqualTo(3);
            assertThat(s.get("budget").asInt()).isEqualTo(25);
            assertThat(s.get("hit_rate").asDouble()).isBetween(0.0, 1.0);
            assertThat(s.get("mean_best").asDouble()).isBetween(70.0, 100.0);
        }
        assertThat(json.get("mcts").get("kendall_tau").isNumber()).isTrue();
        assertThat(json.get("rea").get("kendall_tau").isNull()).isTrue();
        assertThat(r.err()).contains("bench-search:", "15/15 runs", "wrote " + png);
        assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(960);
    }

    @Test
    void aFixedSeedGivesIdenticalOutputForAnyNumberOfThreads() throws IOException {
        String t = table().toString();
        String[] args = {"bench-search", "--table", t, "--budget", "20", "--seeds", "3", "--strategies",
            "mcts,rea,random,pool", "--json", "--set", "proposals=48"};
        MainTest.Result one = MainTest.run(concat(args, "--threads", "1"));
        MainTest.Result two = MainTest.run(concat(args, "--threads", "2"));
        MainTest.Result again = MainTest.run(concat(args, "--threads", "2"));
        assertThat(one.exitCode()).as(one.err()).isZero();
        assertThat(withoutTimes(two.out())).isEqualTo(withoutTimes(one.out()));
        assertThat(withoutTimes(again.out())).isEqualTo(withoutTimes(one.out()));
    }

    @Test
    void aMonotoneTransformOfTheTableChangesNoDecision() throws IOException {
        String t = table().toString();
        String[] args = {"bench-search", "--table", t, "--budget", "30", "--seeds", "3", "--strategies", "mcts,rea",
            "--json", "--set", "proposals=48"};
        MainTest.Result plain = MainTest.run(args);
        MainTest.Result transformed = MainTest.run(concat(args, "--perturb", "monotone"));
        assertThat(transformed.exitCode()).as(transformed.err()).isZero();
        JsonNode a = MainTest.JSON.readTree(plain.out());
        JsonNode b = MainTest.JSON.readTree(transformed.out());
        for (String strategy : List.of("mcts", "rea")) {
            for (String field : List.of("hit_rate", "mean_evaluations_to_optimum", "kendall_tau", "spearman_rho")) {
                assertThat(b.get(strategy).get(field)).as(strategy + " " + field).isEqualTo(a.get(strategy).get(field));
            }
            // the accuracies themselves are transformed: exp(a / 10)
            assertThat(b.get(strategy).get("mean_best").asDouble()).isGreaterThan(a.get(strategy).get("mean_best").asDouble());
        }
    }

    @Test
    void theTextTableNamesTheColumns() throws IOException {
        MainTest.Result r = MainTest.run("bench-search", "--table", table().toString(), "--budget", "10", "--seeds",
                "2", "--strategies", "random,rea");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("STRATEGY", "MEAN BEST", "MEDIAN", "HIT", "E2O MEAN", "random", "rea",
                "15625 architectures");
    }

    @Test
    void badInputIsNamedWithExitCode1() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.csv"), "arch,test_acc\n|x|,1\n");
        MainTest.Result r = MainTest.run("bench-search", "--table", bad.toString(), "--seeds", "1");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("not a NAS-Bench-201 cell");
        MainTest.Result missing = MainTest.run("bench-search", "--table", dir.resolve("none.csv").toString());
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(missing.err()).contains("no such file");
        MainTest.Result strategy = MainTest.run("bench-search", "--table", table().toString(), "--strategies", "mcts,sa");
        assertThat(strategy.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(strategy.err()).contains("unknown strategy 'sa'");
        MainTest.Result setting = MainTest.run("bench-search", "--table", table().toString(), "--set", "kappa=-1");
        assertThat(setting.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(setting.err()).contains("kappa");
        MainTest.Result space = MainTest.run("bench-search", "--table", table().toString(), "--space", "nb101");
        assertThat(space.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(space.err()).contains("unknown search space 'nb101'");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The JSON without CPU times, the only thing that may differ between two runs. */
    private static String withoutTimes(String json) throws IOException {
        ObjectNode root = (ObjectNode) MainTest.JSON.readTree(json);
        root.forEach(s -> ((ObjectNode) s).remove("cpu_seconds"));
        return root.toString();
    }
}
