package archlab.agent.browser;

import archlab.agent.search.RankQuality;
import archlab.knowledge.store.BudgetUse;
import archlab.knowledge.store.StageScores;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.LlmCalls;
import archlab.knowledge.store.ValuePrediction;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The campaign overview: status, budget, best so far, the Pareto front, counts and the value model's quality. */
final class OverviewView {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** At most this many dots per chart; more would make a page of megabytes without showing more. */
    static final int MAX_DOTS = 2500;

    private OverviewView() {
    }

    /** Where the Pareto chart puts cost: parameters or FLOPs per token. */
    enum Cost { PARAMS, FLOPS }

    record Point(String id, String label, double x, double y) {
    }

    record Overview(String id, String name, String status, String policy, String createdAt, String updatedAt,
                    JsonNode budgets, JsonNode spend, List<String> stages, int experiments,
                    Map<String, Long> byStatus, Map<String, Long> failureKinds, Best best, List<Best> leaderboard,
                    List<Point> bestSoFar, String paretoCost, List<Point> pareto, List<Point> paretoFront,
                    Ranking valueModel, LlmCalls.Spend llm) {
    }

    /** @param against the metric against the baseline at the same stage ({@link StageScores.Score#againstBaseline}) */
    record Best(String id, String label, String stage, Double fitness, Long params, String title, String against) {
        static Best of(ExperimentRow r, archlab.knowledge.store.Store store) {
            // ten rows a page: reading their extra by key costs nothing next to keeping it for 100,000 rows
            StageScores.Score s = store.experiments().find(r.id()).map(e -> StageScores.of(e.extra()).get(r.stage()))
                    .orElse(null);
            return new Best(r.id(), r.label(), r.stage(), r.fitness(), r.params(), r.title(),
                    s == null ? null : s.againstBaseline());
        }
    }

    /** Kendall's tau and Spearman's rho of the value model's forecasts against the results (prequential). */
    record Ranking(int pairs, Double kendallTau, Double spearmanRho) {
    }

    /**
     * The overview, computed once per snapshot of the experiments (and change of the campaign row):
     * with 100,000 experiments it sorts them twice, so repeated views should not.
     */
    static Overview data(BrowsedCampaign bc, Cost cost) {
        return bc.memo("overview-" + cost, () -> compute(bc, cost));
    }

