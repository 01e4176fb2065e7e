package archlab.agent.browser;

import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.StageScores;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Experiments side by side. {@code /c/C/curves?e=A&e=B&...}: the curves of any number of them on
 * one chart (held-out metric and training loss; per seed or the mean over seeds with its spread;
 * smoothing; a log axis), as W&B and TensorBoard overlay runs. {@code /c/C/pair?e=A&e=B}: two of
 * them in full: fitness at each stage against the baseline, size, hypothesis, the diff of their
 * definitions (in the graph of ops and line by line) and their curves overlaid. Experiments are
 * named as everywhere else: id, full name or short name.
 */
final class OverlayView {
    /** More series than this are not readable on one chart. */
    static final int MAX_EXPERIMENTS = 12;

    private OverlayView() {
    }

    /** How to draw: a stage (null: the first stage each has), log y, EMA smoothing in [0, 0.99], per seed or mean. */
    record Options(String stage, boolean log, double smooth, boolean mean) {
        static Options parse(Map<String, List<String>> q) {
            String smooth = TableQuery.one(q, "smooth");
            double s = 0;
            if (smooth != null) {
                try {
                    s = Double.parseDouble(smooth);
                } catch (NumberFormatException e) {
                    s = Double.NaN;
                }
                if (!(s >= 0 && s <= 0.99)) {
                    throw new BadRequest("smooth must be a number from 0 (none) to 0.99, was \"" + smooth + "\"");
                }
            }
            String seeds = TableQuery.one(q, "seeds");
            if (seeds != null && !seeds.equals("each") && !seeds.equals("mean")) {
                throw new BadRequest("seeds must be each or mean, was \"" + seeds + "\"");
            }
            String log = TableQuery.one(q, "log");
            return new Options(TableQuery.one(q, "stage"), "1".equals(log) || "true".equals(log), s,
                    "mean".equals(seeds));
        }
    }

