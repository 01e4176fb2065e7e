package archlab.agent.cli;

import archlab.agent.campaign.LlmCost;
import archlab.agent.campaign.ResearchRecord;
import archlab.agent.campaign.Standings;
import archlab.agent.research.JudgeScore;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentHandles;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.Note;
import archlab.knowledge.store.StageScores;
import archlab.knowledge.store.Store;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.DefinitionException;
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

/** {@code archlab show RUN EXP [--json]}: one experiment in full. */
@Command(
        name = "show",
        description = "Show one experiment: hypothesis, definition, diff against its parent, metrics per stage and"
                + " seed, analysis and cost.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:shown", "1:RUN holds no store, or no experiment EXP", "2:usage error"})
final class ShowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "A run folder, or a JDBC URL of a shared store.")
    String run;

    @Parameters(index = "1", paramLabel = "EXP", description = "The experiment: its id, its full name or its short name (e7).")
    String experiment;

    @Option(names = "--campaign", paramLabel = "NAME", description = "The campaign, when the store holds several.")
    String campaign;

    @Option(names = "--json", description = "Print one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        try (Store store = RunStores.open(run, true)) {
            Campaign c = RunStores.campaign(store, run, campaign);
            Experiment e = store.experiments().find(experiment).filter(x -> x.campaignId().equals(c.id()))
                    .orElseGet(() -> {
                        List<Experiment> all = store.experiments().list(ExperimentQuery.campaign(c.id()));
                        return ExperimentHandles.resolve(experiment, all, Experiment::id, Experiment::name)
                                .orElseThrow(() -> new InvalidInputException(run + ": "
                                        + ExperimentHandles.notFound(experiment, c.name(), all, Experiment::name)));
                    });
            Experiment parent = e.parentId() == null ? null : store.experiments().find(e.parentId()).orElse(null);
            String diff = diff(parent, e);
            List<Evaluation> evals = store.evaluations().forExperiment(e.id());
            if (json) {
                ObjectNode o = LeaderboardCommand.row(e);
                o.put("status", e.status().name().toLowerCase(Locale.ROOT));
                o.put("motivation", e.hypothesis().motivation());
                o.put("expected_effect", e.hypothesis().expectedEffect());
                o.put("definition", e.definition());
                o.put("canonical_hash", e.canonicalHash());
                o.put("diff_against_parent", diff);
                o.set("metrics", StatusCommand.parse(e.metrics()));
                ArrayNode ev = o.putArray("evaluations");
                for (Evaluation x : evals) {
                    ObjectNode r = ev.addObject();
                    r.put("stage", x.stage());
                    r.put("seed", x.seed());
                    r.put("status", x.status());
                    r.set("metrics", StatusCommand.parse(x.metrics()));
                }
                o.put("failure_kind", e.failureKind());
                o.put("failure_message", e.failureMessage());
                o.set("analysis", StatusCommand.parse(e.analysis()));
                o.put("wall_s", e.wallSeconds());
                o.put("tokens", e.tokens());
                o.put("money", e.money());
                o.set("extra", Standings.extra(e));
                LlmCost llm = LlmCost.of(store, e);
                ObjectNode l = o.putObject("llm");
                l.put("calls", llm.own().calls());
                l.put("tokens", llm.tokens());
                l.put("cost", llm.cost());
                l.put("shared_cost", llm.sharedCost());
                l.put("shared_over", llm.siblings());
                JudgeScore judge = ResearchRecord.of(e).judge();
                if (judge != null) {
                    o.set("judge", StatusCommand.JSON.valueToTree(judge));
                }
                List<Note> notes = store.notes().forExperiment(e.id());
                ArrayNode tags = o.putArray("tags");
                ArrayNode noted = o.putArray("notes");
                for (Note n : notes) {
                    if (n.kind() == Note.Kind.TAG) {
                        tags.add(n.text());
                    } else {
                        noted.addObject().put("text", n.text())
                                .put("created_at", n.createdAt() == null ? null : n.createdAt().toString());
                    }
                }
                out.println(StatusCommand.JSON.writeValueAsString(o));
            } else {
                out.printf(Locale.ROOT, "experiment %s%s: %s%n", e.id(), e.name() == null ? "" : " (" + e.name() + ")",
                        e.status().name().toLowerCase(Locale.ROOT));
                out.println("parent     " + (e.parentId() == null ? "none (a root)"
                        : parent == null || parent.name() == null ? e.parentId() : parent.name() + " (" + e.parentId() + ")"));
                List<Note> notes = store.notes().forExperiment(e.id());
                List<String> tags = notes.stream().filter(n -> n.kind() == Note.Kind.TAG).map(Note::text).toList();
                if (!tags.isEmpty()) {
                    out.println("tags       " + String.join(", ", tags));
                }
                for (Note n : notes) {
                    if (n.kind() == Note.Kind.NOTE) {
                        section(out, "note", n.text());
                    }
                }
                section(out, "hypothesis", e.hypothesis().title());
                section(out, "motivation", e.hypothesis().motivation());
                section(out, "expected", e.hypothesis().expectedEffect());
                var scores = StageScores.of(e.extra());
                if (!scores.isEmpty()) {
                    String first = "fitness    ";
                    // the latest stage first: that is the one the leaderboard ranks by
                    List<StageScores.Score> byStage = new java.util.ArrayList<>(scores.values());
                    java.util.Collections.reverse(byStage);
                    for (StageScores.Score f : byStage) {
                        out.printf(Locale.ROOT, "%s%s at %s: %s%n", first, StageScores.number(f.combined()), f.stage(),
                                f.againstBaseline());
                        first = "           ";
                    }
                } else if (e.fitness() != null) {
                    out.printf(Locale.ROOT, "fitness    %s at stage %s%n", StageScores.number(e.fitness()), e.stage());
                }
                for (Evaluation x : evals) {
                    out.printf(Locale.ROOT, "  %-8s seed %d  %-7s %s%n", x.stage(), x.seed(), x.status(),
                            metrics(StatusCommand.parse(x.metrics())));
                }
                if (e.failureKind() != null) {
                    out.println("failure    " + e.failureKind() + ": " + e.failureMessage());
                }
                out.printf(Locale.ROOT, "cost       %s params, %s FLOPs/token, %s s training, %s tokens, %s money%n",
                        e.params() == null ? "-" : String.format(Locale.ROOT, "%,d", e.params()),
                        e.flopsPerToken() == null ? "-" : String.format(Locale.ROOT, "%.3g", e.flopsPerToken()),
                        e.wallSeconds() == null ? "-" : String.format(Locale.ROOT, "%.1f", e.wallSeconds()),
                        e.tokens() == null ? "0" : e.tokens().toString(),
                        e.money() == null ? "0" : String.format(Locale.ROOT, "%.4f", e.money()));
                LlmCost llm = LlmCost.of(store, e);
                if (llm.own().calls() + llm.shared().calls() > 0) {
                    out.println("llm        " + llm.describe());
                }
                JudgeScore judge = ResearchRecord.of(e).judge();
                if (judge != null) {
                    out.printf(Locale.ROOT, "judge      novelty %.2f, soundness %.2f, complexity %.2f (a cost): %s%n",
                            judge.novelty(), judge.soundness(), judge.complexity(), judge.rationale());
                }
                if (e.analysis() != null) {
                    out.println("analysis");
                    out.println(analysis(StatusCommand.parse(e.analysis())).indent(4).stripTrailing());
                }
                if (diff != null) {
                    out.println("diff against parent " + (parent.name() == null ? parent.id() : parent.name()));
                    out.println(diff.indent(4).stripTrailing());
                }
                if (e.definition() != null) {
                    out.println("definition");
                    out.println(e.definition().indent(4).stripTrailing());
                }
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** Metrics as people read them: "accuracy 0.9492, loss 0.1860" (numbers by {@link StageScores#number}). */
    static String metrics(JsonNode m) {
        if (m == null || !m.isObject() || m.isEmpty()) {
            return m == null || m.isNull() || m.isEmpty() ? "-" : m.asText();
        }
        List<String> parts = new java.util.ArrayList<>();
        for (var f : m.properties()) {
            JsonNode v = f.getValue();
            parts.add(f.getKey() + " " + (v.isNumber() ? StageScores.number(v.asDouble())
                    : v.isObject() ? "(" + metrics(v) + ")" : v.asText()));
        }
        return String.join(", ", parts);
    }

    /**
     * The analyst's structured analysis field by field ("results: ..."), lists joined by commas; a
     * text analysis (an import) as it is.
     */
    static String analysis(JsonNode a) {
        if (!a.isObject()) {
            return a.asText();
        }
        StringBuilder b = new StringBuilder();
        for (var f : a.properties()) {
            JsonNode v = f.getValue();
            String text = v.isArray() ? String.join(", ", java.util.stream.StreamSupport.stream(v.spliterator(), false)
                    .map(JsonNode::asText).toList()) : v.isValueNode() ? v.asText() : v.toString();
            if (!text.isBlank()) {
                b.append(words(f.getKey())).append(": ").append(text.strip().replace("\n", "\n  ")).append('\n');
            }
        }
        return b.toString();
    }

    /** "expectationVsReality" → "expectation vs reality", "paper_ids" → "paper ids". */
    private static String words(String key) {
        return key.replaceAll("([a-z])([A-Z])", "$1 $2").replace('_', ' ').toLowerCase(Locale.ROOT);
    }

    private static void section(PrintWriter out, String label, String text) {
        if (text != null && !text.isBlank()) {
            out.printf(Locale.ROOT, "%-10s %s%n", label, text.replace("\n", "\n           "));
        }
    }

    /** The structural diff, or null when either side is missing or not a definition of ours. */
    private static String diff(Experiment parent, Experiment e) {
        if (parent == null || !parent.trainable() || !e.trainable()) {
            return null;
        }
        try {
            var d = ModelDefinition.diff(ModelDefinition.parse(parent.definition(), parent.id() + ".arch"),
                    ModelDefinition.parse(e.definition(), e.id() + ".arch"));
            return d.isEmpty() ? "no structural difference" : d.render();
        } catch (DefinitionException ex) {
            return null;
        }
    }
}
