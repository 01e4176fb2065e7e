package archlab.agent.research.offline;

import archlab.agent.research.Analysis;
import archlab.agent.research.Analyst;
import archlab.agent.research.ResearchContext;
import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.sandbox.ModelDefinition;
import archlab.tools.BoundedText;
import archlab.tools.DefinitionChecker;
import archlab.tools.Measurements;
import archlab.tools.ResearchTools;
import archlab.tools.Symptom;
import archlab.tools.Symptoms;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The offline analyst: rule-based diagnoses of a result ({@link Symptoms} on its own, {@link Diagnosis}
 * against its parent and its two best siblings), written out in sentences, with an insight when there is a
 * lesson and the paper notes retrieved for its diagnoses.
 *
 * <p>It expects the context of the result's parent ({@code contextFor(campaign, parent)}), whose children are
 * the result's siblings. Given the result's own context, or one that does not match, it finds the family in
 * the store instead.
 */
final class OfflineAnalyst implements Analyst {
    /** Why each diagnosis happens, and what it suggests; the explanation quotes these. */
    private static final Map<String, String> WHY = Map.ofEntries(
            Map.entry(Symptoms.DIVERGED_AFTER_WARMUP, "A blow-up after the learning rate peaked points at an unbounded"
                    + " op (exp, a division, a state that grows with length) rather than at the initialisation: bound"
                    + " it with a norm, a bounded feature map or a decay"),
            Map.entry(Symptoms.DIVERGED_DURING_WARMUP, "A blow-up while the learning rate was still small points at"
                    + " the initialisation or an op that is unstable at any step size: a missing pre-norm, a"
                    + " near-zero normaliser, an exponent without bound"),
            Map.entry(Symptoms.DIVERGED, "The loss blew up; without a curve the cause cannot be placed before or after"
                    + " warmup"),
            Map.entry(Symptoms.NAN, "A non-finite loss comes from log or division of a value that reached zero, or"
                    + " exp of a large one"),
            Map.entry(Symptoms.LOSS_SPIKES, "Spikes without divergence usually come from a large update through an"
                    + " unnormalised branch; a norm on the new part usually removes them"),
            Map.entry(Symptoms.NO_LEARNING, "A flat loss means gradients do not reach the part that matters: a"
                    + " saturated gate, a dead map, or a branch without a residual path"),
            Map.entry(Symptoms.PLATEAU, "The loss stopped falling well before the task was solved: the mechanism,"
                    + " not the training length, limits it"),
            Map.entry(Symptoms.STILL_IMPROVING, "The run ended while the loss was still falling, so the score"
                    + " understates the design; compare it at equal steps only"),
            Map.entry(Symptoms.OVERFITTING, "The held-out loss turned up while the training loss fell: the design"
                    + " memorises the training stream; it has more capacity than the data needs"),
            Map.entry(Symptoms.RECALL_LOW, "Low recall on mqar means the mixer cannot retrieve the value bound to a"
                    + " key: too small a state, additive writes that interfere, or no precise local lookup"),
            Map.entry(Symptoms.RECALL_SOLVED, "Recall is saturated at this setting, so the task no longer separates"
                    + " designs; harder settings (more pairs, longer sequences) would"),
            Map.entry(Symptoms.RECALL_FALLS_WITH_LENGTH, "Recall that falls with length is the signature of a"
                    + " fixed-size state filling up"),
            Map.entry(Symptoms.RECALL_FALLS_WITH_GAP, "Recall that falls with the gap between key and query means old"
                    + " associations fade or are overwritten"),
            Map.entry(Symptoms.OUT_OF_MEMORY, "The run needed more memory than allowed: quadratic attention or a wide"
                    + " state at this length"),
            Map.entry(Symptoms.TIMED_OUT, "The run did not finish in time: the design is too slow at this size"),
            Map.entry(Symptoms.CRASHED, "The worker crashed; the design may hit a runtime limit the checker cannot see"),
            Map.entry(Symptoms.INVALID_DEFINITION, "The definition never reached training"),
            Map.entry(Symptoms.FAILED, "The run failed for a reason outside training"),
            Map.entry(Diagnosis.BETTER_THAN_PARENT, "The change helped on the task's own metric"),
            Map.entry(Diagnosis.WORSE_THAN_PARENT, "The change hurt on the task's own metric"),
            Map.entry(Diagnosis.ON_PAR_WITH_PARENT, "The change made no difference beyond noise"),
            Map.entry(Diagnosis.BEST_AMONG_SIBLINGS, "Of the changes tried on this parent, this one did best"),
            Map.entry(Diagnosis.BEHIND_BEST_SIBLING, "Another change to the same parent did better"),
            Map.entry(Diagnosis.BIGGER_FOR_NO_GAIN, "It added parameters without a better score, so the extra"
                    + " capacity went unused"),
            Map.entry(Diagnosis.SMALLER_AT_NO_LOSS, "It kept the score with fewer parameters: a cheaper design"),
            Map.entry(Diagnosis.SLOWER_THAN_PARENT, "It costs noticeably more compute than its parent"));

