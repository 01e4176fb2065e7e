package archlab.agent.research.offline;

import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.tools.BoundedText;
import archlab.tools.CurveSummary;
import archlab.tools.Measurements;
import archlab.tools.PrimaryMetric;
import archlab.tools.Symptom;
import archlab.tools.Symptoms;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Rule-based diagnoses of a result against its family: better or worse than the parent and by how much, where
 * it stands among its siblings, and whether it paid in size or speed for nothing. Together with the
 * {@link Symptoms} of the result on its own, these are the analyst's diagnoses and the planner's triggers.
 * Each rule is written out below; the thresholds are in docs/offline-policy.md.
 */
final class Diagnosis {
    static final String BETTER_THAN_PARENT = "better-than-parent";
    static final String WORSE_THAN_PARENT = "worse-than-parent";
    static final String ON_PAR_WITH_PARENT = "on-par-with-parent";
    static final String BEST_AMONG_SIBLINGS = "best-among-siblings";
    static final String BEHIND_BEST_SIBLING = "behind-best-sibling";
    static final String BIGGER_FOR_NO_GAIN = "bigger-than-parent-for-no-gain";
    static final String SMALLER_AT_NO_LOSS = "smaller-than-parent-at-no-loss";
    static final String SLOWER_THAN_PARENT = "slower-than-parent";

    /** Parameters this much above the parent's count as bigger. */
    static final double BIGGER = 1.2;
    /** Parameters this much below the parent's count as smaller. */
    static final double SMALLER = 0.85;
    /** Wall time (or FLOPs per token when there is no wall time) this much above the parent's counts as slower. */
    static final double SLOWER = 1.3;

    private Diagnosis() {
    }

    /** A result's score on a task: the task's primary metric (final, or at its last evaluation), else fitness. */
    record Score(String metric, double value, boolean higherIsBetter) {
        double gain(Score other) {
            return higherIsBetter ? value - other.value : other.value - value;
        }

        double tolerance() {
            return higherIsBetter ? 0.01 : Math.max(1e-3, 0.01 * Math.abs(value));
        }
    }

    /** The task an experiment is judged on: the campaign's, else the first it reports. */
    static String task(String campaignTask, Experiment e) {
        if (campaignTask != null) {
            return campaignTask;
        }
        List<String> tasks = Measurements.of(e).tasks();
        return tasks.isEmpty() ? null : tasks.get(0);
    }

    /** The primary metric on {@code task}, or null when the experiment did not report it. */
    static Score metric(Experiment e, String task) {
        if (e == null || task == null) {
            return null;
        }
        Measurements m = Measurements.of(e);
        java.util.Set<String> names = new java.util.TreeSet<>(m.metrics().getOrDefault(task, java.util.Map.of()).keySet());
        List<Measurements.Point> curve = m.curve(task);
        java.util.Map<String, Double> lastEval = curve.isEmpty() ? java.util.Map.of() : CurveSummary.of(curve).lastEval();
        names.addAll(lastEval.keySet());
        PrimaryMetric p = PrimaryMetric.of(task, names);
        if (p == null) {
            return null;
        }
        Double v = m.metric(task, p.name());
        if (v == null) {
            v = lastEval.get(p.name());
        }
        return v == null || !Double.isFinite(v) ? null : new Score(p.name(), v, p.higherIsBetter());
    }

    /** Two experiments' scores in one unit: the primary metric when both have it, else fitness; null otherwise. */
    static Score[] comparable(Experiment a, Experiment b, String task) {
        Score sa = metric(a, task);
        Score sb = metric(b, task);
        if (sa != null && sb != null && sa.metric().equals(sb.metric())) {
            return new Score[] {sa, sb};
        }
        if (a.fitness() != null && b.fitness() != null) {
            return new Score[] {new Score("fitness", a.fitness(), true), new Score("fitness", b.fitness(), true)};
        }
        return null;
    }

