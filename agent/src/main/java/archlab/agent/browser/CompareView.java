package archlab.agent.browser;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Two or more campaigns side by side: best fitness so far on one chart, and their leaderboards. */
final class CompareView {
    private static final int TOP = 10;

    private CompareView() {
    }

    record Entry(String id, String label, String stage, Double fitness, Long params) {
    }

    /** @param legend the name, told apart (start time and id) from another campaign of the same name */
    record Side(String campaign, String name, String legend, String status, int experiments, List<double[]> bestSoFar,
                List<Entry> leaderboard) {
    }

    record Comparison(List<Side> campaigns) {
    }

    static Comparison data(List<BrowsedCampaign> chosen) {
        List<Side> sides = new ArrayList<>();
        java.util.Map<String, Long> names = chosen.stream().collect(java.util.stream.Collectors.groupingBy(
                bc -> bc.campaign().name(), java.util.stream.Collectors.counting()));
        for (BrowsedCampaign bc : chosen) {
            String legend = bc.campaign().name();
            if (names.get(legend) > 1) {
                legend += " (started " + Html.time(bc.campaign().createdAt()) + ", " + bc.slug() + ")";
            }
            List<String> stages = OverviewView.stageNames(bc.campaign().config());
            List<ExperimentRow> finished = new ArrayList<>();
            List<ExperimentRow> ranked = new ArrayList<>();
            for (ExperimentRow r : bc.index().rows()) {
                if (!r.baseline() && r.status().isMeasured()) {
                    finished.add(r);
                }
                if (r.ranked()) {
                    ranked.add(r);
                }
            }
            finished.sort(Comparator.comparing(ExperimentRow::updatedAt, Comparator.nullsLast(Comparator.naturalOrder()))
                    .thenComparing(ExperimentRow::id));
            List<double[]> curve = new ArrayList<>();
            double best = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < finished.size(); i++) {
                // the first stage: every design was scored there, against the same baseline (StageScores)
                Double f = finished.get(i).progressFitness(stages);
                if (f != null && f > best) {
                    best = f;
                    curve.add(new double[] {i + 1, best});
                }
            }
            if (!curve.isEmpty()) {
                curve.add(new double[] {finished.size(), best});
            }
            ranked.sort(archlab.knowledge.store.StageScores.ranking(stages, ExperimentRow::stage, ExperimentRow::fitness,
                    ExperimentRow::id));
            sides.add(new Side(bc.slug(), bc.campaign().name(), legend, bc.campaign().status().name().toLowerCase(java.util.Locale.ROOT),
                    bc.index().size(), curve, ranked.stream().limit(TOP)
                    .map(r -> new Entry(r.id(), r.label(), r.stage(), r.fitness(), r.params())).toList()));
        }
        return new Comparison(sides);
    }

    static String html(List<BrowsedCampaign> all, List<String> chosen, Comparison c) {
        StringBuilder h = new StringBuilder("<h1>Compare campaigns</h1><form class=\"filters\" method=\"get\" action=\"/compare\">");
        for (BrowsedCampaign bc : all) {
            h.append("<label><input type=\"checkbox\" name=\"c\" value=\"").append(Html.esc(bc.slug())).append('"')
                    .append(chosen.contains(bc.slug()) ? " checked" : "").append("> ").append(Html.esc(bc.campaign().name()))
                    .append(" <span class=\"muted\">(").append(Html.esc(bc.slug())).append(")</span></label>");
        }
        h.append("<button type=\"submit\">compare</button></form>");
        if (c.campaigns().isEmpty()) {
            return h.append("<p>Choose two or more campaigns.</p>").toString();
        }
        SvgChart chart = new SvgChart("Best fitness so far at each campaign's first stage", "experiments finished",
                "first-stage fitness").cssClass("chart compare");
        int i = 0;
        for (Side s : c.campaigns()) {
            chart.add(new SvgChart.Series(s.legend(), SvgChart.PALETTE[i++ % SvgChart.PALETTE.length], SvgChart.Style.STEP,
                    s.bestSoFar().stream().map(p -> new SvgChart.Point(p[0], p[1])).toList()));
        }
        h.append("<figure id=\"compare-chart\">").append(chart.render(760, 340)).append("</figure><section class=\"columns\">");
        for (Side s : c.campaigns()) {
            String base = "/c/" + Html.url(s.campaign());
            h.append("<div class=\"leaderboard\"><h2><a href=\"").append(base).append("\">").append(Html.esc(s.legend()))
                    .append("</a></h2><p class=\"muted\">").append(Html.esc(s.status())).append(" · ").append(s.experiments())
                    .append(" experiments</p><table class=\"grid\"><thead><tr><th>#</th><th>experiment</th><th>stage</th>")
                    .append("<th>fitness</th><th>params</th></tr></thead><tbody>");
            int rank = 0;
            for (Entry e : s.leaderboard()) {
                h.append("<tr><td>").append(++rank).append("</td><td><a href=\"").append(base).append("/e/")
                        .append(Html.url(e.id())).append("\">").append(Html.esc(e.label())).append("</a></td><td>")
                        .append(Html.esc(e.stage())).append("</td><td class=\"num\">").append(Html.number(e.fitness()))
                        .append("</td><td class=\"num\">").append(Html.count(e.params())).append("</td></tr>");
            }
            h.append("</tbody></table></div>");
        }
        return h.append("</section>").toString();
    }
}