    private static final Pattern EXPECTS_GAIN = Pattern.compile(
            "(?i)higher|better|improv|increase|raise|more (recall|accurate)|lower (loss|val_loss|bpc)|stabl|faster learn");
    private static final Pattern EXPECTS_PAR = Pattern.compile("(?i)similar|same (quality|accuracy|score)|on par|"
            + "no (loss|worse)|at lower cost|equal parameters");

    private final ResearchTools tools;

    OfflineAnalyst(ResearchTools tools) {
        this.tools = tools;
    }

    @Override
    public Analysis analyse(ResearchContext ctx, Experiment result) {
        Family family = family(ctx, result);
        String task = Diagnosis.task(ctx.task(), result);
        Measurements m = Measurements.of(result);
        List<Symptom> symptoms = Symptoms.of(result, m);
        List<Symptom> comparisons = Diagnosis.family(result, family.parent, family.siblings, task);
        List<Symptom> all = new ArrayList<>(symptoms);
        all.addAll(comparisons);
        List<String> labels = all.stream().map(Symptom::label).distinct().toList();
        List<String> paperIds = papers(all, result);
        return new Analysis(design(result, family.parent), results(result, family, task, m, all),
                expectation(result, family.parent, task, labels), explanation(all), insight(result, family, task, all),
                paperIds, labels);
    }

    private record Family(Experiment parent, Experiment grandparent, List<Experiment> siblings) {
    }

    private Family family(ResearchContext ctx, Experiment result) {
        var store = tools.store().experiments();
        Experiment parent = null;
        Experiment grandparent = null;
        List<Experiment> siblings;
        if (ctx.node() != null && ctx.node().id().equals(result.parentId())) {
            parent = ctx.node();
            grandparent = ctx.grandparent();
            siblings = ctx.siblings();
        } else {
            parent = result.parentId() == null ? null : store.find(result.parentId()).orElse(null);
            grandparent = parent == null || parent.parentId() == null ? null
                    : store.find(parent.parentId()).orElse(null);
            siblings = parent == null ? List.of() : store.children(parent.id());
        }
        List<Experiment> best = siblings.stream().filter(s -> !s.id().equals(result.id()))
                .sorted(archlab.agent.research.ToolContextSource.BEST_FIRST).limit(2).toList();
        return new Family(parent, grandparent, best);
    }

    // ---- the sentences

    private String design(Experiment result, Experiment parent) {
        String what = result.hypothesis().title() != null ? "\"" + BoundedText.clip(result.hypothesis().title(), 160)
                + "\"" : "This design";
        if (!result.trainable()) {
            return what + " has no definition that checks, so its design cannot be read"
                    + (result.definitionErrors() == null ? "." : ": " + BoundedText.clip(result.definitionErrors(), 200));
        }
        if (parent == null || !parent.trainable()) {
            return String.format(Locale.ROOT, "%s is a root design with %s parameters and %s FLOPs per token.", what,
                    BoundedText.count(result.params()), BoundedText.number(result.flopsPerToken()));
        }
        DefinitionChecker checker = tools.checker();
        DefinitionChecker.Check a = checker.check(parent.definition());
        DefinitionChecker.Check b = checker.check(result.definition());
        String changes = "";
        if (a.ok() && b.ok()) {
            var diff = ModelDefinition.diff(a.definition(), b.definition());
            List<String> lines = diff.changes().stream().limit(3).map(c -> c.render()).toList();
            changes = String.format(Locale.ROOT, " It changes %d op%s of the parent (%s%s).", diff.count(),
                    diff.count() == 1 ? "" : "s", String.join("; ", lines), diff.changes().size() > 3 ? "; …" : "");
        }
        return String.format(Locale.ROOT, "%s edits %s.%s It has %s parameters (%s against the parent) and %s FLOPs"
                        + " per token (%s).", what, parent.name() != null ? parent.name() + " (" + parent.id() + ")"
                        : parent.id(), changes, BoundedText.count(result.params()),
                ratio(result.params(), parent.params()), BoundedText.number(result.flopsPerToken()),
                ratio(result.flopsPerToken(), parent.flopsPerToken()));
    }

