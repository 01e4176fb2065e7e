package archlab.agent.console;

import archlab.agent.campaign.CampaignConfig;
import archlab.agent.campaign.Standings;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Directive;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentHandles;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Note;
import archlab.knowledge.store.StageScores;
import archlab.knowledge.store.Store;
import archlab.tools.DefinitionChecker;
import archlab.tools.ExperimentInspector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The console's answers without an LLM: templated from the store, for the questions people ask a
 * running campaign (best so far and why, one experiment, why it failed, two compared, what was tried
 * around an idea, what runs now, the budget, the directives). Read-only; works on running, finished
 * and imported campaigns alike.
 */
final class CampaignAnswers {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_LISTED = 12;
    static final int DIFF_LINES = 16;

    private final Store store;
    private final String campaignId;
    private final CampaignConfig config;

    CampaignAnswers(Store store, String campaignId, CampaignConfig config) {
        this.store = store;
        this.campaignId = campaignId;
        this.config = config;
    }

    /**
     * The experiment a person means: its number ({@code 41}, {@code e41}, {@code #41}), its full name or
     * its id. Unknown handles are a {@link ConsoleException} that says what exists.
     */
    Experiment find(String handle) {
        List<Experiment> all = store.experiments().list(ExperimentQuery.campaign(campaignId));
        return ExperimentHandles.resolve(handle, all, Experiment::id, Experiment::name).orElseThrow(() -> {
            long last = ExperimentHandles.highestNumber(all, Experiment::name);
            return new ConsoleException("no experiment " + handle.strip() + " in this campaign"
                    + (last == 0 ? " (it has none yet)"
                    : "; experiments are numbered e1 to e" + last + " (see /status or /best)"));
        });
    }

    String best() {
        Standings st = Standings.read(store, campaignId);
        Optional<Experiment> best = st.best();
        if (best.isEmpty()) {
            return "Nothing has finished above the baseline yet (" + st.count(ExperimentStatus.DONE) + " done, "
                    + st.count(ExperimentStatus.FAILED) + " failed, " + st.count(ExperimentStatus.PARTIAL) + " partial). /status shows what is running.";
        }
        Experiment e = best.get();
        StringBuilder b = new StringBuilder();
        b.append("Best so far: ").append(label(e)).append(e.stage() == null ? "" : " at " + e.stage())
                .append(String.format(Locale.ROOT, ", fitness %.3f", e.fitness())).append('\n');
        StageScores.Score against = StageScores.of(e.extra()).get(e.stage());
        if (against != null) {
            b.append("  ").append(against.againstBaseline()).append('\n');
        }
        appendHypothesis(b, e);
        JsonNode a = analysis(e);
        if (!a.path("explanation").asText("").isBlank()) {
            b.append("  why: ").append(clip(a.path("explanation").asText(), 400)).append('\n');
        } else if (!a.path("results").asText("").isBlank()) {
            b.append("  results: ").append(clip(a.path("results").asText(), 400)).append('\n');
        }
        b.append("  lineage: ").append(lineage(e)).append('\n');
        if (st.ranked().size() > 1) {
            b.append("  next: ");
            List<String> next = new ArrayList<>();
            for (Experiment r : st.ranked().subList(1, Math.min(4, st.ranked().size()))) {
                next.add(String.format(Locale.ROOT, "%s %.3f at %s", r.name(), r.fitness(), r.stage()));
            }
            b.append(String.join(", ", next)).append('\n');
        }
        return b.toString();
    }

    String show(String handle) {
        Experiment e = find(handle);
        return ExperimentInspector.report(e).render(true) + notesText(e);
    }

    /** "tags: keep, needs-seeds" and the notes, oldest first; empty without any. */
    String notesText(Experiment e) {
        List<Note> notes = store.notes().forExperiment(e.id());
        StringBuilder b = new StringBuilder();
        List<String> tags = notes.stream().filter(n -> n.kind() == Note.Kind.TAG).map(Note::text).toList();
        if (!tags.isEmpty()) {
            b.append("\ntags: ").append(String.join(", ", tags));
        }
        for (Note n : notes) {
            if (n.kind() == Note.Kind.NOTE) {
                b.append("\nnote (").append(n.createdAt() == null ? "" : n.createdAt().toString().substring(0, 16)
                        .replace('T', ' ')).append("): ").append(n.text());
            }
        }
        return b.toString();
    }

