package archlab.agent.cli;

import archlab.agent.campaign.Standings;
import archlab.knowledge.store.BudgetUse;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.StageScores;
import archlab.knowledge.store.Store;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
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

/** {@code archlab status RUN [--json]}: state, spend, counts by status and the best so far. */
@Command(
        name = "status",
        description = "Show a campaign's state: status, budget and spend, experiments by status, the best so far.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:shown", "1:RUN holds no store or no campaign", "2:usage error"})
final class StatusCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "A run folder, or a JDBC URL of a shared store.")
    String run;

    @Option(names = "--campaign", paramLabel = "NAME", description = "The campaign, when the store holds several.")
    String campaign;

    @Option(names = "--json", description = "Print one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        try (Store store = RunStores.open(run, true)) {
            Campaign c = RunStores.campaign(store, run, campaign);
            Standings s = Standings.read(store, c.id());
            Utilisation u = utilisation(store, c);
            if (json) {
                ObjectNode o = JSON.createObjectNode();
                o.put("campaign", c.id());
                o.put("name", c.name());
                o.put("status", c.status().name().toLowerCase(Locale.ROOT));
                o.put("policy", c.policy());
                o.set("budgets", parse(c.budgets()));
                o.set("spend", parse(c.spend()));
                ArrayNode over = o.putArray("over_budget");
                BudgetUse.of(c.budgets(), c.spend()).stream().filter(BudgetUse.Line::over).forEach(l -> over.add(l.what()));
                ObjectNode counts = o.putObject("counts");
                for (ExperimentStatus st : ExperimentStatus.values()) {
                    counts.put(st.name().toLowerCase(Locale.ROOT), s.count(st));
                }
                ObjectNode llm = o.putObject("llm");
                llm.put("calls", s.llm().calls());
                llm.put("tokens_in", s.llm().tokensIn());
                llm.put("tokens_out", s.llm().tokensOut());
                llm.put("cost", s.llm().cost());
                s.best().ifPresentOrElse(b -> o.set("best", LeaderboardCommand.row(b)), () -> o.putNull("best"));
                ObjectNode t = o.putObject("time");
                t.put("wall_s", u.wallSeconds());
                t.put("training_s", u.trainingSeconds());
                t.put("workers", u.workers());
                t.put("overhead", u.overhead());
                out.println(JSON.writeValueAsString(o));
            } else {
                out.printf(Locale.ROOT, "campaign %s (%s): %s, policy %s%n", c.name(), c.id(),
                        c.status().name().toLowerCase(Locale.ROOT), c.policy());
                List<BudgetUse.Line> budget = BudgetUse.of(c.budgets(), c.spend());
                for (int i = 0; i < budget.size(); i++) {
                    out.println((i == 0 ? "budget   " : "         ") + budget.get(i).text());
                }
                if (budget.isEmpty()) {
                    out.println("budget   no limits");
                }
                String plan = parse(c.spend()).path("plan").path("text").asText("");
                if (!plan.isEmpty()) {
                    out.println("plan     " + plan);
                }
                StringBuilder counts = new StringBuilder();
                for (ExperimentStatus st : ExperimentStatus.values()) {
                    long n = s.count(st);
                    if (n > 0) {
                        counts.append(counts.length() == 0 ? "" : ", ").append(n).append(' ')
                                .append(st.name().toLowerCase(Locale.ROOT));
                    }
                }
                out.println("experiments " + s.total() + (counts.length() == 0 ? "" : " (" + counts + ")"));
                out.printf(Locale.ROOT, "time     %.0f s wall, %.0f s training in %d worker%s: %.1f %% orchestration overhead%n",
                        u.wallSeconds(), u.trainingSeconds(), u.workers(), u.workers() == 1 ? "" : "s", 100 * u.overhead());
                out.printf(Locale.ROOT, "llm      %d calls, %d tokens in, %d out, cost %.4f%n", s.llm().calls(),
                        s.llm().tokensIn(), s.llm().tokensOut(), s.llm().cost());
                Experiment b = s.best().orElse(null);
                if (b == null) {
                    out.println("best     none yet");
                } else {
                    out.printf(Locale.ROOT, "best     %s (%s) fitness %s at stage %s%n", LeaderboardCommand.label(b),
                            b.id(), StageScores.number(b.fitness()), b.stage());
                    StageScores.Score f = StageScores.of(b.extra()).get(b.stage());
                    if (f != null) {
                        out.println("         " + f.againstBaseline());
                    }
                    out.println("         (" + StageScores.RULE + ")");
                }
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /**
     * How the campaign's wall time was used: the share of worker-seconds not spent in sandbox
     * training (worker start included) is the orchestration overhead, the cost of everything else:
     * search, planning, coding, analysis, store writes, and workers left idle.
     */
    record Utilisation(double wallSeconds, double trainingSeconds, int workers) {
        double overhead() {
            return wallSeconds <= 0 ? 0 : Math.max(0, 1 - trainingSeconds / (workers * wallSeconds));
        }
    }

    static Utilisation utilisation(Store store, Campaign c) {
        double wall = parse(c.spend()).path("wall_s").asDouble(0);
        double training = 0;
        for (Experiment e : store.experiments().list(archlab.knowledge.store.ExperimentQuery.campaign(c.id()))) {
            for (archlab.knowledge.store.Evaluation ev : store.evaluations().forExperiment(e.id())) {
                training += parse(ev.result()).path("wall_s").asDouble(0);
            }
        }
        int workers = 1;
        try {
            workers = Math.max(1, new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(
                    c.config() == null ? "" : c.config()).path("workers").asInt(1));
        } catch (java.io.IOException | RuntimeException ex) {
            // an imported campaign: one worker
        }
        return new Utilisation(wall, training, workers);
    }

    static com.fasterxml.jackson.databind.JsonNode parse(String json) {
        try {
            return json == null ? JSON.createObjectNode() : JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return JSON.getNodeFactory().textNode(json);
        }
    }
}