    private String results(Experiment result, Family family, String task, Measurements m, List<Symptom> all) {
        StringBuilder b = new StringBuilder();
        Diagnosis.Score score = Diagnosis.metric(result, task);
        if (result.status() == ExperimentStatus.FAILED) {
            b.append("The run failed").append(result.failureKind() == null ? "" : " (" + result.failureKind() + ")")
                    .append(result.failureMessage() == null ? "." : ": " + BoundedText.clip(result.failureMessage(), 200)
                            + ".");
        } else if (result.status() == ExperimentStatus.PARTIAL) {
            b.append("The run was stopped before its last step").append(result.failureKind() == null ? ""
                    : " (" + result.failureKind() + ")").append(result.failureMessage() == null ? "."
                    : ": " + BoundedText.clip(result.failureMessage(), 240) + ".");
        } else if (score != null) {
            b.append(String.format(Locale.ROOT, "On %s it reached %s %s", task, score.metric(),
                    BoundedText.number(score.value())));
            if (result.fitness() != null) {
                b.append(String.format(Locale.ROOT, " (fitness %s)", BoundedText.number(result.fitness())));
            }
            b.append('.');
        } else {
            b.append("It reported no ").append(task == null ? "task metric" : task + " metric").append('.');
        }
        Diagnosis.Score gp = family.grandparent == null ? null : Diagnosis.metric(family.grandparent, task);
        if (gp != null && score != null && gp.metric().equals(score.metric())) {
            b.append(String.format(Locale.ROOT, " The grandparent had %s %s.", gp.metric(), BoundedText.number(gp.value())));
        }
        if (!all.isEmpty()) {
            b.append(" Findings: ").append(String.join("; ", all.stream().map(Symptom::evidence).toList())).append('.');
        }
        String note = task == null ? null : Symptoms.recallBreakdownNote(task, m);
        if (note != null) {
            b.append(" Note: ").append(note).append('.');
        }
        return b.toString();
    }

    private String expectation(Experiment result, Experiment parent, String task, List<String> labels) {
        String expected = result.hypothesis().expectedEffect();
        String head = expected == null || expected.isBlank() ? "The hypothesis stated no expected effect."
                : "Expected: " + BoundedText.clip(expected, 240) + ".";
        if (result.status() == ExperimentStatus.FAILED) {
            return head + " The run failed, so the expectation could not be tested.";
        }
        if (result.status() == ExperimentStatus.PARTIAL) {
            return head + " The run was stopped early, so its partial result cannot settle the expectation.";
        }
        if (parent == null) {
            return head + " There is no parent to compare with, so the result stands as a baseline.";
        }
        Diagnosis.Score[] pair = Diagnosis.comparable(result, parent, task);
        if (pair == null) {
            return head + " The parent and the result report no common metric, so the effect cannot be measured.";
        }
        double delta = pair[0].value() - pair[1].value();
        String observed = String.format(Locale.ROOT, " Observed: %s %s → %s (%s%s) against the parent", pair[0].metric(),
                BoundedText.number(pair[1].value()), BoundedText.number(pair[0].value()), delta >= 0 ? "+" : "",
                BoundedText.number(delta));
        boolean gained = labels.contains(Diagnosis.BETTER_THAN_PARENT);
        boolean lost = labels.contains(Diagnosis.WORSE_THAN_PARENT);
        String verdict;
        if (expected == null || expected.isBlank()) {
            verdict = gained ? "an improvement" : lost ? "a loss" : "no change beyond noise";
        } else if (EXPECTS_PAR.matcher(expected).find()) {
            verdict = lost ? "worse than the expected parity" : "as expected, no loss";
        } else if (EXPECTS_GAIN.matcher(expected).find()) {
            verdict = gained ? "as expected" : lost ? "the opposite of what was expected" : "no measurable gain, short of"
                    + " the expectation";
        } else {
            verdict = gained ? "an improvement" : lost ? "a loss" : "no change beyond noise";
        }
        return head + observed + ": " + verdict + ".";
    }