    String note(String handle, String text) {
        Experiment e = find(handle);
        String problem = Note.problem(Note.Kind.NOTE, text);
        if (problem != null) {
            throw new ConsoleException(problem);
        }
        store.notes().add(Note.note(e.id(), campaignId, text));
        return "noted on " + label(e) + "; /show " + shortOrId(e) + " shows it";
    }

    String tag(String handle, String tag) {
        Experiment e = find(handle);
        String problem = Note.problem(Note.Kind.TAG, tag);
        if (problem != null) {
            throw new ConsoleException(problem);
        }
        store.notes().add(Note.tag(e.id(), campaignId, tag));
        List<String> tags = store.notes().forExperiment(e.id()).stream().filter(n -> n.kind() == Note.Kind.TAG)
                .map(Note::text).toList();
        return label(e) + " tagged: " + String.join(", ", tags);
    }

    String untag(String handle, String tag) {
        Experiment e = find(handle);
        return store.notes().removeTag(e.id(), tag) ? "removed tag " + tag.strip() + " from " + label(e)
                : label(e) + " has no tag " + tag.strip();
    }

    private static String shortOrId(Experiment e) {
        String s = ExperimentHandles.shortName(e.name());
        return s == null ? e.id() : s;
    }

    String why(String handle) {
        Experiment e = find(handle);
        StringBuilder b = new StringBuilder(label(e)).append(": ").append(e.status().dbValue());
        if (e.stage() != null) {
            b.append(" at ").append(e.stage());
        }
        b.append('\n');
        switch (e.status()) {
            case QUEUED, TRAINING, PROPOSED, CODING -> {
                b.append("  not finished yet; /status shows what runs now\n");
                appendHypothesis(b, e);
                return b.toString();
            }
            case PRUNED -> b.append("  pruned by a directive before it trained (/directives)\n");
            default -> {
            }
        }
        if (e.failureKind() != null) {
            b.append("  failure: ").append(e.failureKind()).append(": ").append(clip(e.failureMessage(), 600)).append('\n');
        }
        StageScores.Score against = StageScores.of(e.extra()).get(e.stage());
        if (against != null) {
            b.append("  ").append(against.againstBaseline()).append('\n');
        }
        Experiment parent = e.parentId() == null ? null : store.experiments().find(e.parentId()).orElse(null);
        JsonNode ps = parent == null ? null : score(parent, e.stage());
        if (against != null && against.value() != null && ps != null) {
            b.append(String.format(Locale.ROOT, "  against its parent %s at %s: %s → %s%n", parent.name(), e.stage(),
                    StageScores.number(ps.path("value").asDouble()), StageScores.number(against.value())));
        }
        appendHypothesis(b, e);
        JsonNode a = analysis(e);
        for (String field : List.of("expectation_vs_reality", "explanation", "insight")) {
            // the analyst writes camelCase keys (expectationVsReality); imports may use snake_case
            String camel = java.util.regex.Pattern.compile("_(.)").matcher(field)
                    .replaceAll(m -> m.group(1).toUpperCase(Locale.ROOT));
            String v = a.path(field).asText(a.path(camel).asText(""));
            if (!v.isBlank()) {
                b.append("  ").append(field.replace('_', ' ')).append(": ").append(clip(v, 500)).append('\n');
            }
        }
        if (a.path("diagnoses").isArray() && !a.path("diagnoses").isEmpty()) {
            List<String> d = new ArrayList<>();
            a.path("diagnoses").forEach(x -> d.add(x.asText()));
            b.append("  diagnoses: ").append(String.join(", ", d)).append('\n');
        }
        if (a.isEmpty() && e.failureKind() == null) {
            b.append("  the analyst has not written about it yet\n");
        }
        return b.toString();
    }