    /** The experiments the {@code e} parameters name (repeated or comma-separated), resolved; 400 or 404 otherwise. */
    static List<ExperimentRow> chosen(BrowsedCampaign bc, Map<String, List<String>> q, int min, int max) {
        Set<String> handles = new LinkedHashSet<>();
        for (String v : q.getOrDefault("e", List.of())) {
            for (String h : v.split(",")) {
                if (!h.isBlank()) {
                    handles.add(h.strip());
                }
            }
        }
        if (handles.size() < min || handles.size() > max) {
            throw new BadRequest("e must name " + (min == max ? "exactly " + min : "from " + min + " to " + max)
                    + " experiments (ids, full names or short names such as e7), named " + handles.size());
        }
        List<ExperimentRow> out = new ArrayList<>();
        for (String h : handles) {
            ExperimentRow r = bc.index().resolve(h);
            if (r == null) {
                throw new NotFound(bc.index().notFound(h, bc.slug()));
            }
            if (out.stream().noneMatch(x -> x.id().equals(r.id()))) {
                out.add(r);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ the overlay

    static String curvesPage(BrowsedCampaign bc, List<ExperimentRow> rows, Options o) {
        String base = "/c/" + Html.url(bc.slug());
        StringBuilder h = new StringBuilder("<h1>Curves of ").append(rows.size()).append(" experiments</h1>");
        h.append("<form class=\"filters\" id=\"overlay-options\" method=\"get\" action=\"").append(base).append("/curves\">");
        for (ExperimentRow r : rows) {
            h.append("<input type=\"hidden\" name=\"e\" value=\"").append(Html.esc(r.id())).append("\">");
        }
        h.append("<label>stage <select name=\"stage\"><option value=\"\">first of each</option>");
        for (String s : OverviewView.stageNames(bc.campaign().config())) {
            h.append("<option").append(s.equals(o.stage()) ? " selected" : "").append('>').append(Html.esc(s))
                    .append("</option>");
        }
        h.append("</select></label><label>seeds <select name=\"seeds\" id=\"seeds\"><option value=\"each\"")
                .append(o.mean() ? "" : " selected").append(">each</option><option value=\"mean\"")
                .append(o.mean() ? " selected" : "").append(">mean ± spread</option></select></label>")
                .append("<label>smoothing <select name=\"smooth\" id=\"smooth\">");
        for (String s : List.of("0", "0.6", "0.8", "0.9", "0.95")) {
            h.append("<option value=\"").append(s).append('"')
                    .append(Math.abs(Double.parseDouble(s) - o.smooth()) < 1e-9 ? " selected" : "").append('>')
                    .append(s.equals("0") ? "none" : s).append("</option>");
        }
        h.append("</select></label><label><input type=\"checkbox\" name=\"log\" value=\"1\" id=\"log\"")
                .append(o.log() ? " checked" : "").append("> log y</label>")
                .append("<button type=\"submit\" id=\"redraw\">redraw</button></form>");
        h.append(charts(bc, rows, o, "overlay"));
        h.append("<table class=\"grid\" id=\"overlay-legend\"><thead><tr><th>experiment</th><th>stage</th><th>fitness</th>")
                .append("<th>params</th><th>hypothesis</th></tr></thead><tbody>");
        for (ExperimentRow r : rows) {
            h.append("<tr><td><a href=\"").append(base).append("/e/").append(Html.url(r.id())).append("\">")
                    .append(Html.esc(r.label())).append("</a></td><td>").append(Html.esc(r.stage()))
                    .append("</td><td class=\"num\">").append(Html.number(r.fitness())).append("</td><td class=\"num\">")
                    .append(Html.count(r.params())).append("</td><td>").append(Html.esc(r.title())).append("</td></tr>");
        }
        return h.append("</tbody></table>").toString();
    }

    /** The held-out metric and the training loss of {@code rows}, one colour per experiment. */
    static String charts(BrowsedCampaign bc, List<ExperimentRow> rows, Options o, String id) {
        List<Experiment> full = rows.stream().map(r -> bc.store().experiments().find(r.id()).orElse(null))
                .filter(java.util.Objects::nonNull).toList();
        String metric = full.stream().flatMap(e -> StageScores.of(e.extra()).values().stream())
                .map(StageScores.Score::metric).filter(java.util.Objects::nonNull).findFirst().orElse("loss");
        String scale = o.log() ? " (log scale)" : "";
        String smooth = o.smooth() > 0 ? String.format(Locale.ROOT, ", smoothed %.2f", o.smooth()) : "";
        SvgChart heldOut = new SvgChart("Held-out " + metric + smooth, "step", metric + scale).logY(o.log())
                .cssClass("chart curves held-out");
        SvgChart loss = new SvgChart("Training loss" + smooth, "step", "loss" + scale).logY(o.log()).cssClass("chart curves");
        int i = 0;
        for (Experiment e : full) {
            String color = SvgChart.PALETTE[i++ % SvgChart.PALETTE.length];
            List<Evaluation> evals = bc.store().evaluations().forExperiment(e.id());
            String stage = o.stage() != null && !o.stage().isBlank() ? o.stage()
                    : evals.isEmpty() ? null : evals.get(0).stage();
            List<Evaluation> at = evals.stream().filter(ev -> ev.stage().equals(stage)).toList();
            String label = label(e) + (stage == null ? "" : " · " + stage);
            add(heldOut, at, label, color, o, c -> ExperimentView.evalPoints(c, metric));
            add(loss, at, label, color, o, ExperimentView::lossPoints);
        }
        StringBuilder h = new StringBuilder("<section id=\"" + id + "\" class=\"overlay\">");
        h.append("<figure id=\"").append(id).append("-held-out\">").append(heldOut.isEmpty()
                ? "<p class=\"muted\">No held-out points recorded at this stage.</p>" : heldOut.render(760, 340))
                .append("</figure><figure id=\"").append(id).append("-loss\">").append(loss.isEmpty()
                ? "<p class=\"muted\">No training curve recorded at this stage.</p>" : loss.render(760, 340))
                .append("</figure>");
        return h.append("</section>").toString();
    }

    private static void add(SvgChart chart, List<Evaluation> evals, String label, String color, Options o,
                            java.util.function.Function<JsonNode, List<SvgChart.Point>> read) {
        List<List<SvgChart.Point>> seeds = new ArrayList<>();
        for (Evaluation ev : evals) {
            List<SvgChart.Point> pts = read.apply(ExperimentView.json(ev.curve()));
            if (!pts.isEmpty()) {
                seeds.add(pts);
            }
        }
        if (seeds.isEmpty()) {
            return;
        }
        if (!o.mean() || seeds.size() == 1) {
            for (int k = 0; k < seeds.size(); k++) {
                chart.add(new SvgChart.Series(label + (seeds.size() > 1 ? " seed " + evals.get(k).seed() : ""), color,
                        SvgChart.Style.LINE, smooth(seeds.get(k), o.smooth())));
            }
            return;
        }
        // The mean over seeds at each step they share, and the spread (lowest and highest seed) as thin lines.
        TreeMap<Double, List<Double>> byStep = new TreeMap<>();
        seeds.forEach(s -> s.forEach(p -> byStep.computeIfAbsent(p.x(), k -> new ArrayList<>()).add(p.y())));
        List<SvgChart.Point> mean = new ArrayList<>();
        List<SvgChart.Point> lo = new ArrayList<>();
        List<SvgChart.Point> hi = new ArrayList<>();
        byStep.forEach((step, ys) -> {
            if (ys.size() == seeds.size()) {
                mean.add(new SvgChart.Point(step, ys.stream().mapToDouble(Double::doubleValue).average().orElse(0)));
                lo.add(new SvgChart.Point(step, ys.stream().mapToDouble(Double::doubleValue).min().orElse(0)));
                hi.add(new SvgChart.Point(step, ys.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
            }
        });
        chart.add(new SvgChart.Series(label + " mean of " + seeds.size() + " seeds", color, SvgChart.Style.LINE,
                smooth(mean, o.smooth())));
        chart.add(new SvgChart.Series(label + " spread", color + "66", SvgChart.Style.LINE, smooth(lo, o.smooth())));
        chart.add(new SvgChart.Series(label + " spread", color + "66", SvgChart.Style.LINE, smooth(hi, o.smooth())));
    }

    /** TensorBoard's smoothing: an exponential moving average, debiased at the start. */
    static List<SvgChart.Point> smooth(List<SvgChart.Point> pts, double weight) {
        if (weight <= 0) {
            return pts;
        }
        List<SvgChart.Point> out = new ArrayList<>(pts.size());
        double last = 0;
        int n = 0;
        for (SvgChart.Point p : pts) {
            last = last * weight + (1 - weight) * p.y();
            n++;
            out.add(new SvgChart.Point(p.x(), last / (1 - Math.pow(weight, n))));
        }
        return out;
    }

    // ------------------------------------------------------------------ two side by side

    static String pairPage(BrowsedCampaign bc, ExperimentRow a, ExperimentRow b, Options o) {
        String base = "/c/" + Html.url(bc.slug());
        Experiment ea = bc.store().experiments().find(a.id()).orElseThrow(() -> new NotFound("no experiment " + a.id()));
        Experiment eb = bc.store().experiments().find(b.id()).orElseThrow(() -> new NotFound("no experiment " + b.id()));
        StringBuilder h = new StringBuilder("<h1>").append(Html.esc(a.label())).append(" against ")
                .append(Html.esc(b.label())).append("</h1>");
        h.append("<p><a href=\"").append(base).append("/pair?e=").append(Html.url(b.id())).append("&amp;e=")
                .append(Html.url(a.id())).append("\">swap</a> · <a href=\"").append(base).append("/curves?e=")
                .append(Html.url(a.id())).append("&amp;e=").append(Html.url(b.id())).append("\">curves only</a></p>");
        h.append("<table class=\"grid\" id=\"pair-table\"><thead><tr><th></th><th><a href=\"").append(base).append("/e/")
                .append(Html.url(a.id())).append("\">").append(Html.esc(a.label())).append("</a></th><th><a href=\"")
                .append(base).append("/e/").append(Html.url(b.id())).append("\">").append(Html.esc(b.label()))
                .append("</a></th></tr></thead><tbody>");
        row(h, "status", a.status().dbValue() + " at " + a.stage(), b.status().dbValue() + " at " + b.stage());
        Map<String, StageScores.Score> sa = StageScores.of(ea.extra());
        Map<String, StageScores.Score> sb = StageScores.of(eb.extra());
        Set<String> stages = new LinkedHashSet<>(sa.keySet());
        stages.addAll(sb.keySet());
        for (String s : stages) {
            row(h, "fitness at " + s, score(sa.get(s)), score(sb.get(s)));
        }
        row(h, "params", Html.count(a.params()), Html.count(b.params()));
        row(h, "FLOPs/token", a.flopsPerToken() == null ? "" : Html.count(Math.round(a.flopsPerToken())),
                b.flopsPerToken() == null ? "" : Html.count(Math.round(b.flopsPerToken())));
        row(h, "hypothesis", a.title(), b.title());
        row(h, "failure", a.failureKind(), b.failureKind());
        h.append("</tbody></table>");
        h.append("<h2>Curves</h2>").append(charts(bc, List.of(a, b), o, "pair-curves"));
        h.append("<h2>Definitions</h2>");
        if (ea.definition() == null || eb.definition() == null) {
            h.append("<p class=\"muted\">One of them has no definition recorded.</p>");
        } else {
            if (Experiment.LANGUAGE_ARCHLAB.equals(ea.definitionLanguage())
                    && Experiment.LANGUAGE_ARCHLAB.equals(eb.definitionLanguage())) {
                List<String> graph = DefinitionView.structuralDiff(ea.definition(), eb.definition());
                h.append("<h3>In the graph of ops</h3>");
                if (graph.isEmpty()) {
                    h.append("<p class=\"muted\">No structural difference.</p>");
                } else {
                    h.append("<ul class=\"graph-diff\" id=\"pair-graph-diff\">");
                    graph.forEach(l -> h.append("<li><code>").append(Html.esc(l)).append("</code></li>"));
                    h.append("</ul>");
                }
            }
            h.append("<h3>Line by line</h3><div id=\"pair-diff\">").append(DefinitionView.lineDiffHtml(
                    DefinitionView.lineDiff(ea.definition(), eb.definition(), a.label(), b.label()))).append("</div>");
        }
        return h.toString();
    }

    private static String score(StageScores.Score s) {
        return s == null ? "" : Html.number(s.combined()) + " · " + s.againstBaseline();
    }

    private static void row(StringBuilder h, String label, String a, String b) {
        h.append("<tr><th>").append(Html.esc(label)).append("</th><td>").append(Html.esc(a == null ? "" : a))
                .append("</td><td>").append(Html.esc(b == null ? "" : b)).append("</td></tr>");
    }

    /** What a legend calls an experiment: its full name (it pastes back), else its id. */
    private static String label(Experiment e) {
        return e.name() == null || e.name().isBlank() ? e.id() : e.name();
    }
}
