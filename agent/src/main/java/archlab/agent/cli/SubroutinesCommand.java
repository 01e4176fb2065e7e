package archlab.agent.cli;

import archlab.knowledge.mining.MinedSubroutine;
import archlab.knowledge.mining.SubroutineMiner;
import archlab.knowledge.mining.SubroutineStore;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Store;
import archlab.knowledge.store.Subroutine;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
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

/**
 * {@code archlab subroutines RUN [--json] [--campaign NAME] [--mine] [--source]}: the mined subroutines of a
 * run's campaign, with support and fitness numbers. See docs/memory.md.
 */
@Command(
        name = "subroutines",
        description = {
            "List the mined subroutines of a run folder's store: frequent subgraphs of the best experiments,"
                + " written as blocks of the language, with their support (how many experiments contain them),"
                + " the mean fitness with and without them, and how often later proposals used them.",
            "RUN may also be a JDBC URL of a shared store. --mine mines the campaign's finished experiments first.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:listed",
            "1:RUN holds no store, or no campaign has that name, or --mine without one campaign",
            "2:usage error",
        })
final class SubroutinesCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "A run folder (holding archlab.mv.db), or a JDBC URL.")
    String run;

    @Option(names = "--json", description = "Print a JSON array of subroutines on stdout.")
    boolean json;

    @Option(names = "--campaign", paramLabel = "NAME",
            description = "Only this campaign (its name or id); default: the store's only campaign, or every campaign.")
    String campaign;

    @Option(names = "--mine", description = "Mine the campaign's finished experiments and store the result first.")
    boolean mine;

    @Option(names = "--source", description = "Also print each block's source (text output).")
    boolean source;

    @Override
    public Integer call() throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Store store = RunStores.open(run, true)) {
            String campaignId = campaignId(store);
            if (mine) {
                if (campaignId == null) {
                    throw new InvalidInputException(run + ": --mine needs one campaign; name it with --campaign");
                }
                SubroutineMiner.Result r = new SubroutineMiner().mineAndStore(store, campaignId);
                SubroutineMiner.Stats s = r.stats();
                err.printf(Locale.ROOT, "mined %d experiments (%d best, %d failed; min support %d) in %d ms: %d "
                        + "subroutines%n", s.graphs(), s.best(), s.failures(), s.minSupport(), s.millis(),
                        r.subroutines().size());
                err.flush();
            }
            List<Subroutine> rows = store.subroutines().list(campaignId);
            if (json) {
                ArrayNode array = JsonNodeFactory.instance.arrayNode();
                rows.forEach(row -> array.add(toJson(row)));
                out.println(JSON.writeValueAsString(array));
            } else {
                text(out, rows, campaignId);
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** The campaign named, else the store's only one, else null (every campaign). */
    private String campaignId(Store store) {
        if (campaign != null) {
            return store.campaigns().find(campaign).or(() -> store.campaigns().findByName(campaign))
                    .map(Campaign::id)
                    .orElseThrow(() -> new InvalidInputException(run + ": no campaign named " + campaign));
        }
        List<Campaign> all = store.campaigns().list();
        return all.size() == 1 ? all.get(0).id() : null;
    }

    private void text(PrintWriter out, List<Subroutine> rows, String campaignId) {
        out.println(rows.size() + " mined subroutine" + (rows.size() == 1 ? "" : "s")
                + (campaignId == null ? "" : " in campaign " + campaignId));
        if (rows.isEmpty()) {
            out.println("(none yet: archlab subroutines RUN --mine mines the finished experiments)");
            return;
        }
        out.printf(Locale.ROOT, "%-18s %3s %3s %8s %6s %8s %8s %8s %5s%n", "NAME", "OPS", "IN", "SUPPORT", "SHARE",
                "WITH", "WITHOUT", "FAILED", "USES");
        for (Subroutine row : rows) {
            MinedSubroutine m = SubroutineStore.fromRow(row);
            out.printf(Locale.ROOT, "%-18s %3s %3s %8d %6s %8s %8s %8s %5d%n", row.name(),
                    m == null ? "?" : Integer.toString(m.ops()), m == null ? "?" : Integer.toString(m.arity()),
                    row.support(), m == null ? "?" : String.format(Locale.ROOT, "%.0f%%", 100 * m.supportFraction()),
                    fmt(row.meanFitnessWith()), fmt(row.meanFitnessWithout()),
                    m == null ? "?" : Integer.toString(m.failureSupport()), row.uses());
            if (source) {
                out.println(row.definition().stripTrailing().indent(4));
            }
        }
    }

    private static String fmt(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static ObjectNode toJson(Subroutine row) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        MinedSubroutine m = SubroutineStore.fromRow(row);
        o.put("id", row.id());
        o.put("campaign", row.campaignId());
        o.put("name", row.name());
        o.put("code", m == null ? null : m.code());
        if (m != null) {
            o.put("ops", m.ops());
            o.put("arity", m.arity());
        }
        o.put("support", row.support());
        if (m != null) {
            o.put("support_fraction", m.supportFraction());
            o.put("best_support", m.bestSupport());
            o.put("failure_support", m.failureSupport());
        }
        o.put("mean_fitness_with", row.meanFitnessWith());
        o.put("mean_fitness_without", row.meanFitnessWithout());
        if (m != null) {
            o.put("contrast_failures", m.contrastFailures());
            o.put("score", m.score());
            m.exampleExperimentIds().forEach(o.putArray("examples")::add);
        }
        o.put("uses", row.uses());
        o.put("definition", row.definition());
        return o;
    }
}
