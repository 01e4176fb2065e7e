package archlab.agent.campaign;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the budget affords at the measured speed of the first stage: about how many more exploring
 * runs, and what each later stage will cost. When the later stages would not fit in the time left, or would leave exploration fewer than
 * {@link #minChildren} children in all, they are scaled down (promotion first, then seeds, then steps)
 * until it gets them, and the plan says what was changed and what budget would keep the original.
 *
 * @param runSeconds  the first stage's median run time, which everything is estimated from
 * @param exploreRuns about how many more exploring runs the budget affords (null: no limit binds)
 * @param later       the later stages as planned (scaled where {@link #scaled} is non-empty)
 * @param scaled      the later stages as the file had them, where the plan changed them
 * @param keepBudget  the wall clock, in seconds, that would afford the stages unscaled (0 when nothing was scaled)
 */
record BudgetPlan(double runSeconds, int slots, Integer exploreRuns, List<Later> later, List<Later> scaled,
                  double keepBudget) {

    /** One later stage's cost: designs promoted (the baseline not counted) × seeds × steps. */
    record Later(CampaignConfig.Stage stage, int designs, int steps, double seconds) {
    }

    /**
     * Later stages run beside the first stage's tail and a cold worker's start: their estimate is padded
     * by this factor, so that they end before the deadline rather than at it.
     */
    static final double MARGIN = 1.25;

    /** The fewest children exploration must afford before the later stages are scaled down. */
    static int minChildren(int slots) {
        return Math.max(4, 2 * slots);
    }

    /**
     * @param trained   experiments trained so far (children, the baseline not counted)
     * @param wallSpent wall-clock seconds spent so far, in all sessions
     */
    static BudgetPlan of(CampaignConfig c, double runSeconds, int slots, int defaultSteps, long trained,
                         double wallSpent) {
        List<CampaignConfig.Stage> stages = new ArrayList<>(c.stages().subList(1, c.stages().size()));
        CampaignConfig.Budget b = c.budget();
        Integer runs = affordable(c, stages, runSeconds, slots, defaultSteps, trained, wallSpent);
        List<CampaignConfig.Stage> original = List.copyOf(stages);
        int min = minChildren(slots);
        boolean scaledAny = false;
        while (b.wallClock() != null && runs != null && !stages.isEmpty()
                && (trained + runs < min || slack(c, stages, runSeconds, slots, defaultSteps, wallSpent) < 0)) {
            int last = stages.size() - 1;
            // the last stage first: it is the most expensive per design and the least used by the search
            CampaignConfig.Stage smaller = null;
            for (int i = last; i >= 0 && smaller == null; i--) {
                smaller = smaller(stages.get(i), c.stages().get(0), defaultSteps);
                if (smaller != null) {
                    stages.set(i, smaller);
                }
            }
            if (smaller == null) {
                break;
            }
            scaledAny = true;
            runs = affordable(c, stages, runSeconds, slots, defaultSteps, trained, wallSpent);
        }
        List<Later> later = stages.stream().map(s -> later(s, c.stages().get(0), runSeconds, slots, defaultSteps)).toList();
        List<Later> was = original.stream().map(s -> later(s, c.stages().get(0), runSeconds, slots, defaultSteps)).toList();
        double keep = !scaledAny ? 0 : wallSpent + was.stream().mapToDouble(Later::seconds).sum()
                + Math.max(0, min - trained) * runSeconds / slots;
        return new BudgetPlan(runSeconds, slots, runs, later, scaledAny ? was : List.of(), keep);
    }

    /** The later stages as planned, to put in force when the plan scaled them. */
    List<CampaignConfig.Stage> stages() {
        return later.stream().map(Later::stage).toList();
    }

    boolean isScaled() {
        return !scaled.isEmpty();
    }

    /** "at the measured 42 s per explore run, the budget affords about 30 more explore runs, then verify (...)". */
    String text(String firstStage) {
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "at the measured %s per %s run (%d slot%s), ",
                seconds(runSeconds), firstStage, slots, slots == 1 ? "" : "s"));
        t.append(exploreRuns == null ? "no limit binds exploration"
                : "the budget affords about " + exploreRuns + " more " + firstStage + " run" + (exploreRuns == 1 ? "" : "s"));
        for (Later l : later) {
            t.append(String.format(Locale.ROOT, ", then %s (%d design%s + the baseline × %d seed%s × %,d steps ≈ %s)",
                    l.stage().name(), l.designs(), l.designs() == 1 ? "" : "s", l.stage().seeds(),
                    l.stage().seeds() == 1 ? "" : "s", l.steps(), seconds(l.seconds())));
        }
        if (isScaled()) {
            List<String> was = new ArrayList<>();
            for (Later l : scaled) {
                was.add(String.format(Locale.ROOT, "%s had top %d × %d seed%s × %,d steps", l.stage().name(), l.designs(),
                        l.stage().seeds(), l.stage().seeds() == 1 ? "" : "s", l.steps()));
            }
            t.append("; scaled down so that it fits and exploring affords at least ").append(minChildren(slots))
                    .append(" children in all (").append(String.join(", ", was)).append("); to keep them, raise budget.wall_clock to about ")
                    .append(CampaignSpend.text(java.time.Duration.ofSeconds((long) Math.ceil(keepBudget / 60) * 60)));
        }
        return t.toString();
    }

    /** Wall-clock seconds left once the later stages are paid for; negative when they do not fit. */
    private static double slack(CampaignConfig c, List<CampaignConfig.Stage> later, double runSeconds, int slots,
                                int defaultSteps, double wallSpent) {
        List<CampaignConfig.Stage> all = new ArrayList<>(List.of(c.stages().get(0)));
        all.addAll(later);
        return c.budget().wallClock().toSeconds() - wallSpent - reserve(all, runSeconds, slots, defaultSteps);
    }

    private static Integer affordable(CampaignConfig c, List<CampaignConfig.Stage> later, double runSeconds, int slots,
                                      int defaultSteps, long trained, double wallSpent) {
        CampaignConfig.Budget b = c.budget();
        Integer byExperiments = b.experiments() == null ? null : (int) Math.max(0, b.experiments() - trained);
        if (b.wallClock() == null) {
            return byExperiments;
        }
        double left = slack(c, later, runSeconds, slots, defaultSteps, wallSpent);
        int byClock = (int) Math.max(0, Math.floor(left * slots / Math.max(1e-9, runSeconds)));
        return byExperiments == null ? byClock : Math.min(byClock, byExperiments);
    }

    /** The time the later stages need, as the campaign reserves it: runs scale with steps and share the slots. */
    static double reserve(List<CampaignConfig.Stage> stages, double runSeconds, int slots, int defaultSteps) {
        return stages.subList(1, stages.size()).stream()
                .mapToDouble(s -> later(s, stages.get(0), runSeconds, slots, defaultSteps).seconds()).sum();
    }

    private static Later later(CampaignConfig.Stage s, CampaignConfig.Stage first, double runSeconds, int slots,
                               int defaultSteps) {
        int firstSteps = first.steps() > 0 ? first.steps() : defaultSteps;
        int steps = s.steps() > 0 ? s.steps() : defaultSteps;
        int designs = top(s);
        double seconds = MARGIN * runSeconds * steps / firstSteps * (designs + 1) * s.seeds() / Math.max(1, slots);
        return new Later(s, designs, steps, seconds);
    }

    static int top(CampaignConfig.Stage s) {
        return s.promote() != null && s.promote().top() > 0 ? s.promote().top() : 3;
    }

    /** One notch smaller: fewer designs promoted, then fewer seeds, then half the steps (not below the first stage's). */
    private static CampaignConfig.Stage smaller(CampaignConfig.Stage s, CampaignConfig.Stage first, int defaultSteps) {
        int top = top(s);
        Double minFitness = s.promote() == null ? null : s.promote().minFitness();
        if (top > 1) {
            return new CampaignConfig.Stage(s.name(), s.steps(), s.seeds(), s.batchSize(), s.params(),
                    new CampaignConfig.Promotion(top - 1, minFitness));
        }
        if (s.seeds() > 1) {
            return new CampaignConfig.Stage(s.name(), s.steps(), s.seeds() - 1, s.batchSize(), s.params(), s.promote());
        }
        int firstSteps = first.steps() > 0 ? first.steps() : defaultSteps;
        int steps = s.steps() > 0 ? s.steps() : defaultSteps;
        if (steps > firstSteps) {
            return new CampaignConfig.Stage(s.name(), Math.max(firstSteps, steps / 2), s.seeds(), s.batchSize(),
                    s.params(), s.promote());
        }
        return null;
    }

    private static String seconds(double s) {
        return s < 90 ? String.format(Locale.ROOT, "%.0f s", s) : String.format(Locale.ROOT, "%.1f min", s / 60);
    }
}