    String compare(String first, String second) {
        Experiment a = find(first);
        Experiment b = find(second);
        StringBuilder out = new StringBuilder();
        // full names above (they paste back), short names as the column heads
        out.append("A  ").append(label(a)).append('\n').append("B  ").append(label(b)).append('\n');
        out.append(String.format(Locale.ROOT, "%-18s %-28s %-28s%n", "", column(a, "A"), column(b, "B")));
        row(out, "status", a.status().dbValue() + (a.stage() == null ? "" : " at " + a.stage()),
                b.status().dbValue() + (b.stage() == null ? "" : " at " + b.stage()));
        row(out, "fitness", number(a.fitness()), number(b.fitness()));
        JsonNode sa = score(a, a.stage());
        JsonNode sb = score(b, b.stage());
        if (sa != null || sb != null) {
            String metric = (sa != null ? sa : sb).path("metric").asText("metric");
            row(out, metric, sa == null ? "-" : number(sa.path("value").asDouble()),
                    sb == null ? "-" : number(sb.path("value").asDouble()));
        }
        row(out, "parameters", a.params() == null ? "-" : String.valueOf(a.params()),
                b.params() == null ? "-" : String.valueOf(b.params()));
        row(out, "FLOPs/token", number(a.flopsPerToken()), number(b.flopsPerToken()));
        row(out, "wall s", number(a.wallSeconds()), number(b.wallSeconds()));
        row(out, "failure", a.failureKind() == null ? "-" : a.failureKind(), b.failureKind() == null ? "-" : b.failureKind());
        if (a.definition() != null && b.definition() != null) {
            try {
                out.append("definition diff (").append(a.name()).append(" → ").append(b.name()).append("):\n");
                String[] lines = new DefinitionChecker().diff(a.definition(), b.definition()).render().strip().split("\n");
                int shown = Math.min(lines.length, DIFF_LINES);
                out.append(indent(String.join("\n", java.util.Arrays.asList(lines).subList(0, shown))));
                if (lines.length > shown) {
                    out.append("  … ").append(lines.length - shown).append(" more lines: /show each, or archlab diff\n");
                }
            } catch (RuntimeException ex) {
                out.append("  (no structural diff: ").append(ex.getMessage()).append(")\n");
            }
        }
        return out.toString();
    }

    /** The experiments whose name, hypothesis, direction or plan mention {@code idea}. */
    String tried(String idea) {
        String needle = idea.strip().toLowerCase(Locale.ROOT);
        if (needle.isEmpty()) {
            throw new ConsoleException("/tried needs an idea, for example /tried decay");
        }
        List<Experiment> hits = new ArrayList<>();
        for (Experiment e : store.experiments().list(ExperimentQuery.campaign(campaignId))) {
            if (topic(e).contains(needle)) {
                hits.add(e);
            }
        }
        if (hits.isEmpty()) {
            return "Nothing tried mentions \"" + idea.strip() + "\" yet. /focus " + idea.strip()
                    + " asks the planner to try it.";
        }
        long done = hits.stream().filter(e -> e.status() == ExperimentStatus.DONE).count();
        long failed = hits.stream().filter(e -> e.status() == ExperimentStatus.FAILED).count();
        StringBuilder b = new StringBuilder();
        b.append(hits.size()).append(" experiment").append(hits.size() == 1 ? "" : "s").append(" mention \"")
                .append(idea.strip()).append("\": ").append(done).append(" done, ").append(failed).append(" failed, ")
                .append(hits.size() - done - failed).append(" other\n");
        hits.sort(Comparator.comparing((Experiment e) -> e.fitness() == null ? Double.NEGATIVE_INFINITY : e.fitness())
                .reversed().thenComparing(Experiment::createdAt, Comparator.nullsLast(Comparator.naturalOrder())));
        for (Experiment e : hits.subList(0, Math.min(MAX_LISTED, hits.size()))) {
            b.append(String.format(Locale.ROOT, "  %-40s %-8s %s%s%n", e.name() == null ? e.id() : e.name(), e.status().dbValue(),
                    e.fitness() == null ? "" : String.format(Locale.ROOT, "fitness %.3f", e.fitness()),
                    e.failureKind() == null ? "" : " " + e.failureKind()));
        }
        if (hits.size() > MAX_LISTED) {
            b.append("  … ").append(hits.size() - MAX_LISTED).append(" more\n");
        }
        return b.toString();
    }

