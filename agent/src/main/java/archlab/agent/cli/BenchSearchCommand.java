package archlab.agent.cli;

import archlab.agent.search.BenchmarkPlot;
import archlab.agent.search.SearchBenchmark;
import archlab.agent.search.SearchSettings;
import archlab.agent.search.SearchStrategies;
import archlab.agent.search.nb201.Nb201Cell;
import archlab.agent.search.nb201.Nb201Space;
import archlab.evaluators.tabular.TableException;
import archlab.evaluators.tabular.TabularEvaluator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code archlab bench-search --space nb201 --table FILE --budget N --seeds K --strategies mcts,rea,random,pool
 * [--json] [--plot FILE.png] [--threads T] [--set NAME=VALUE] [--perturb KIND]}: search strategies on a
 * tabular benchmark. See docs/search.md and docs/benchmarks.md.
 */
@Command(
        name = "bench-search",
        description = {
            "Benchmark search strategies on a tabular benchmark: each strategy runs with seeds 0..K-1 for N"
                + " evaluations, looking accuracies up in the table instead of training. Prints, per strategy,"
                + " the mean and median best accuracy at the budget, the share of seeds that found the table's"
                + " optimum (hit rate), and the evaluations it took them; --plot writes mean best-so-far against"
                + " evaluations with 25th-75th percentile bands.",
            "Progress goes to stderr. Output is the same for any --threads.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:benchmarked",
            "1:the table is missing or malformed, or a setting is out of range",
            "2:usage error",
        })
