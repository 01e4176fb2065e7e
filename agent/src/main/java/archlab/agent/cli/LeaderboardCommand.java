package archlab.agent.cli;

import archlab.agent.campaign.Standings;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.Store;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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
        description = "List a campaign's best designs: those that reached a later fidelity stage first, then by fitness.",
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
                out.printf(Locale.ROOT, "%-4s %-22s %-28s %-8s %8s %9s %10s  %s%n", "#", "ID", "NAME", "STAGE", "FITNESS",
                        "METRIC", "PARAMS", "HYPOTHESIS");
                int i = 0;
                for (Experiment e : rows) {
                    JsonNode f = Standings.extra(e).path("fitness").path(e.stage());
                    out.printf(Locale.ROOT, "%-4d %-22s %-28s %-8s %8.4f %9s %10s  %s%n", ++i, e.id(),
                            clip(e.name(), 28), e.stage(), e.fitness(),
                            f.has("value") ? String.format(Locale.ROOT, "%.4f", f.get("value").asDouble()) : "-",
                            e.params() == null ? "-" : String.format(Locale.ROOT, "%,d", e.params()),
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

    private static String clip(String s, int n) {
        if (s == null) {
            return "-";
        }
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
