package archlab.agent.research.llm;

import archlab.agent.research.CodingGate;
import archlab.agent.research.ResearchContext;
import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.papers.PaperNote;
import archlab.knowledge.similarity.Outcome;
import archlab.knowledge.similarity.SimilarHit;
import archlab.knowledge.store.Directive;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.Subroutine;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.DefinitionException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a {@link ResearchContext} into the text of prompt sections, each bounded in characters, so a
 * campaign with a long history still fits a model's context and costs what it should. The same
 * context always renders to the same text (the replay cache keys on it): lists keep their order,
 * numbers use a fixed locale and format, and nothing reads the clock.
 *
 * <p>A section over its cap is cut at a line boundary and ends with {@code [... N characters cut]}.
 * Definitions are rendered whole up to their section's cap, because the coder edits them.
 */
public final class ContextRendering {
    /**
     * Section caps in characters.
     *
     * @param parent      the parent's summary and definition (or the seeds of a root expansion)
     * @param family      the grandparent and siblings, one line each
     * @param references  experiments to recombine with, with their definitions
     * @param papers      retrieved paper notes
     * @param similar     similar past experiments and their outcomes
     * @param subroutines mined blocks with their definitions
     * @param directives  the user's active steering directives
     * @param experiment  one experiment rendered for the analyst or the judge
     */
    public record Caps(int parent, int family, int references, int papers, int similar, int subroutines,
                       int directives, int experiment) {
        public static final Caps DEFAULT = new Caps(8000, 3000, 6000, 6000, 2500, 3000, 1500, 9000);

        public Caps {
            for (int c : new int[] {parent, family, references, papers, similar, subroutines, directives, experiment}) {
                if (c < 200) {
                    throw new IllegalArgumentException("every section cap must be at least 200 characters, got " + c);
                }
            }
        }
    }

    /** Per paper note in the papers section, so one long note cannot push out the others. */
    private static final int PAPER_CAP = 1800;
    private static final int ANALYSIS_CAP = 1500;

    private final Caps caps;

    public ContextRendering(Caps caps) {
        this.caps = caps;
    }

    public static ContextRendering defaults() {
        return new ContextRendering(Caps.DEFAULT);
    }

    public Caps caps() {
        return caps;
    }