    String status() {
        Standings st = Standings.read(store, campaignId);
        Campaign c = st.campaign();
        JsonNode spend = parse(c.spend());
        StringBuilder b = new StringBuilder();
        b.append("Campaign ").append(c.name()).append(" (").append(c.id()).append("): ").append(c.status().dbValue())
                .append(", ").append(c.policy()).append(" policy\n");
        b.append(String.format(Locale.ROOT, "  %d experiments: %d done, %d failed, %d partial, %d training, %d queued, %d pruned; "
                        + "%.1f min of wall clock%n", st.total(), st.count(ExperimentStatus.DONE),
                st.count(ExperimentStatus.FAILED), st.count(ExperimentStatus.PARTIAL), st.count(ExperimentStatus.TRAINING), st.count(ExperimentStatus.QUEUED),
                st.count(ExperimentStatus.PRUNED), spend.path("wall_s").asDouble(0) / 60));
        List<Experiment> running = store.experiments().list(ExperimentQuery.campaign(campaignId)
                .statuses(ExperimentStatus.TRAINING));
        if (running.isEmpty()) {
            b.append("  nothing is training now\n");
        }
        for (Experiment e : running) {
            b.append("  training: ").append(label(e)).append(" at ").append(e.stage()).append('\n');
        }
        st.best().ifPresent(e -> b.append(String.format(Locale.ROOT, "  best: %s, fitness %.3f at %s%n", e.name(),
                e.fitness(), e.stage())));
        long pending = store.directives().pending(campaignId).size();
        if (pending > 0) {
            b.append("  ").append(pending).append(" directive").append(pending == 1 ? "" : "s")
                    .append(" waiting for the next step boundary\n");
        }
        return b.toString();
    }

    String budget() {
        Standings st = Standings.read(store, campaignId);
        JsonNode spend = parse(st.campaign().spend());
        CampaignConfig.Budget limit = budgetInForce();
        StringBuilder b = new StringBuilder("Budget (spent / limit):\n");
        long experiments = spend.path("experiments").asLong(0);
        b.append("  experiments  ").append(experiments).append(" / ")
                .append(limit == null || limit.experiments() == null ? "no limit" : limit.experiments())
                .append(limit != null && limit.experiments() != null && experiments > limit.experiments() ? "  OVER" : "")
                .append('\n');
        double wall = spend.path("wall_s").asDouble(0);
        // the deadline stops runs in flight, but finishing the campaign takes a moment: an overrun is said
        b.append(String.format(Locale.ROOT, "  wall clock   %.1f min / %s%s%n", wall / 60,
                limit == null || limit.wallClock() == null ? "no limit"
                        : String.format(Locale.ROOT, "%.1f min", limit.wallClock().toSeconds() / 60.0),
                limit != null && limit.wallClock() != null && wall > limit.wallClock().toSeconds()
                        ? String.format(Locale.ROOT, "  OVER by %.0f s", wall - limit.wallClock().toSeconds()) : ""));
        var llm = st.llm();
        b.append("  LLM tokens   ").append(llm == null ? 0 : llm.tokensIn() + llm.tokensOut()).append(" / ")
                .append(limit == null || limit.tokens() == null ? "no limit" : limit.tokens()).append('\n');
        b.append(String.format(Locale.ROOT, "  LLM money    $%.4f / %s%n", llm == null ? 0 : llm.cost(),
                limit == null || limit.money() == null ? "no limit" : String.format(Locale.ROOT, "$%.2f", limit.money())));
        if (llm != null && llm.calls() > 0) {
            b.append("  ").append(llm.calls()).append(" LLM calls\n");
        }
        String plan = spend.path("plan").path("text").asText("");
        if (!plan.isEmpty()) {
            b.append("Plan: ").append(plan).append('\n');
        }
        return b.toString();
    }

    /** The campaign file's budget with the applied budget directives over it. */
    CampaignConfig.Budget budgetInForce() {
        if (config == null) {
            return null;
        }
        return archlab.agent.campaign.CampaignDirectives.budgetInForce(config.budget(),
                store.directives().list(campaignId));
    }