    /** The family diagnoses of {@code result}; {@code parent} may be null, siblings exclude the result. */
    static List<Symptom> family(Experiment result, Experiment parent, List<Experiment> siblings, String task) {
        List<Symptom> out = new ArrayList<>();
        boolean measured = result.status() == ExperimentStatus.DONE;
        Double gain = null;
        Score[] vsParent = parent == null || !measured ? null : comparable(result, parent, task);
        if (vsParent != null) {
            Score r = vsParent[0];
            Score p = vsParent[1];
            gain = r.gain(p);
            String evidence = String.format(Locale.ROOT, "%s %s against the parent's %s (%s%s)%s", r.metric(),
                    BoundedText.number(r.value()), BoundedText.number(p.value()), gain >= 0 ? "+" : "",
                    BoundedText.number(r.value() - p.value()), task == null ? "" : " on " + task);
            if (gain > p.tolerance()) {
                out.add(new Symptom(BETTER_THAN_PARENT, evidence));
            } else if (gain < -p.tolerance()) {
                out.add(new Symptom(WORSE_THAN_PARENT, evidence));
            } else {
                out.add(new Symptom(ON_PAR_WITH_PARENT, evidence));
            }
        }
        if (measured) {
            Experiment best = null;
            Score[] bestPair = null;
            for (Experiment s : siblings) {
                if (s.id().equals(result.id()) || s.status() != ExperimentStatus.DONE) {
                    continue;
                }
                Score[] pair = comparable(result, s, task);
                if (pair != null && (bestPair == null || pair[1].gain(bestPair[1]) > 0)) {
                    best = s;
                    bestPair = pair;
                }
            }
            if (bestPair != null) {
                double g = bestPair[0].gain(bestPair[1]);
                String evidence = String.format(Locale.ROOT, "%s %s against the best sibling %s's %s", bestPair[0].metric(),
                        BoundedText.number(bestPair[0].value()), best.name() != null ? best.name() : best.id(),
                        BoundedText.number(bestPair[1].value()));
                if (g > bestPair[1].tolerance()) {
                    out.add(new Symptom(BEST_AMONG_SIBLINGS, evidence));
                } else if (g < -bestPair[1].tolerance()) {
                    out.add(new Symptom(BEHIND_BEST_SIBLING, evidence));
                }
            }
        }
        if (parent != null && result.params() != null && parent.params() != null && parent.params() > 0) {
            double ratio = (double) result.params() / parent.params();
            boolean gained = gain != null && vsParent != null && gain > vsParent[1].tolerance();
            if (ratio >= BIGGER && measured && gain != null && !gained) {
                out.add(new Symptom(BIGGER_FOR_NO_GAIN, String.format(Locale.ROOT,
                        "%s× the parent's parameters (%s vs %s) without a better score", BoundedText.number(ratio),
                        BoundedText.count(result.params()), BoundedText.count(parent.params()))));
            }
            if (ratio <= SMALLER && gain != null && gain >= -vsParent[1].tolerance()) {
                out.add(new Symptom(SMALLER_AT_NO_LOSS, String.format(Locale.ROOT,
                        "%s× the parent's parameters (%s vs %s) at no loss in score", BoundedText.number(ratio),
                        BoundedText.count(result.params()), BoundedText.count(parent.params()))));
            }
        }
        if (parent != null) {
            String slower = slower(result, parent);
            if (slower != null) {
                out.add(new Symptom(SLOWER_THAN_PARENT, slower));
            }
        }
        return out;
    }

    /**
     * Slower by its FLOPs per token, not its measured training time: time varies with the machine's load,
     * and an analysis the planner reads must be a function of the results (docs/campaigns.md).
     */
    private static String slower(Experiment r, Experiment p) {
        if (r.flopsPerToken() != null && p.flopsPerToken() != null && p.flopsPerToken() > 0) {
            double ratio = r.flopsPerToken() / p.flopsPerToken();
            return ratio >= SLOWER ? String.format(Locale.ROOT, "%s× the parent's FLOPs per token (%s vs %s)",
                    BoundedText.number(ratio), BoundedText.number(r.flopsPerToken()),
                    BoundedText.number(p.flopsPerToken())) : null;
        }
        return null;
    }

    /** The symptoms of the result on its own, then its family diagnoses. */
    static List<Symptom> all(Experiment result, Experiment parent, List<Experiment> siblings, String task) {
        List<Symptom> out = new ArrayList<>(Symptoms.of(result));
        out.addAll(family(result, parent, siblings, task));
        return out;
    }
}
