package archlab.agent.cli;

import archlab.agent.campaign.Standings;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.StageScores;
import archlab.knowledge.store.Store;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code archlab leaderboard RUN [--top N] [--json]}: the best designs, later stages first. */
@Command(
        name = "leaderboard",
        description = "List a campaign's best designs: those that reached a later fidelity stage first, then by fitness"
                + " at that stage, each against the baseline at the same stage.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:listed", "1:RUN holds no store or no campaign", "2:usage error"})
final class LeaderboardCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "A run folder, or a JDBC URL of a shared store.")
    String run;

    @Option(names = "--campaign", paramLabel = "NAME", description = "The campaign, when the store holds several.")
    String campaign;

    @Option(names = "--top", paramLabel = "N", defaultValue = "10", description = "How many (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--json", description = "Print a JSON array on stdout.")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        if (top < 1) {
            throw new InvalidInputException("--top must be at least 1, was " + top);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Store store = RunStores.open(run, true)) {
            Campaign c = RunStores.campaign(store, run, campaign);
            Standings s = Standings.read(store, c.id());
            List<Experiment> rows = s.ranked().subList(0, Math.min(top, s.ranked().size()));
            if (json) {
                ArrayNode a = StatusCommand.JSON.createArrayNode();
                rows.forEach(e -> a.add(row(e)));
                out.println(StatusCommand.JSON.writeValueAsString(a));
            } else {
                out.println("# " + StageScores.RULE);
                int width = Math.max(4, rows.stream().mapToInt(e -> label(e).length()).max().orElse(4));
                String format = "%-4s %-" + width + "s %-8s %8s %10s %10s %9s %10s  %-22s %s%n";
                out.printf(Locale.ROOT, format, "#", "NAME", "STAGE", "FITNESS", "METRIC", "BASELINE", "VS BASE",
                        "PARAMS", "ID", "HYPOTHESIS");
                int i = 0;
                String stage = null;
                for (Experiment e : rows) {
                    if (!java.util.Objects.equals(stage, e.stage())) {
                        stage = e.stage();
                        out.println("-- at " + stage + (stage != null && stage.equals(s.stages().get(0))
                                && s.stages().size() > 1 ? " only (not promoted to a later stage)" : ""));
                    }
                    StageScores.Score f = StageScores.of(e.extra()).get(e.stage());
                    out.printf(Locale.ROOT, format, ++i, label(e), e.stage(), StageScores.number(e.fitness()),
                            f == null ? "-" : StageScores.number(f.value()),
                            f == null ? "-" : StageScores.number(f.baseline()),
                            f == null || f.relative() == null ? "-"
                                    : String.format(Locale.ROOT, "%+.1f %%", 100 * f.relative()),
                            e.params() == null ? "-" : String.format(Locale.ROOT, "%,d", e.params()), e.id(),
                            clip(e.hypothesis().title(), 60));
                }
                if (rows.isEmpty()) {
                    out.println("(no finished design yet)");
                }
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    static ObjectNode row(Experiment e) {
        ObjectNode o = StatusCommand.JSON.createObjectNode();
        o.put("id", e.id());
        o.put("name", e.name());
        o.put("parent", e.parentId());
        o.put("stage", e.stage());
        o.put("fitness", e.fitness());
        o.set("fitness_parts", Standings.extra(e).path("fitness").path(e.stage()));
        o.put("params", e.params());
        o.put("flops_per_token", e.flopsPerToken());
        o.put("title", e.hypothesis().title());
        return o;
    }

    /** The name people paste back (whole, never cut), else the id. */
    static String label(Experiment e) {
        return e.name() == null || e.name().isBlank() ? e.id() : e.name();
    }

    private static String clip(String s, int n) {
        if (s == null) {
            return "-";
        }
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