    private static Overview compute(BrowsedCampaign bc, Cost cost) {
        Campaign c = bc.campaign();
        ExperimentIndex idx = bc.index();
        List<String> stages = stageNames(c.config());
        Map<String, Long> byStatus = new TreeMap<>();
        for (ExperimentStatus s : ExperimentStatus.values()) {
            byStatus.put(s.dbValue(), 0L);
        }
        Map<String, Long> kinds = new TreeMap<>();
        List<ExperimentRow> finished = new ArrayList<>();
        List<ExperimentRow> ranked = new ArrayList<>();
        for (ExperimentRow r : idx.rows()) {
            byStatus.merge(r.status().dbValue(), 1L, Long::sum);
            if (r.status() == ExperimentStatus.FAILED || r.status() == ExperimentStatus.PARTIAL) {
                kinds.merge(r.failureKind() == null ? "unknown" : r.failureKind(), 1L, Long::sum);
            }
            if (!r.baseline() && r.status().isMeasured()) {
                finished.add(r);
            }
            if (r.ranked()) {
                ranked.add(r);
            }
        }
        // A later fidelity stage outranks an earlier one (more steps and seeds), as in the leaderboard.
        ranked.sort(StageScores.ranking(stages, ExperimentRow::stage, ExperimentRow::fitness, ExperimentRow::id));
        List<Best> board = ranked.stream().limit(10).map(r -> Best.of(r, bc.store())).toList();

        finished.sort(Comparator.comparing(ExperimentRow::updatedAt, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(ExperimentRow::id));
        List<Point> order = new ArrayList<>();
        for (int i = 0; i < finished.size(); i++) {
            ExperimentRow r = finished.get(i);
            // progress is drawn at the first stage, where every design was scored against the same baseline
            Double first = r.progressFitness(stages);
            order.add(new Point(r.id(), r.label(), i + 1, first == null ? Double.NaN : first));
        }

        List<Point> all = new ArrayList<>();
        for (ExperimentRow r : ranked) {
            Double x = cost == Cost.FLOPS ? r.flopsPerToken() : r.params() == null ? null : r.params().doubleValue();
            if (x != null && x > 0) {
                all.add(new Point(r.id(), r.label(), x, r.fitness()));
            }
        }
        // With one cost the front is a sweep: cheapest first, keep each design that beats every cheaper one.
        List<Point> byCost = new ArrayList<>(all);
        byCost.sort(Comparator.comparingDouble(Point::x).thenComparing(Point::y, Comparator.reverseOrder()));
        List<Point> front = new ArrayList<>();
        double bestY = Double.NEGATIVE_INFINITY;
        for (Point p : byCost) {
            if (p.y() > bestY) {
                front.add(p);
                bestY = p.y();
            }
        }

        Ranking ranking = null;
        List<ValuePrediction> predictions = bc.store().searchStats().predictions(bc.campaignId()).stream()
                .filter(p -> p.fitness() != null && Double.isFinite(p.fitness())).toList();
        if (!predictions.isEmpty()) {
            RankQuality q = RankQuality.of(predictions.stream().mapToDouble(ValuePrediction::predictedMean).toArray(),
                    predictions.stream().mapToDouble(ValuePrediction::fitness).toArray());
            ranking = new Ranking(q.pairs(), finite(q.kendallTau()), finite(q.spearmanRho()));
        }
        return new Overview(bc.slug(), c.name(), c.status().name().toLowerCase(Locale.ROOT), c.policy(),
                Html.time(c.createdAt()), Html.time(c.updatedAt()), json(c.budgets()), json(c.spend()), stages,
                idx.size(), byStatus, kinds, board.isEmpty() ? null : board.get(0), board, order,
                cost.name().toLowerCase(Locale.ROOT), all, front, ranking, bc.store().llmCalls().spend(bc.campaignId()));
    }

    static String html(BrowsedCampaign bc, Overview o) {
        String base = "/c/" + Html.url(bc.slug());
        StringBuilder h = new StringBuilder();
        h.append("<h1>Campaign ").append(Html.esc(o.name())).append("</h1><div id=\"live\">");
        h.append("<section class=\"cards\">");
        card(h, "status", Html.esc(o.status()), "policy " + Html.esc(o.policy()));
        card(h, "experiments", Integer.toString(o.experiments()),
                "stages " + Html.esc(String.join(" → ", o.stages())));
        card(h, "budget spent", budget(o), "");
        if (o.best() != null) {
            card(h, "best so far", "<a href=\"" + base + "/e/" + Html.url(o.best().id()) + "\">"
                    + Html.esc(o.best().label()) + "</a>", "fitness " + Html.number(o.best().fitness()) + " at the "
                    + Html.esc(o.best().stage()) + " stage" + (o.best().against() == null ? ""
                    : "<br>" + Html.esc(o.best().against())) + "<br><small title=\"" + Html.esc(StageScores.RULE)
                    + "\">ranked by latest stage, then fitness</small>");
        } else {
            card(h, "best so far", "none yet", "");
        }
        Ranking r = o.valueModel();
        card(h, "value model ranking", r == null ? "no forecasts" : "τ " + fmt(r.kendallTau()) + " · ρ "
                + fmt(r.spearmanRho()), r == null ? "" : r.pairs() + " forecasts against results");
        h.append("</section>");

        h.append("<section class=\"charts\">");
        SvgChart best = o.stages().isEmpty() ? new SvgChart("Best fitness so far", "experiment (in the order they finished)",
                "fitness") : new SvgChart("Best fitness so far at the " + o.stages().get(0) + " stage",
                "experiment (in the order they finished)", o.stages().get(0) + "-stage fitness");
        List<SvgChart.Point> dots = new ArrayList<>();
        List<SvgChart.Point> step = new ArrayList<>();
        double b = Double.NEGATIVE_INFINITY;
        int stride = Math.max(1, o.bestSoFar().size() / MAX_DOTS);
        for (int i = 0; i < o.bestSoFar().size(); i++) {
            Point p = o.bestSoFar().get(i);
            if (!Double.isFinite(p.y())) {
                continue;
            }
            boolean improved = p.y() > b;
            if (improved) {
                b = p.y();
                step.add(new SvgChart.Point(p.x(), b));
            }
            if (improved || i % stride == 0) {
                dots.add(new SvgChart.Point(p.x(), p.y(), base + "/e/" + Html.url(p.id()),
                        p.label() + ": " + Html.number(p.y())));
            }
        }
        if (!step.isEmpty() && !o.bestSoFar().isEmpty()) {
            step.add(new SvgChart.Point(o.bestSoFar().size(), b));
        }
        best.add(new SvgChart.Series("each experiment", "#7aa6d6", SvgChart.Style.DOTS, dots));
        best.add(new SvgChart.Series("best so far", "#d62728", SvgChart.Style.STEP, step));
        h.append("<figure id=\"best-so-far\">").append(best.render(640, 320)).append("</figure>");

        String costLabel = o.paretoCost().equals("flops") ? "FLOPs per token (log scale)" : "parameters (log scale)";
        SvgChart pareto = new SvgChart("Pareto front: fitness against " + (o.paretoCost().equals("flops") ? "FLOPs"
                : "parameters"), costLabel, "fitness").logX(true).cssClass("chart pareto");
        java.util.Set<String> onFront = new java.util.HashSet<>();
        o.paretoFront().forEach(p -> onFront.add(p.id()));
        List<SvgChart.Point> pts = new ArrayList<>();
        int pstride = Math.max(1, o.pareto().size() / MAX_DOTS);
        for (int i = 0; i < o.pareto().size(); i++) {
            Point p = o.pareto().get(i);
            if (i % pstride == 0 && !onFront.contains(p.id())) {
                pts.add(new SvgChart.Point(p.x(), p.y(), base + "/e/" + Html.url(p.id()),
                        p.label() + ": " + Html.number(p.y())));
            }
        }
        pareto.add(new SvgChart.Series("experiments", "#7aa6d6", SvgChart.Style.DOTS, pts));
        pareto.add(new SvgChart.Series("Pareto front", "#d62728", SvgChart.Style.LINE,
                o.paretoFront().stream().map(p -> new SvgChart.Point(p.x(), p.y())).toList()));
        pareto.add(new SvgChart.Series("on the front (click to open)", "#d62728", SvgChart.Style.DOTS,
                o.paretoFront().stream().map(p -> new SvgChart.Point(p.x(), p.y(), base + "/e/" + Html.url(p.id()),
                        p.label() + ": " + Html.number(p.y()))).toList()));
        h.append("<figure id=\"pareto\">").append(pareto.render(640, 320)).append("<figcaption>cost: ")
                .append(o.paretoCost().equals("flops") ? "<a href=\"" + base + "?cost=params\">parameters</a> · <b>FLOPs</b>"
                        : "<b>parameters</b> · <a href=\"" + base + "?cost=flops\">FLOPs</a>")
                .append("</figcaption></figure></section>");

        h.append("<section class=\"columns\"><div><h2>By status</h2><table class=\"counts\" id=\"status-counts\">");
        o.byStatus().forEach((k, v) -> h.append("<tr><td><a href=\"").append(base).append("/experiments?status=")
                .append(k).append("\">").append(k).append("</a></td><td class=\"num\">").append(v).append("</td></tr>"));
        h.append("</table></div><div><h2>Failures by kind</h2>");
        if (o.failureKinds().isEmpty()) {
            h.append("<p>None.</p>");
        } else {
            h.append("<table class=\"counts\" id=\"failure-counts\">");
            o.failureKinds().forEach((k, v) -> h.append("<tr><td>").append(Html.esc(k)).append("</td><td class=\"num\">")
                    .append(v).append("</td></tr>"));
            h.append("</table>");
        }
        h.append("</div><div><h2>LLM spend</h2><table class=\"counts\"><tr><td>calls</td><td class=\"num\">")
                .append(o.llm().calls()).append("</td></tr><tr><td>tokens in / out</td><td class=\"num\">")
                .append(o.llm().tokensIn()).append(" / ").append(o.llm().tokensOut())
                .append("</td></tr><tr><td>cost</td><td class=\"num\">")
                .append(String.format(Locale.ROOT, "%.4f", o.llm().cost())).append("</td></tr></table></div></section>");

        h.append("<h2>Leaderboard</h2><table class=\"grid\" id=\"leaderboard\"><thead><tr><th>#</th><th>experiment</th>")
                .append("<th>stage</th><th>fitness</th><th>against the baseline at the same stage</th><th>params</th>")
                .append("<th>hypothesis</th></tr></thead><tbody>");
        int rank = 0;
        for (Best e : o.leaderboard()) {
            h.append("<tr><td>").append(++rank).append("</td><td><a href=\"").append(base).append("/e/")
                    .append(Html.url(e.id())).append("\">").append(Html.esc(e.label())).append("</a></td><td>")
                    .append(Html.esc(e.stage())).append("</td><td class=\"num\">").append(Html.number(e.fitness()))
                    .append("</td><td>").append(e.against() == null ? "" : Html.esc(e.against()))
                    .append("</td><td class=\"num\">").append(Html.count(e.params())).append("</td><td>")
                    .append(Html.esc(e.title())).append("</td></tr>");
        }
        if (rank == 0) {
            h.append("<tr><td colspan=\"7\">No finished design yet.</td></tr>");
        }
        h.append("</tbody></table><p class=\"muted\">").append(Html.esc(StageScores.RULE)).append(".</p>");
        h.append("<p class=\"muted\">Started ").append(Html.esc(o.createdAt())).append(", last update ")
                .append(Html.esc(o.updatedAt())).append(".</p></div>");
        return h.toString();
    }

    /** Each limit with its spend, in words, overspend called out: the store's JSON keys are not for reading. */
    private static String budget(Overview o) {
        StringBuilder b = new StringBuilder();
        for (BudgetUse.Line l : BudgetUse.of(o.budgets() == null ? null : o.budgets().toString(),
                o.spend() == null ? null : o.spend().toString())) {
            b.append("<div class=\"budget-line").append(l.over() ? " over" : "").append("\">").append(Html.esc(l.text()))
                    .append("</div>");
        }
        return b.length() == 0 ? "not recorded" : b.toString();
    }

    private static void card(StringBuilder h, String label, String valueHtml, String noteHtml) {
        h.append("<div class=\"card\"><div class=\"card-label\">").append(label).append("</div><div class=\"card-value\">")
                .append(valueHtml).append("</div><div class=\"card-note\">").append(noteHtml).append("</div></div>");
    }

    private static String fmt(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static JsonNode json(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            return JSON.getNodeFactory().textNode(text);
        }
    }

    /** The stage names in order, from the campaign file; an imported campaign has none. */
    static List<String> stageNames(String config) {
        List<String> names = new ArrayList<>();
        try {
            JsonNode root = config == null ? null : new YAMLMapper().readTree(config);
            for (JsonNode s : root == null || !root.isObject() ? JSON.createArrayNode() : root.path("stages")) {
                if (s.hasNonNull("name")) {
                    names.add(s.get("name").asText());
                }
            }
        } catch (Exception e) {
            // Not a campaign file (an imported campaign): no stage order.
        }
        return names;
    }

}
