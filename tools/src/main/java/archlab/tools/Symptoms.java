package archlab.tools;

import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rule-based reading of one experiment's failure, metrics and curves. Each rule is written out below with
 * its threshold; docs/tools.md lists them. Comparisons with other experiments (parent, siblings) are the
 * analyst's business, not this class's: these are the facts one result shows on its own.
 */
public final class Symptoms {
    public static final String INVALID_DEFINITION = "invalid-definition";
    public static final String DIVERGED_DURING_WARMUP = "diverged-during-warmup";
    public static final String DIVERGED_AFTER_WARMUP = "diverged-after-warmup";
    public static final String DIVERGED = "diverged";
    public static final String NAN = "nan";
    public static final String OUT_OF_MEMORY = "out-of-memory";
    public static final String TIMED_OUT = "timed-out";
    public static final String CRASHED = "crashed";
    /** The causality probe saw an output depend on a later token, or differ on a prefix: never trained. */
    public static final String NON_CAUSAL = "non-causal";
    public static final String FAILED = "failed";
    public static final String NO_LEARNING = "no-learning";
    public static final String PLATEAU = "plateau";
    public static final String STILL_IMPROVING = "still-improving";
    public static final String OVERFITTING = "overfitting";
    public static final String LOSS_SPIKES = "loss-spikes";
    public static final String RECALL_LOW = "recall-low";
    public static final String RECALL_SOLVED = "recall-solved";
    public static final String RECALL_FALLS_WITH_LENGTH = "recall-falls-with-length";
    public static final String RECALL_FALLS_WITH_GAP = "recall-falls-with-gap";

    /** Every label these rules can give, in the order they are reported. */
    public static final List<String> LABELS = List.of(INVALID_DEFINITION, DIVERGED_DURING_WARMUP,
            DIVERGED_AFTER_WARMUP, DIVERGED, NAN, OUT_OF_MEMORY, TIMED_OUT, CRASHED, NON_CAUSAL, FAILED, NO_LEARNING, PLATEAU,
            STILL_IMPROVING, OVERFITTING, LOSS_SPIKES, RECALL_LOW, RECALL_SOLVED, RECALL_FALLS_WITH_LENGTH,
            RECALL_FALLS_WITH_GAP);

    /** Tasks whose accuracy is recall: the fraction of queried keys whose value came back. */
    private static final List<String> RECALL_TASKS = List.of("mqar");
    /** Metric names that break recall down by a length or a gap, such as {@code accuracy_len_256} or {@code recall@gap=64}. */
    private static final Pattern BREAKDOWN = Pattern.compile(
            "(?i)^(?:accuracy|acc|recall)[_@/.-]?(?:by[_-])?(len|length|seq_len|gap|distance)[_=@/.-]?(\\d+)$");
    private static final Pattern STEP = Pattern.compile("at step (\\d+)");
    private static final Pattern NON_FINITE = Pattern.compile("(?i)\\bnan\\b|\\binf(inity)?\\b");

    private Symptoms() {
    }

    public static List<Symptom> of(Experiment e) {
        return of(e, Measurements.of(e));
    }

    /** The symptoms of an experiment, in {@link #LABELS} order, each label at most once. */
    public static List<Symptom> of(Experiment e, Measurements m) {
        Map<String, Symptom> found = new TreeMap<>((a, b) -> Integer.compare(LABELS.indexOf(a), LABELS.indexOf(b)));
        if (Experiment.CHECK_INVALID.equals(e.definitionCheck())) {
            add(found, INVALID_DEFINITION, "the definition does not check: "
                    + BoundedText.clip(firstLine(e.definitionErrors()), 200));
        }
        boolean diverged = failure(e, m, found);
        for (String task : m.tasks()) {
            String where = m.tasks().size() > 1 ? " on " + task : "";
            List<Measurements.Point> curve = m.curve(task);
            if (!diverged && curve.size() >= 3) {
                curveShape(task, where, CurveSummary.of(curve), m, found);
            }
            recall(task, where, m, found);
        }
        return List.copyOf(found.values());
    }

    /**
     * A sentence saying that a recall task reported only its overall accuracy, so recall by gap or length
     * cannot be read from this run; null when the task is not a recall task or does report a breakdown.
     */
    public static String recallBreakdownNote(String task, Measurements m) {
        if (!RECALL_TASKS.contains(task) || !m.metrics().containsKey(task)) {
            return null;
        }
        boolean any = m.metrics().get(task).keySet().stream().anyMatch(k -> BREAKDOWN.matcher(k).matches());
        return any ? null : task + " reports only its overall accuracy and loss, not accuracy by gap or sequence"
                + " length, so whether recall falls with distance cannot be read from this run";
    }

    // ---- failures