final class BenchSearchCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The ways --perturb changes the table, to check that nothing is tuned to it. */
    enum Perturbation { none, monotone, shuffle_ops }

    @Spec
    CommandSpec spec;

    @Option(names = "--space", defaultValue = "nb201", paramLabel = "SPACE",
            description = "The search space; nb201 (NAS-Bench-201 cells) is the one there is. Default: ${DEFAULT-VALUE}.")
    String space;

    @Option(names = "--table", required = true, paramLabel = "FILE",
            description = "The table: a CSV file with the header arch,test_acc.")
    Path table;

    @Option(names = "--budget", defaultValue = "100", paramLabel = "N",
            description = "Evaluations per run. Default: ${DEFAULT-VALUE}.")
    int budget;

    @Option(names = "--seeds", defaultValue = "200", paramLabel = "K",
            description = "Runs per strategy, with seeds 0..K-1. Default: ${DEFAULT-VALUE}.")
    int seeds;

    @Option(names = "--strategies", defaultValue = "mcts,rea,random,pool", split = ",", paramLabel = "LIST",
            description = "Comma-separated strategies, of: mcts, rea, random, pool, greedy. Default: ${DEFAULT-VALUE}.")
    List<String> strategies;

    @Option(names = "--json", description = "Print {strategy: {mean_best, median_best, hit_rate, ...}} on stdout.")
    boolean json;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Write the best-so-far plot to this PNG file.")
    Path plot;

    @Option(names = "--threads", paramLabel = "T",
            description = "Runs in parallel. Default: the number of processors.")
    Integer threads;

    @Option(names = "--set", paramLabel = "NAME=VALUE",
            description = "Change a search constant (repeatable), e.g. --set kappa=0.5; names in docs/search.md.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--perturb", defaultValue = "none", paramLabel = "KIND",
            description = "Change the table before searching, to check that nothing is tuned to it: none;"
                + " monotone (accuracy a becomes exp(a/10)); shuffle_ops (every operation name stands for"
                + " another one's column). Default: ${DEFAULT-VALUE}.")
    Perturbation perturb;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!space.equals("nb201")) {
            throw new InvalidInputException("unknown search space '" + space + "'; the one there is: nb201");
        }
        if (budget < 1 || seeds < 1 || threads != null && threads < 1) {
            throw new InvalidInputException("--budget, --seeds and --threads must be at least 1");
        }
        List<String> names = new ArrayList<>();
        for (String s : strategies) {
            String n = s.strip().toLowerCase(Locale.ROOT);
            if (!SearchStrategies.NAMES.contains(n)) {
                throw new InvalidInputException("unknown strategy '" + s + "'; expected some of "
                        + String.join(", ", SearchStrategies.NAMES));
            }
            names.add(n);
        }
        SearchSettings base;
        try {
            SearchSettings.Builder b = SearchSettings.builder();
            settings.forEach(b::set);
            base = b.build();
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
        TabularEvaluator evaluator;
        try {
            evaluator = perturbed(TabularEvaluator.read(table));
            for (String arch : evaluator.rows().keySet()) {
                Nb201Cell.parse(arch);
            }
        } catch (TableException | IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        SearchBenchmark.Config config = new SearchBenchmark.Config(names, budget, seeds, t, base);
        Nb201Space nb201 = new Nb201Space();
        TabularEvaluator table = evaluator;
        long start = System.nanoTime();
        err.printf(Locale.ROOT, "bench-search: %s, %d architectures, optimum %s; %s x %d seeds x %d evaluations on %d"
                + " threads%n", this.table, table.size(), fmt(table.optimum()), String.join(",", names), seeds, budget, t);
        err.flush();
        Map<String, SearchBenchmark.Summary> results = SearchBenchmark.run(() -> nb201,
                cell -> table.accuracy(cell.arch()), table.optimum(), config, new ProgressLine(err, start));
        double wall = (System.nanoTime() - start) / 1e9;
        err.printf(Locale.ROOT, "%nbench-search: done in %.1f s%n", wall);
        err.flush();
        if (plot != null) {
            Path parent = plot.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            BenchmarkPlot.write(results, table.optimum(), String.format(Locale.ROOT,
                    "%s on %s: best so far over %d seeds", String.join(", ", names), this.table.getFileName(), seeds),
                    plot);
            err.println("bench-search: wrote " + plot);
            err.flush();
        }
        if (json) {
            out.println(JSON.writeValueAsString(toJson(results)));
        } else {
            text(out, results, table, wall);
        }
        out.flush();
        return ExitCodes.OK;
    }

    private TabularEvaluator perturbed(TabularEvaluator t) {
        if (perturb == Perturbation.none) {
            return t;
        }
        Map<String, Double> rows = new LinkedHashMap<>();
        // a derangement: each operation's name now labels another operation's column
        int[] rename = {3, 4, 0, 1, 2};
        for (Map.Entry<String, Double> e : t.rows().entrySet()) {
            switch (perturb) {
                case monotone -> rows.put(e.getKey(), Math.exp(e.getValue() / 10));
                case shuffle_ops -> {
                    Nb201Cell c = Nb201Cell.parse(e.getKey());
                    int[] ops = new int[Nb201Cell.EDGES];
                    for (int i = 0; i < ops.length; i++) {
                        ops[i] = rename[c.op(i)];
                    }
                    rows.put(Nb201Cell.of(ops).arch(), e.getValue());
                }
                default -> throw new IllegalStateException(perturb.name());
            }
        }
        return TabularEvaluator.of(t.source() + " (" + perturb + ")", rows);
    }

    static ObjectNode toJson(Map<String, SearchBenchmark.Summary> results) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        results.forEach((name, s) -> {
            ObjectNode o = root.putObject(name);
            o.put("mean_best", s.meanBest());
            o.put("median_best", s.medianBest());
            o.put("std_best", s.stdBest());
            o.put("hit_rate", s.hitRate());
            number(o, "mean_evaluations_to_optimum", s.meanEvaluationsToOptimum());
            number(o, "median_evaluations_to_optimum", s.medianEvaluationsToOptimum());
            number(o, "kendall_tau", s.kendallTau());
            number(o, "spearman_rho", s.spearmanRho());
            o.put("seeds", s.seeds());
            o.put("budget", s.budget());
            o.put("cpu_seconds", Math.round(s.seconds() * 10) / 10.0);
        });
        return root;
    }

    private static void number(ObjectNode o, String field, double v) {
        if (Double.isNaN(v)) {
            o.putNull(field);
        } else {
            o.put(field, v);
        }
    }

    private void text(PrintWriter out, Map<String, SearchBenchmark.Summary> results, TabularEvaluator t, double wall) {
        out.printf(Locale.ROOT, "%s: %d architectures, optimum %s, mean %s; %d seeds x %d evaluations%n", table,
                t.size(), fmt(t.optimum()), fmt(t.mean()), seeds, budget);
        out.printf(Locale.ROOT, "%-8s %10s %10s %8s %9s %9s %7s %7s %8s%n", "STRATEGY", "MEAN BEST", "MEDIAN", "HIT",
                "E2O MEAN", "E2O MED", "TAU", "RHO", "CPU S");
        for (SearchBenchmark.Summary s : results.values()) {
            out.printf(Locale.ROOT, "%-8s %10s %10s %8.3f %9s %9s %7s %7s %8.1f%n", s.strategy(), fmt(s.meanBest()),
                    fmt(s.medianBest()), s.hitRate(), fmt1(s.meanEvaluationsToOptimum()),
                    fmt1(s.medianEvaluationsToOptimum()), fmt2(s.kendallTau()), fmt2(s.spearmanRho()), s.seconds());
        }
        out.printf(Locale.ROOT, "HIT: share of seeds that found the optimum; E2O: evaluations they needed; TAU, RHO:"
                + " the value model's prequential rank correlation. Wall time %.1f s.%n", wall);
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String fmt1(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String fmt2(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }

    /** A progress line on stderr, rewritten in place, at most a few times a second. */
    private static final class ProgressLine implements SearchBenchmark.Progress {
        private final PrintWriter err;
        private final long start;
        private long lastPrint;

        ProgressLine(PrintWriter err, long start) {
            this.err = err;
            this.start = start;
        }

        @Override
        public synchronized void runFinished(int done, int total, SearchBenchmark.Run run) {
            long now = System.nanoTime();
            if (done < total && now - lastPrint < 250_000_000L) {
                return;
            }
            lastPrint = now;
            double elapsed = (now - start) / 1e9;
            double eta = elapsed / done * (total - done);
            err.printf(Locale.ROOT, "\rbench-search: %d/%d runs, %.0f s elapsed, about %.0f s left (%s seed %d: best %s)  ",
                    done, total, elapsed, eta, run.strategy(), run.seed(), fmt(run.best()));
            err.flush();
        }
    }
}