    private static String explanation(List<Symptom> all) {
        List<String> out = new ArrayList<>();
        for (Symptom s : all) {
            String why = WHY.get(s.label());
            if (why != null && out.size() < 4) {
                out.add(why + ".");
            }
        }
        return out.isEmpty() ? "Nothing in the curves or the comparisons stands out: a result within the family's"
                + " range." : String.join(" ", out);
    }

    private String insight(Experiment result, Family family, String task, List<Symptom> all) {
        String title = result.hypothesis().title() != null ? BoundedText.clip(result.hypothesis().title(), 120)
                : result.name() != null ? result.name() : "this change";
        Set<String> labels = new LinkedHashSet<>();
        all.forEach(s -> labels.add(s.label()));
        String on = task == null ? "" : " on " + task;
        for (String diverged : List.of(Symptoms.DIVERGED_AFTER_WARMUP, Symptoms.DIVERGED_DURING_WARMUP,
                Symptoms.DIVERGED)) {
            if (labels.contains(diverged)) {
                return title + " made training diverge" + (diverged.equals(Symptoms.DIVERGED_AFTER_WARMUP)
                        ? " after warmup" : diverged.equals(Symptoms.DIVERGED_DURING_WARMUP) ? " during warmup" : "")
                        + on + ": retry it with a norm on the new part or a bounded map before judging the idea.";
            }
        }
        Symptom better = find(all, Diagnosis.BETTER_THAN_PARENT);
        Symptom worse = find(all, Diagnosis.WORSE_THAN_PARENT);
        if (better != null) {
            return title + " helped" + on + ": " + better.evidence()
                    + (labels.contains(Diagnosis.SLOWER_THAN_PARENT) ? ", at a higher compute cost." : ".");
        }
        if (worse != null) {
            return title + " hurt" + on + ": " + worse.evidence() + "; do not repeat it on this family"
                    + (labels.contains(Symptoms.STILL_IMPROVING) ? " unless given more steps (it was still improving)."
                    : ".");
        }
        if (labels.contains(Diagnosis.SMALLER_AT_NO_LOSS)) {
            return title + " kept the score" + on + " with fewer parameters: " + find(all, Diagnosis.SMALLER_AT_NO_LOSS)
                    .evidence() + ".";
        }
        if (labels.contains(Diagnosis.BIGGER_FOR_NO_GAIN)) {
            return title + " added capacity that went unused" + on + ": " + find(all, Diagnosis.BIGGER_FOR_NO_GAIN)
                    .evidence() + ".";
        }
        if (labels.contains(Symptoms.NO_LEARNING)) {
            return title + " did not learn" + on + "; the change likely cut the gradient path.";
        }
        return "";
    }

    /** Paper notes for the diagnoses, retrieved with their evidence: up to three. */
    private List<String> papers(List<Symptom> all, Experiment result) {
        if (!tools.hasPapers() || all.isEmpty()) {
            return List.of();
        }
        StringBuilder q = new StringBuilder();
        for (Symptom s : all) {
            if (!s.label().startsWith("better") && !s.label().startsWith("on-par") && !s.label().startsWith("best")) {
                q.append(s.evidence()).append(". ");
            }
        }
        if (q.length() == 0) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (PaperIndex.Hit h : tools.papers().search(q.toString(), 3).hits()) {
            out.add(h.note().slug());
        }
        return out;
    }

    private static Symptom find(List<Symptom> all, String label) {
        return all.stream().filter(s -> s.label().equals(label)).findFirst().orElse(null);
    }

    private static String ratio(Number a, Number b) {
        if (a == null || b == null || b.doubleValue() == 0) {
            return "n/a";
        }
        return BoundedText.number(a.doubleValue() / b.doubleValue()) + "×";
    }

    private static String capital(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