    /** Adds the failure's symptoms; true when the run diverged (its curve is then cut short). */
    private static boolean failure(Experiment e, Measurements m, Map<String, Symptom> found) {
        String kind = e.failureKind();
        String message = e.failureMessage() == null ? "" : e.failureMessage();
        boolean nonFinite = NON_FINITE.matcher(message).find()
                || m.curves().values().stream().flatMap(List::stream).anyMatch(p -> !Double.isFinite(p.loss()));
        if (kind == null) {
            if (e.status() == ExperimentStatus.FAILED && !found.containsKey(INVALID_DEFINITION)) {
                add(found, FAILED, "the experiment failed without a recorded reason");
            }
            return false;
        }
        switch (kind) {
            case "diverged" -> {
                diverged(message, m, found);
                if (nonFinite) {
                    add(found, NAN, "the loss or its gradient became non-finite (NaN or infinity)");
                }
                return true;
            }
            case "invalid_definition" -> add(found, INVALID_DEFINITION, "the sandbox rejected the definition: "
                    + BoundedText.clip(message, 200));
            case "oom" -> add(found, OUT_OF_MEMORY, "the run was stopped for using too much memory: "
                    + BoundedText.clip(message, 160));
            case "timeout" -> add(found, TIMED_OUT, "the run hit its wall-clock limit: " + BoundedText.clip(message, 160));
            case "crash" -> add(found, CRASHED, "the worker process crashed: " + BoundedText.clip(message, 160));
            case "non_causal" -> add(found, NON_CAUSAL, "the causality probe found the output reading later tokens,"
                    + " so it was never trained: " + BoundedText.clip(message, 200));
            default -> add(found, FAILED, "the run failed (" + kind + "): " + BoundedText.clip(message, 160));
        }
        return false;
    }

    private static void diverged(String message, Measurements m, Map<String, Symptom> found) {
        Integer step = null;
        Matcher s = STEP.matcher(message);
        if (s.find()) {
            step = Integer.parseInt(s.group(1));
        }
        CurveSummary curve = null;
        for (List<Measurements.Point> points : m.curves().values()) {
            if (!points.isEmpty()) {
                curve = CurveSummary.of(points);
                break;
            }
        }
        if (step == null && curve != null) {
            step = curve.lastStep();
        }
        String what = BoundedText.clip(message.isBlank() ? "the loss blew up" : message, 160);
        if (curve == null || step == null || (curve.warmupEndStep() == null && !curve.warmupUnfinished())) {
            add(found, DIVERGED, "training diverged (" + what + "); the curve does not say where warmup ended");
        } else if (curve.warmupUnfinished() || step <= curve.warmupEndStep()) {
            add(found, DIVERGED_DURING_WARMUP, String.format(Locale.ROOT,
                    "training diverged at step %d, while the learning rate was still warming up%s (%s)", step,
                    curve.warmupEndStep() == null ? "" : " (peak at step " + curve.warmupEndStep() + ")", what));
        } else {
            add(found, DIVERGED_AFTER_WARMUP, String.format(Locale.ROOT,
                    "training diverged at step %d, after warmup ended at step %d with the peak learning rate %s (%s)",
                    step, curve.warmupEndStep(), BoundedText.number(curve.peakLr()), what));
        }
    }

    // ---- the shape of the curve

    private static void curveShape(String task, String where, CurveSummary c, Measurements m,
                                   Map<String, Symptom> found) {
        double drop = c.firstLoss() == 0 ? 0 : (c.firstLoss() - c.lastLoss()) / Math.abs(c.firstLoss());
        PrimaryMetric primary = PrimaryMetric.of(task, metricNames(task, m, c));
        Double score = finalScore(task, primary, m, c);
        if (drop < 0.03) {
            add(found, NO_LEARNING, String.format(Locale.ROOT,
                    "the training loss%s went from %s to %s over %d steps: it did not learn", where,
                    BoundedText.number(c.firstLoss()), BoundedText.number(c.lastLoss()), c.lastStep()));
        } else if (c.points() >= 6 && c.secondHalfChange() > -0.01
                && (score == null || primary == null || !primary.higherIsBetter() || score < 0.9)) {
            add(found, PLATEAU, String.format(Locale.ROOT,
                    "the training loss%s fell from %s early on but moved only %s%% over the second half, ending at %s%s",
                    where, BoundedText.number(c.firstLoss()), BoundedText.number(100 * c.secondHalfChange()),
                    BoundedText.number(c.lastLoss()),
                    score == null || primary == null ? "" : " with " + primary.name() + " " + BoundedText.number(score)));
        }
        String improving = improving(c, primary);
        if (improving != null && !found.containsKey(NO_LEARNING)) {
            add(found, STILL_IMPROVING, improving + where + ": more steps would likely help (undertrained)");
        }
        String loss = c.heldOut("val_loss").isEmpty() ? "loss" : "val_loss";
        List<Double> heldOut = c.heldOut(loss);
        if (heldOut.size() >= 3) {
            int best = 0;
            for (int i = 1; i < heldOut.size(); i++) {
                if (heldOut.get(i) < heldOut.get(best)) {
                    best = i;
                }
            }
            double last = heldOut.get(heldOut.size() - 1);
            double trainAtBest = c.evals().get(best).loss();
            if (best < heldOut.size() - 1 && last > 1.05 * heldOut.get(best) && c.lastLoss() < trainAtBest) {
                add(found, OVERFITTING, String.format(Locale.ROOT,
                        "the held-out %s%s rose from its best %s at step %d to %s while the training loss kept"
                                + " falling (%s → %s)", loss, where, BoundedText.number(heldOut.get(best)),
                        c.evals().get(best).step(), BoundedText.number(last), BoundedText.number(trainAtBest),
                        BoundedText.number(c.lastLoss())));
            }
        }
        if (c.spikes() > 0) {
            add(found, LOSS_SPIKES, String.format(Locale.ROOT, "the training loss%s spiked %d time%s (a jump above"
                    + " 1.5× the previous point)", where, c.spikes(), c.spikes() == 1 ? "" : "s"));
        }
    }