    /**
     * The planner's sections, by placeholder name: {@code task, parent, family, references, papers,
     * similar, subroutines, directives}.
     */
    public Map<String, String> sections(ResearchContext c) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("task", task(c));
        m.put("parent", parent(c));
        m.put("family", family(c, null, Integer.MAX_VALUE));
        m.put("references", references(c));
        m.put("papers", papers(c, false));
        m.put("similar", similar(c));
        m.put("subroutines", subroutines(c));
        m.put("directives", directives(c));
        return m;
    }

    public String task(ResearchContext c) {
        return c.task() == null || c.task().isBlank() ? "(not given)" : c.task();
    }

    /** The node being expanded, with its definition; for a root expansion, the seed definitions. */
    public String parent(ResearchContext c) {
        Experiment n = c.node();
        if (n == null) {
            if (c.seeds().isEmpty()) {
                return "No parent and no seeds: write a new design from scratch.";
            }
            StringBuilder s = new StringBuilder("No parent: this step starts a new root from the campaign's seed "
                    + "definitions.\n");
            for (int i = 0; i < c.seeds().size(); i++) {
                s.append("\nSeed ").append(i + 1).append(":\n").append(c.seeds().get(i).strip()).append('\n');
            }
            return cap(s.toString(), caps.parent());
        }
        StringBuilder s = new StringBuilder(headline(n, c.task())).append('\n');
        hypothesis(s, n);
        costs(s, n);
        failure(s, n);
        String analysis = analysisText(n.analysis());
        if (!analysis.isEmpty()) {
            s.append("Analysis: ").append(cap(analysis, ANALYSIS_CAP)).append('\n');
        }
        s.append("Definition:\n").append(n.definition() == null ? "(none)" : n.definition().strip()).append('\n');
        return cap(s.toString(), caps.parent());
    }

    /** Only the parent's definition source, or the first seed's for a root expansion; empty when none. */
    public String parentDefinition(ResearchContext c) {
        if (c.node() != null) {
            return c.node().definition() == null ? "" : cap(c.node().definition().strip(), caps.parent());
        }
        return c.seeds().isEmpty() ? "" : cap(c.seeds().get(0).strip(), caps.parent());
    }

    /**
     * The grandparent and the siblings (the node's other children), best fitness first, one line each.
     *
     * @param exclude     an experiment id to leave out (the one being analysed), or null
     * @param maxSiblings how many siblings at most
     */
    public String family(ResearchContext c, String exclude, int maxSiblings) {
        StringBuilder s = new StringBuilder();
        s.append("Grandparent: ").append(c.grandparent() == null ? "none" : line(c.grandparent(), c.task()))
         .append('\n');
        List<Experiment> siblings = new ArrayList<>();
        for (Experiment e : c.siblings()) {
            if (exclude == null || !exclude.equals(e.id())) {
                siblings.add(e);
            }
        }
        // Best first; ties (and unscored ones) keep the order the context gave.
        siblings.sort(Comparator.comparing(Experiment::fitness, Comparator.nullsLast(Comparator.reverseOrder())));
        if (siblings.isEmpty()) {
            s.append("Siblings: none yet.\n");
        } else {
            int shown = Math.min(maxSiblings, siblings.size());
            s.append("Siblings (").append(siblings.size()).append(shown < siblings.size() ? ", best " + shown : "")
             .append("):\n");
            for (Experiment e : siblings.subList(0, shown)) {
                s.append("- ").append(line(e, c.task())).append('\n');
            }
        }
        return cap(s.toString(), caps.family());
    }

    /** Reference experiments (for recombination), each with its definition. */
    public String references(ResearchContext c) {
        if (c.references().isEmpty()) {
            return "None.";
        }
        StringBuilder s = new StringBuilder();
        for (Experiment e : c.references()) {
            s.append("- ").append(line(e, c.task())).append('\n');
            if (e.definition() != null) {
                s.append(e.definition().strip()).append("\n\n");
            }
        }
        return cap(s.toString(), caps.references());
    }

    /**
     * The retrieved paper notes: id, title, why they matched, the insight and when to try them; with
     * {@code withCode}, also how to write the idea in archlab (for the coder).
     */
    public String papers(ResearchContext c, boolean withCode) {
        if (c.papers().isEmpty()) {
            return "None retrieved.";
        }
        StringBuilder s = new StringBuilder();
        for (PaperIndex.Hit h : c.papers()) {
            PaperNote p = h.note();
            StringBuilder one = new StringBuilder();
            one.append("[").append(p.slug()).append("] ").append(p.title()).append(" (").append(p.year()).append(')')
               .append(String.format(Locale.ROOT, ", relevance %.2f", h.score()));
            if (h.matchedSymptom() != null && !h.matchedSymptom().isBlank()) {
                one.append(", matched: ").append(h.matchedSymptom());
            }
            one.append("\n  Insight: ").append(flat(p.insight()));
            if (!p.whenToTry().isEmpty()) {
                one.append("\n  When to try: ").append(String.join("; ", p.whenToTry()));
            }
            if (withCode && p.archlabCode() != null) {
                one.append("\n  In archlab:\n").append(p.archlabCode().strip());
            }
            s.append(cap(one.toString(), PAPER_CAP)).append("\n\n");
        }
        return cap(s.toString().strip(), caps.papers());
    }

    /** Similar past experiments with what became of them. */
    public String similar(ResearchContext c) {
        if (c.similar().isEmpty()) {
            return "None found.";
        }
        StringBuilder s = new StringBuilder();
        for (SimilarHit h : c.similar()) {
            s.append("- ").append(h.experimentId()).append(String.format(Locale.ROOT, ": similarity %.2f", h.score()));
            if (h.duplicate()) {
                s.append(" (the same definition)");
            } else {
                List<String> parts = new ArrayList<>();
                if (h.graphScore() != null) {
                    parts.add(String.format(Locale.ROOT, "graph %.2f", h.graphScore()));
                }
                if (h.textScore() != null) {
                    parts.add(String.format(Locale.ROOT, "motivation %.2f", h.textScore()));
                }
                if (!parts.isEmpty()) {
                    s.append(" (").append(String.join(", ", parts)).append(')');
                }
            }
            s.append(" -> ").append(outcome(h.outcome())).append('\n');
        }
        return cap(s.toString(), caps.similar());
    }

    /** Mined subroutines with their support, their fitness contrast and their definitions. */
    public String subroutines(ResearchContext c) {
        if (c.subroutines().isEmpty()) {
            return "None mined yet.";
        }
        StringBuilder s = new StringBuilder();
        for (Subroutine r : c.subroutines()) {
            s.append("- ").append(r.name()).append(" (found in ").append(r.support()).append(" experiments");
            if (r.meanFitnessWith() != null) {
                s.append(String.format(Locale.ROOT, ", mean fitness %.3f with it", r.meanFitnessWith()));
                if (r.meanFitnessWithout() != null) {
                    s.append(String.format(Locale.ROOT, " vs %.3f without", r.meanFitnessWithout()));
                }
            }
            s.append(", used ").append(r.uses()).append(" times)\n").append(r.definition().strip()).append("\n\n");
        }
        return cap(s.toString().strip(), caps.subroutines());
    }

    /** The user's active steering directives, oldest first. */
    public String directives(ResearchContext c) {
        if (c.directives().isEmpty()) {
            return "None.";
        }
        StringBuilder s = new StringBuilder();
        for (Directive d : c.directives()) {
            s.append("- ").append(flat(d.text())).append('\n');
        }
        return cap(s.toString(), caps.directives());
    }

    /**
     * One experiment for the analyst or the judge: its hypothesis, outcome, costs, the structural diff
     * against {@code parent}, a summary of its loss curve, and its definition.
     */
    public String experiment(Experiment e, Experiment parent, String task) {
        StringBuilder s = new StringBuilder(headline(e, task)).append('\n');
        hypothesis(s, e);
        costs(s, e);
        failure(s, e);
        String curve = curveSummary(e.curves(), task);
        if (!curve.isEmpty()) {
            s.append("Training: ").append(curve).append('\n');
        }
        if (parent != null && parent.definition() != null && e.definition() != null) {
            String diff = diff(parent.definition(), e.definition());
            if (diff != null) {
                s.append("Change against the parent ").append(handle(parent)).append(":\n").append(diff).append('\n');
            }
        }
        s.append("Definition:\n").append(e.definition() == null ? "(none)" : e.definition().strip()).append('\n');
        return cap(s.toString(), caps.experiment());
    }

    /** The source with line numbers, {@code "  7 | ..."}, as the checker's errors count them. */
    public static String numbered(String source) {
        List<String> lines = source.lines().toList();
        int width = String.valueOf(Math.max(1, lines.size())).length();
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            s.append(String.format(Locale.ROOT, "%" + width + "d | %s", i + 1, lines.get(i))).append('\n');
        }
        return s.toString();
    }

    /** {@code text}, or its first lines within {@code max} characters and a note of what was cut. */
    public static String cap(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int keep = Math.max(0, max - 40);
        int newline = text.lastIndexOf('\n', keep);
        if (newline > keep / 2) {
            keep = newline;
        }
        return text.substring(0, keep) + "\n[... " + (text.length() - keep) + " characters cut]";
    }

    // ---- one experiment ----

    /**
     * {@code e7-short-conv "Short conv on q and k" [done] fitness 0.712; mqar: accuracy 0.9100, loss 0.3010}.
     * Experiments are named by their campaign-local name, never by id: ids are random, and a prompt that
     * carried one would differ between two runs of the same campaign and defeat the replay cache.
     */
    static String line(Experiment e, String task) {
        StringBuilder s = new StringBuilder(handle(e));
        if (e.hypothesis().title() != null) {
            s.append(" \"").append(flat(e.hypothesis().title())).append('"');
        }
        s.append(" [").append(e.status().dbValue()).append(']');
        if (e.fitness() != null) {
            s.append(String.format(Locale.ROOT, " fitness %.3f", e.fitness()));
        }
        String metrics = metrics(e.metrics(), task);
        if (!metrics.isEmpty()) {
            s.append("; ").append(metrics);
        }
        if (e.params() != null) {
            s.append(String.format(Locale.ROOT, "; %,d params", e.params()));
        }
        if (e.failureKind() != null) {
            s.append("; failed: ").append(e.failureKind());
            if (e.failureMessage() != null) {
                s.append(": ").append(cap(flat(e.failureMessage()), 200));
            }
        }
        return s.toString();
    }

    /** How prompts name an experiment: its campaign-local name ({@code e7-...}), or its id when it has none. */
    public static String handle(Experiment e) {
        return e.name() != null && !e.name().isBlank() ? e.name() : e.id();
    }

    private static String headline(Experiment e, String task) {
        return "Experiment " + line(e, task);
    }

    private static void hypothesis(StringBuilder s, Experiment e) {
        if (e.hypothesis().motivation() != null && !e.hypothesis().motivation().isBlank()) {
            s.append("Motivation: ").append(flat(e.hypothesis().motivation())).append('\n');
        }
        if (e.hypothesis().expectedEffect() != null && !e.hypothesis().expectedEffect().isBlank()) {
            s.append("Expected effect: ").append(flat(e.hypothesis().expectedEffect())).append('\n');
        }
    }

    private static void costs(StringBuilder s, Experiment e) {
        List<String> parts = new ArrayList<>();
        if (e.params() != null) {
            parts.add(String.format(Locale.ROOT, "%,d parameters", e.params()));
        }
        if (e.flopsPerToken() != null) {
            parts.add(String.format(Locale.ROOT, "%,.0f FLOPs per token", e.flopsPerToken()));
        }
        // No training time: it varies with the machine's load, and a prompt must be a function of the results.
        if (!parts.isEmpty()) {
            s.append("Cost: ").append(String.join(", ", parts)).append('\n');
        }
    }

    private static void failure(StringBuilder s, Experiment e) {
        if (e.failureKind() != null) {
            s.append("Failure: ").append(e.failureKind());
            if (e.failureMessage() != null) {
                s.append(": ").append(cap(e.failureMessage().strip(), 1200));
            }
            s.append('\n');
        }
    }

    /** The task's metrics from {@code {"mqar": {"accuracy": 0.91}}}; the first task's when {@code task} is absent. */
    static String metrics(String json, String task) {
        JsonNode all = read(json);
        if (all == null || !all.isObject() || all.isEmpty()) {
            return "";
        }
        String name = task != null && all.has(task) ? task : all.fieldNames().next();
        JsonNode m = all.get(name);
        if (m == null || !m.isObject()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getValue().isNumber()) {
                parts.add(String.format(Locale.ROOT, "%s %.4f", f.getKey(), f.getValue().asDouble()));
            }
        }
        return parts.isEmpty() ? "" : name + ": " + String.join(", ", parts);
    }

    /** {@code loss 3.4657 -> 0.3120 over 300 steps (lowest 0.2950 at step 280); held-out accuracy 0.9100 at step 300}. */
    static String curveSummary(String json, String task) {
        JsonNode all = read(json);
        if (all == null || !all.isObject() || all.isEmpty()) {
            return "";
        }
        JsonNode points = all.get(task != null && all.has(task) ? task : all.fieldNames().next());
        if (points == null || !points.isArray() || points.isEmpty()) {
            return "";
        }
        JsonNode first = points.get(0);
        JsonNode last = points.get(points.size() - 1);
        JsonNode lowest = first;
        JsonNode lastEval = null;
        for (JsonNode p : points) {
            if (p.path("loss").asDouble(Double.NaN) < lowest.path("loss").asDouble(Double.NaN)) {
                lowest = p;
            }
            if (p.hasNonNull("eval")) {
                lastEval = p;
            }
        }
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "loss %.4f -> %.4f over %d steps (lowest %.4f at step %d)",
                first.path("loss").asDouble(), last.path("loss").asDouble(), last.path("step").asInt(),
                lowest.path("loss").asDouble(), lowest.path("step").asInt()));
        if (lastEval != null) {
            List<String> parts = new ArrayList<>();
            lastEval.get("eval").fields().forEachRemaining(f -> parts.add(
                    String.format(Locale.ROOT, "%s %.4f", f.getKey(), f.getValue().asDouble())));
            s.append("; held-out ").append(String.join(", ", parts)).append(" at step ")
             .append(lastEval.path("step").asInt());
        }
        return s.toString();
    }

    /** The structural diff of two definitions, or null when either does not check. */
    static String diff(String parent, String child) {
        try {
            ModelDefinition before = ModelDefinition.parse(parent, CodingGate.FILE);
            ModelDefinition after = ModelDefinition.parse(child, CodingGate.FILE);
            return cap(ModelDefinition.diff(before, after).render(), 2500);
        } catch (DefinitionException | RuntimeException e) {
            return null;
        }
    }

    /** An analysis stored as JSON (explanation and insight), or the stored text itself. */
    static String analysisText(String analysis) {
        if (analysis == null || analysis.isBlank()) {
            return "";
        }
        JsonNode n = read(analysis);
        if (n == null || !n.isObject()) {
            return flat(analysis);
        }
        List<String> parts = new ArrayList<>();
        for (String key : List.of("expectation_vs_reality", "explanation", "insight")) {
            String v = n.path(key).asText("").strip();
            if (!v.isEmpty()) {
                parts.add(v);
            }
        }
        return flat(String.join(" ", parts));
    }

    private static String outcome(Outcome o) {
        StringBuilder s = new StringBuilder(o.status() == null ? "unknown" : o.status());
        if (o.fitness() != null) {
            s.append(String.format(Locale.ROOT, ", fitness %.3f", o.fitness()));
        }
        if (o.failureKind() != null) {
            s.append(", ").append(o.failureKind());
        }
        if (o.failureReason() != null && !o.failureReason().isBlank()) {
            s.append(": ").append(cap(flat(o.failureReason()), 200));
        }
        return s.toString();
    }

    private static JsonNode read(String json) {
        if (json == null || json.isBlank()) {
            return null;
        }
        try {
            return Schemas.JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** One line: runs of whitespace, newlines included, become one space. */
    private static String flat(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").strip();
    }
}