    String directives() {
        List<Directive> all = store.directives().list(campaignId);
        if (all.isEmpty()) {
            return "No directives yet. /help lists the steering commands.";
        }
        StringBuilder b = new StringBuilder();
        for (Directive d : all) {
            b.append(String.format(Locale.ROOT, "#%-3d %-8s %s%n", d.seq(), d.status().dbValue(), clip(d.text(), 100)));
            if (d.outcome() != null) {
                b.append("       → ").append(clip(d.outcome(), 200)).append('\n');
            }
            if (d.effect() != null && !d.effect().isBlank()) {
                b.append("       effect so far: ").append(clip(d.effect(), 200)).append('\n');
            }
        }
        return b.toString();
    }

    // ---------------------------------------------------------------- pieces

    /** A column head: the short name ({@code e12}), else the letter. */
    private static String column(Experiment e, String letter) {
        String s = ExperimentHandles.shortName(e.name());
        return s == null ? letter : letter + " " + s;
    }

    /** "e12-delta-rule (exp-...)". */
    static String label(Experiment e) {
        return (e.name() == null ? e.id() : e.name()) + " (" + e.id() + ")";
    }

    /** The fitness record of {@code e} at {@code stage}, or null. */
    static JsonNode score(Experiment e, String stage) {
        if (stage == null) {
            return null;
        }
        JsonNode s = Standings.extra(e).path("fitness").path(stage);
        return s.isObject() && s.has("value") ? s : null;
    }

    private String lineage(Experiment e) {
        List<String> names = new ArrayList<>();
        Experiment at = e;
        while (at != null && names.size() < 30) {
            String move = Standings.extra(at).path("move").asText("");
            names.add(0, at.name() + (move.isBlank() || "null".equals(move) ? "" : " [" + move + "]"));
            at = at.parentId() == null ? null : store.experiments().find(at.parentId()).orElse(null);
        }
        return String.join(" → ", names);
    }

    private static void appendHypothesis(StringBuilder b, Experiment e) {
        if (e.hypothesis() == null) {
            return;
        }
        if (e.hypothesis().title() != null) {
            b.append("  hypothesis: ").append(clip(e.hypothesis().title(), 200)).append('\n');
        }
        if (e.hypothesis().motivation() != null && !e.hypothesis().motivation().isBlank()) {
            b.append("  motivation: ").append(clip(e.hypothesis().motivation(), 400)).append('\n');
        }
        if (e.hypothesis().expectedEffect() != null && !e.hypothesis().expectedEffect().isBlank()) {
            b.append("  expected: ").append(clip(e.hypothesis().expectedEffect(), 300)).append('\n');
        }
    }

    private static String topic(Experiment e) {
        StringBuilder b = new StringBuilder(e.name() == null ? "" : e.name());
        if (e.hypothesis() != null) {
            b.append('\n').append(e.hypothesis().title()).append('\n').append(e.hypothesis().motivation());
        }
        JsonNode x = Standings.extra(e);
        b.append('\n').append(x.path("direction").asText("")).append('\n').append(x.path("move").asText(""));
        x.path("plan").fields().forEachRemaining(f -> b.append('\n').append(f.getKey()).append(' ').append(f.getValue().asText()));
        return b.toString().toLowerCase(Locale.ROOT).replace('_', ' ').replace('-', ' ')
                + "\n" + b.toString().toLowerCase(Locale.ROOT);
    }

    private static JsonNode analysis(Experiment e) {
        return parse(e.analysis());
    }

    private static void row(StringBuilder out, String name, String a, String b) {
        out.append(String.format(Locale.ROOT, "%-18s %-28s %-28s%n", name, clip(a, 28), clip(b, 28)));
    }

    private static String number(Double v) {
        return v == null ? "-" : number(v.doubleValue());
    }

    private static String number(double v) {
        if (!Double.isFinite(v)) {
            return String.valueOf(v);
        }
        return Math.abs(v) >= 1e5 ? String.format(Locale.ROOT, "%.3g", v) : String.format(Locale.ROOT, "%.4f", v)
                .replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    private static String indent(String s) {
        return ("  " + s.strip().replace("\n", "\n  ")) + "\n";
    }

    static String clip(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    static JsonNode parse(String json) {
        try {
            JsonNode n = json == null || json.isBlank() ? null : JSON.readTree(json);
            return n == null ? JSON.createObjectNode() : n;
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }
}
