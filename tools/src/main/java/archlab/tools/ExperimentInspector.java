package archlab.tools;

import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.Store;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Tool: inspect one stored experiment: its hypothesis, definition, metrics, a summary of each training
 * curve, its failure, its symptoms ({@link Symptoms}) and its analysis. The text for models fits in
 * {@value #MAX_CHARS} characters; the definition is cut after {@value #MAX_DEFINITION_LINES} lines.
 */
public final class ExperimentInspector {
    public static final int MAX_CHARS = 6000;
    public static final int MAX_DEFINITION_LINES = 60;

    /** What one experiment is and did. */
    public record Report(Experiment experiment, Measurements measurements, Map<String, CurveSummary> curves,
                         List<Symptom> symptoms) {
        public Report {
            curves = Map.copyOf(curves);
            symptoms = List.copyOf(symptoms);
        }

        public String render(boolean withDefinition) {
            Experiment e = experiment;
            BoundedText t = new BoundedText(MAX_CHARS);
            t.line("Experiment %s%s: %s%s", e.id(), e.name() == null ? "" : " (" + BoundedText.clip(e.name(), 60) + ")",
                    e.status().dbValue(), e.parentId() == null ? ", a root" : ", child of " + e.parentId());
            if (e.hypothesis().title() != null) {
                t.line("hypothesis: %s", BoundedText.clip(e.hypothesis().title(), 200));
            }
            if (e.hypothesis().motivation() != null) {
                t.line("motivation: %s", BoundedText.clip(e.hypothesis().motivation(), 300));
            }
            if (e.hypothesis().expectedEffect() != null) {
                t.line("expected: %s", BoundedText.clip(e.hypothesis().expectedEffect(), 200));
            }
            t.line("parameters %s, FLOPs/token %s, fitness %s, wall %s s", BoundedText.count(e.params()),
                    BoundedText.number(e.flopsPerToken()), BoundedText.number(e.fitness()),
                    BoundedText.number(e.wallSeconds()));
            for (Map.Entry<String, Map<String, Double>> task : measurements.metrics().entrySet()) {
                StringBuilder b = new StringBuilder("metrics ").append(task.getKey()).append(':');
                task.getValue().forEach((k, v) -> b.append(' ').append(k).append('=').append(BoundedText.number(v)));
                t.line(b.toString());
            }
            for (String task : new java.util.TreeSet<>(curves.keySet())) {
                CurveSummary c = curves.get(task);
                t.line("curve %s: %d points, steps %d–%d, loss %s → min %s (step %d) → %s; last fifth %s%%; %s%s",
                        task, c.points(), c.firstStep(), c.lastStep(), BoundedText.number(c.firstLoss()),
                        BoundedText.number(c.minLoss()), c.minLossStep(), BoundedText.number(c.lastLoss()),
                        BoundedText.number(100 * c.tailChange()),
                        c.warmupEndStep() != null ? "warmup ended at step " + c.warmupEndStep()
                                : c.warmupUnfinished() ? "still warming up" : "no learning rate recorded",
                        c.spikes() > 0 ? "; " + c.spikes() + " spikes" : "");
                if (!c.evals().isEmpty()) {
                    StringBuilder b = new StringBuilder("  held-out at step ")
                            .append(c.evals().get(c.evals().size() - 1).step()).append(':');
                    c.lastEval().forEach((k, v) -> b.append(' ').append(k).append('=').append(BoundedText.number(v)));
                    t.line(b.toString());
                }
            }
            if (e.failureKind() != null || e.failureMessage() != null) {
                t.line("failure %s: %s", e.failureKind() == null ? "" : e.failureKind(),
                        BoundedText.clip(e.failureMessage(), 500));
            }
            if (Experiment.CHECK_INVALID.equals(e.definitionCheck())) {
                t.line("definition errors: %s", BoundedText.clip(e.definitionErrors(), 500));
            }
            for (Symptom s : symptoms) {
                t.line("symptom %s: %s", s.label(), BoundedText.clip(s.evidence(), 240));
            }
            for (String p : measurements.problems()) {
                t.line("unreadable: %s", p);
            }
            if (e.analysis() != null && !e.analysis().isBlank()) {
                t.line("analysis: %s", BoundedText.clip(e.analysis(), 700));
            }
            if (withDefinition && e.definition() != null) {
                List<String> lines = e.definition().lines().toList();
                t.line("definition (%s, %d lines):", e.definitionLanguage() == null ? "unknown language"
                        : e.definitionLanguage(), lines.size());
                for (int i = 0; i < Math.min(lines.size(), MAX_DEFINITION_LINES); i++) {
                    String l = lines.get(i);
                    t.line(l.length() > 160 ? l.substring(0, 159) + "…" : l);
                }
                if (lines.size() > MAX_DEFINITION_LINES) {
                    t.line("… %d more definition lines", lines.size() - MAX_DEFINITION_LINES);
                }
            }
            return t.toString();
        }
    }

    private final Store store;

    public ExperimentInspector(Store store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /** @throws IllegalArgumentException when no experiment has this id */
    public Report inspect(String experimentId) {
        if (experimentId == null || experimentId.isBlank()) {
            throw new IllegalArgumentException("give an experiment id, such as exp-01jdx3k9q7m2c8vw");
        }
        Experiment e = store.experiments().find(experimentId.strip()).orElseThrow(() -> new IllegalArgumentException(
                "no experiment '" + BoundedText.clip(experimentId, 80) + "' in the store"));
        return report(e);
    }

    /** The report of an experiment already in hand. */
    public static Report report(Experiment e) {
        Measurements m = Measurements.of(e);
        Map<String, CurveSummary> curves = new java.util.TreeMap<>();
        m.curves().forEach((task, points) -> {
            if (!points.isEmpty()) {
                curves.put(task, CurveSummary.of(points));
            }
        });
        return new Report(e, m, curves, Symptoms.of(e, m));
    }

    @Tool(name = "inspect_experiment", value = "Inspect one experiment of the store: hypothesis, parameters and FLOPs,"
            + " metrics, a summary of its training curve, its failure, rule-based symptoms (diverged-after-warmup,"
            + " plateau, still-improving, ...), its analysis and, if asked, its definition.")
    public String inspectExperiment(
            @P(name = "experiment_id", value = "the experiment's id, such as exp-01jdx3k9q7m2c8vw") String experimentId,
            @P(name = "with_definition", value = "also print the definition (first 60 lines)", required = false)
            Boolean withDefinition) {
        try {
            return inspect(experimentId).render(withDefinition == null || withDefinition);
        } catch (IllegalArgumentException e) {
            return "error: " + e.getMessage();
        }
    }
}