    /** The evidence that the run was still improving when it stopped, or null. */
    private static String improving(CurveSummary c, PrimaryMetric primary) {
        // Both relative to where the tail starts and to the whole drop: a loss creeping from 0.13 to 0.11 is
        // -15 % but a finished run; 3 % of the learning still happening in the last fifth is not.
        if (c.points() >= 5 && c.tailChange() < -0.03 && c.tailShare() > 0.03) {
            return String.format(Locale.ROOT, "the training loss fell %s%% over the last fifth of the run (%s%% of"
                    + " its whole drop)", BoundedText.number(-100 * c.tailChange()),
                    BoundedText.number(100 * c.tailShare()));
        }
        if (primary != null) {
            List<Double> evals = c.heldOut(primary.name());
            if (evals.size() >= 2) {
                double a = evals.get(evals.size() - 2);
                double b = evals.get(evals.size() - 1);
                double gain = primary.gain(b, a);
                double enough = primary.higherIsBetter() ? 0.02 : 0.02 * Math.abs(a);
                if (gain >= enough) {
                    return String.format(Locale.ROOT, "held-out %s still improved from %s to %s between the last two"
                            + " evaluations", primary.name(), BoundedText.number(a), BoundedText.number(b));
                }
            }
        }
        return null;
    }

    // ---- recall

    private static void recall(String task, String where, Measurements m, Map<String, Symptom> found) {
        Map<String, Double> metrics = m.metrics().getOrDefault(task, Map.of());
        if (RECALL_TASKS.contains(task)) {
            Double acc = metrics.get("accuracy");
            if (acc == null && !m.curve(task).isEmpty()) {
                acc = CurveSummary.of(m.curve(task)).lastEval().get("accuracy");
            }
            if (acc != null && acc < 0.5) {
                add(found, RECALL_LOW, String.format(Locale.ROOT,
                        "%s accuracy is %s: fewer than half of the queried keys get their value back", task,
                        BoundedText.number(acc)));
            } else if (acc != null && acc >= 0.95) {
                add(found, RECALL_SOLVED, String.format(Locale.ROOT, "%s accuracy is %s: recall is essentially solved"
                        + " at this setting", task, BoundedText.number(acc)));
            }
        }
        Map<String, TreeMap<Integer, Double>> series = new TreeMap<>();
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            Matcher b = BREAKDOWN.matcher(e.getKey());
            if (b.matches()) {
                String axis = b.group(1).toLowerCase(Locale.ROOT).startsWith("gap")
                        || b.group(1).equalsIgnoreCase("distance") ? "gap" : "length";
                series.computeIfAbsent(axis, k -> new TreeMap<>()).put(Integer.parseInt(b.group(2)), e.getValue());
            }
        }
        for (Map.Entry<String, TreeMap<Integer, Double>> s : series.entrySet()) {
            TreeMap<Integer, Double> byX = s.getValue();
            if (byX.size() >= 2 && byX.firstEntry().getValue() - byX.lastEntry().getValue() > 0.1) {
                add(found, s.getKey().equals("gap") ? RECALL_FALLS_WITH_GAP : RECALL_FALLS_WITH_LENGTH,
                        String.format(Locale.ROOT, "recall%s falls from %s at %s %d to %s at %s %d", where,
                                BoundedText.number(byX.firstEntry().getValue()), s.getKey(), byX.firstKey(),
                                BoundedText.number(byX.lastEntry().getValue()), s.getKey(), byX.lastKey()));
            }
        }
    }

    // ---- small parts

    private static java.util.Set<String> metricNames(String task, Measurements m, CurveSummary c) {
        java.util.Set<String> names = new java.util.TreeSet<>(m.metrics().getOrDefault(task, Map.of()).keySet());
        names.addAll(c.lastEval().keySet());
        return names;
    }

    private static Double finalScore(String task, PrimaryMetric p, Measurements m, CurveSummary c) {
        if (p == null) {
            return null;
        }
        Double v = m.metric(task, p.name());
        return v != null ? v : c.lastEval().get(p.name());
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    private static void add(Map<String, Symptom> found, String label, String evidence) {
        found.putIfAbsent(label, new Symptom(label, evidence));
    }
}
