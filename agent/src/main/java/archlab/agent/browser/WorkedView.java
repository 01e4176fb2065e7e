package archlab.agent.browser;

import archlab.knowledge.store.ExperimentStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What worked: for each design move, and for each op or block an edit brought in, how often it was
 * tried, its mean change in fitness against the parent, and how often that change was positive;
 * then fitness against size and cost, one slice plot each (optuna-dashboard's slice plot). Changes
 * are measured at the first stage, where parent and child were trained alike and scored against the
 * same baseline; a child that failed counts as tried and not improved.
 */
final class WorkedView {
    private WorkedView() {
    }

    /** One move or op: tried {@code count} times, {@code improved} of them better than the parent. */
    record Effect(String name, int count, int finished, double meanDelta, int improved) {
        double successRate() {
            return count == 0 ? 0 : (double) improved / count;
        }
    }

    record Worked(String stage, List<Effect> moves, List<Effect> ops) {
    }

    static Worked data(BrowsedCampaign bc) {
        List<String> stages = OverviewView.stageNames(bc.campaign().config());
        ExperimentIndex idx = bc.index();
        Map<String, List<Double>> byMove = new TreeMap<>();
        Map<String, int[]> moveTried = new TreeMap<>();
        Map<String, List<Double>> byOp = new TreeMap<>();
        Map<String, int[]> opTried = new TreeMap<>();
        for (ExperimentRow r : idx.rows()) {
            if (r.baseline() || r.parentId() == null
                    || !r.status().isMeasured()) {
                continue;
            }
            ExperimentRow parent = idx.find(r.parentId());
            if (parent == null) {
                continue;
            }
            Double child = r.status() == ExperimentStatus.DONE ? r.progressFitness(stages) : null;
            // The baseline defines each stage's fitness and is not scored itself: by definition it sits at
            // 0.5, where a zero relative change lands (docs/fitness.md).
            Double before = parent.baseline() ? Double.valueOf(0.5) : parent.progressFitness(stages);
            Double delta = child != null && before != null ? child - before : null;
            String move = r.move() == null ? "(no move: seed, injected or imported)" : r.move();
            tally(byMove, moveTried, move, delta);
            for (String op : r.calls()) {
                if (!parent.calls().contains(op)) {
                    tally(byOp, opTried, op, delta);
                }
            }
        }
        return new Worked(stages.isEmpty() ? null : stages.get(0), effects(byMove, moveTried), effects(byOp, opTried));
    }

    private static void tally(Map<String, List<Double>> deltas, Map<String, int[]> tried, String key, Double delta) {
        tried.computeIfAbsent(key, k -> new int[2])[0]++;
        if (delta != null) {
            deltas.computeIfAbsent(key, k -> new ArrayList<>()).add(delta);
            if (delta > 0) {
                tried.get(key)[1]++;
            }
        }
    }

    private static List<Effect> effects(Map<String, List<Double>> deltas, Map<String, int[]> tried) {
        List<Effect> out = new ArrayList<>();
        tried.forEach((k, t) -> {
            List<Double> d = deltas.getOrDefault(k, List.of());
            out.add(new Effect(k, t[0], d.size(), d.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN),
                    t[1]));
        });
        out.sort(Comparator.comparingDouble((Effect e) -> Double.isNaN(e.meanDelta()) ? Double.NEGATIVE_INFINITY
                : e.meanDelta()).reversed().thenComparing(Effect::name));
        return out;
    }

    static String html(BrowsedCampaign bc, Worked w) {
        String base = "/c/" + Html.url(bc.slug());
        StringBuilder h = new StringBuilder("<h1>What worked</h1><p class=\"muted\">Change in fitness against the parent")
                .append(w.stage() == null ? "" : " at the " + Html.esc(w.stage()) + " stage")
                .append(", where both were trained alike; a failed child counts as tried, not improved.</p>");
        table(h, "By design move", "moves", "move", w.moves(), null);
        table(h, "By op or block an edit brought in", "ops", "op or block", w.ops(), base + "/experiments?op=");
        h.append("<h2>Fitness against size and cost</h2><section class=\"charts\" id=\"slices\">");
        List<String> stages = OverviewView.stageNames(bc.campaign().config());
        h.append(slice(bc, "parameters", r -> r.params() == null ? null : r.params().doubleValue(), stages, "slice-params"));
        h.append(slice(bc, "FLOPs per token", ExperimentRow::flopsPerToken, stages, "slice-flops"));
        return h.append("</section>").toString();
    }

    private static void table(StringBuilder h, String title, String id, String what, List<Effect> rows, String link) {
        h.append("<h2>").append(title).append("</h2><table class=\"grid\" id=\"worked-").append(id)
                .append("\"><thead><tr><th>").append(what).append("</th><th>tried</th><th>finished</th>")
                .append("<th>mean Δ fitness</th><th>better than the parent</th></tr></thead><tbody>");
        for (Effect e : rows) {
            h.append("<tr><td>");
            if (link != null) {
                h.append("<a href=\"").append(link).append(Html.url(e.name())).append("\"><code>").append(Html.esc(e.name()))
                        .append("</code></a>");
            } else {
                h.append(Html.esc(e.name()));
            }
            h.append("</td><td class=\"num\">").append(e.count()).append("</td><td class=\"num\">").append(e.finished())
                    .append("</td><td class=\"num ").append(e.meanDelta() > 0 ? "up" : e.meanDelta() < 0 ? "down" : "")
                    .append("\">").append(Double.isNaN(e.meanDelta()) ? "" : String.format(Locale.ROOT, "%+.4f", e.meanDelta()))
                    .append("</td><td class=\"num\">").append(e.improved()).append(" of ").append(e.count())
                    .append(String.format(Locale.ROOT, " (%.0f %%)", 100 * e.successRate())).append("</td></tr>");
        }
        if (rows.isEmpty()) {
            h.append("<tr><td colspan=\"5\">No child has finished yet.</td></tr>");
        }
        h.append("</tbody></table>");
    }

    private static String slice(BrowsedCampaign bc, String what, java.util.function.Function<ExperimentRow, Double> x,
                                List<String> stages, String id) {
        String base = "/c/" + Html.url(bc.slug());
        SvgChart chart = new SvgChart("Fitness against " + what, what + " (log scale)",
                stages.isEmpty() ? "fitness" : stages.get(0) + "-stage fitness").logX(true).cssClass("chart slice");
        List<SvgChart.Point> pts = new ArrayList<>();
        // at most about 2,000 dots: beyond that they merge, and a page of 100,000 would be megabytes
        int stride = Math.max(1, bc.index().size() / 2000);
        int i = 0;
        for (ExperimentRow r : bc.index().rows()) {
            if (i++ % stride != 0) {
                continue;
            }
            Double xv = x.apply(r);
            Double y = r.baseline() ? null : r.progressFitness(stages);
            if (xv != null && xv > 0 && y != null) {
                pts.add(new SvgChart.Point(xv, y, base + "/e/" + Html.url(r.id()), r.label() + ": " + Html.number(y)));
            }
        }
        chart.add(new SvgChart.Series("experiments", "#1f77b4", SvgChart.Style.DOTS, pts));
        return "<figure id=\"" + id + "\">" + chart.render(560, 300) + "</figure>";
    }
}
