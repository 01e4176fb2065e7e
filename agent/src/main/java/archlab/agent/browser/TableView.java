package archlab.agent.browser;

import archlab.knowledge.store.ExperimentStatus;
import java.util.List;
import java.util.Map;

/** The experiments table: filters, sortable columns, pages, all done on the server. */
final class TableView {
    private TableView() {
    }

    /** One row of the table API. */
    record Row(String id, String name, String parent, String status, String stage, Double fitness, Long params,
               Double flopsPerToken, String failureKind, String title, String createdAt) {
        static Row of(ExperimentRow r) {
            return new Row(r.id(), r.name(), r.parentId(), r.status().dbValue(), r.stage(), r.fitness(), r.params(),
                    r.flopsPerToken(), r.failureKind(), r.title(), r.createdAt() == null ? null : r.createdAt().toString());
        }
    }

    record Page(int total, int page, int pages, int size, String sort, String dir, List<Row> rows) {
    }

    static Page data(TableQuery q, TableQuery.Result r) {
        return new Page(r.total(), r.page(), r.pages(), q.size(), q.sort().param(), q.descending() ? "desc" : "asc",
                r.rows().stream().map(Row::of).toList());
    }

    static String html(BrowsedCampaign bc, TableQuery q, TableQuery.Result r) {
        String base = "/c/" + Html.url(bc.slug());
        ExperimentIndex idx = bc.index();
        StringBuilder h = new StringBuilder();
        h.append("<h1>Experiments</h1>");
        h.append("<form class=\"filters\" id=\"filters\" method=\"get\" action=\"").append(base).append("/experiments\">");
        h.append("<fieldset><legend>status</legend>");
        for (ExperimentStatus s : ExperimentStatus.values()) {
            h.append("<label><input type=\"checkbox\" name=\"status\" value=\"").append(s.dbValue()).append('"')
                    .append(q.statuses().contains(s) ? " checked" : "").append("> ").append(s.dbValue()).append("</label>");
        }
        h.append("</fieldset><label>stage <select name=\"stage\"><option value=\"\">any</option>");
        for (String s : idx.stages()) {
            h.append("<option").append(s.equals(q.stage()) ? " selected" : "").append(" value=\"").append(Html.esc(s))
                    .append("\">").append(Html.esc(s)).append("</option>");
        }
        h.append("</select></label><label>op or subroutine <input name=\"op\" list=\"calls\" size=\"14\" value=\"")
                .append(Html.esc(q.call())).append("\"></label><datalist id=\"calls\">");
        for (String c : idx.calls()) {
            h.append("<option value=\"").append(Html.esc(c)).append("\">");
        }
        h.append("</datalist><label>fitness from <input name=\"min\" size=\"6\" value=\"")
                .append(q.minFitness() == null ? "" : Html.number(q.minFitness()))
                .append("\"></label><label>to <input name=\"max\" size=\"6\" value=\"")
                .append(q.maxFitness() == null ? "" : Html.number(q.maxFitness()))
                .append("\"></label><label>hypothesis contains <input name=\"q\" size=\"20\" value=\"")
                .append(Html.esc(q.text())).append("\"></label>");
        if (q.sort() != TableQuery.Column.CREATED) {
            h.append("<input type=\"hidden\" name=\"sort\" value=\"").append(q.sort().param()).append("\">");
        }
        h.append("<input type=\"hidden\" name=\"dir\" value=\"").append(q.descending() ? "desc" : "asc").append("\">");
        h.append("<button type=\"submit\" id=\"apply-filters\">filter</button> <a href=\"").append(base)
                .append("/experiments\">clear</a></form>");

        h.append("<div id=\"live\"><p class=\"muted\" id=\"match-count\">").append(r.total()).append(" of ")
                .append(idx.size()).append(" experiments match · page ").append(r.page()).append(" of ")
                .append(r.pages()).append("</p>");
        // Tick experiments to overlay their curves or to compare two (a GET form: the result is a link to share).
        h.append("<form id=\"pick\" method=\"get\" action=\"").append(base).append("/curves\">")
                .append("<p class=\"pick\"><button type=\"submit\" id=\"overlay-picked\">overlay curves of the ticked</button> ")
                .append("<button type=\"submit\" id=\"pair-picked\" formaction=\"").append(base)
                .append("/pair\">compare the two ticked</button></p>");
        h.append("<table class=\"grid sortable\" id=\"experiments\"><thead><tr><th></th>");
        header(h, base, q, "experiment", TableQuery.Column.NAME);
        header(h, base, q, "status", TableQuery.Column.STATUS);
        header(h, base, q, "stage", TableQuery.Column.STAGE);
        header(h, base, q, "fitness", TableQuery.Column.FITNESS);
        header(h, base, q, "params", TableQuery.Column.PARAMS);
        header(h, base, q, "FLOPs/token", TableQuery.Column.FLOPS);
        h.append("<th>failure</th><th>hypothesis</th>");
        header(h, base, q, "created", TableQuery.Column.CREATED);
        h.append("</tr></thead><tbody>");
        for (ExperimentRow e : r.rows()) {
            h.append("<tr data-id=\"").append(Html.esc(e.id())).append("\"><td><input type=\"checkbox\" name=\"e\" value=\"")
                    .append(Html.esc(e.id())).append("\" aria-label=\"pick ").append(Html.esc(e.label())).append("\"></td><td><a href=\"").append(base).append("/e/")
                    .append(Html.url(e.id())).append("\">").append(Html.esc(e.label())).append("</a></td><td><span class=\"status ")
                    .append(e.status().dbValue()).append("\">").append(e.status().dbValue()).append("</span></td><td>")
                    .append(Html.esc(e.stage())).append("</td><td class=\"num\">").append(Html.number(e.fitness()))
                    .append("</td><td class=\"num\">").append(Html.count(e.params())).append("</td><td class=\"num\">")
                    .append(e.flopsPerToken() == null ? "" : Html.count(Math.round(e.flopsPerToken())))
                    .append("</td><td>").append(Html.esc(e.failureKind())).append("</td><td class=\"hyp\">")
                    .append(Html.esc(e.title())).append("</td><td class=\"time\">").append(Html.time(e.createdAt()))
                    .append("</td></tr>");
        }
        if (r.rows().isEmpty()) {
            h.append("<tr><td colspan=\"10\">No experiment matches.</td></tr>");
        }
        h.append("</tbody></table></form><nav class=\"pages\">");
        if (r.page() > 1) {
            h.append("<a rel=\"prev\" href=\"").append(base).append("/experiments?")
                    .append(Html.esc(q.queryString(Map.of("page", Integer.toString(r.page() - 1))))).append("\">← previous</a>");
        }
        if (r.page() < r.pages()) {
            h.append("<a rel=\"next\" id=\"next-page\" href=\"").append(base).append("/experiments?")
                    .append(Html.esc(q.queryString(Map.of("page", Integer.toString(r.page() + 1))))).append("\">next →</a>");
        }
        h.append("</nav></div>");
        return h.toString();
    }

    private static void header(StringBuilder h, String base, TableQuery q, String label, TableQuery.Column c) {
        boolean current = q.sort() == c;
        // Clicking the current column flips the direction; another column starts largest-first for numbers.
        boolean desc = current ? !q.descending()
                : c == TableQuery.Column.FITNESS || c == TableQuery.Column.PARAMS || c == TableQuery.Column.FLOPS;
        java.util.Map<String, String> changes = new java.util.HashMap<>();
        changes.put("sort", c.param());
        changes.put("dir", desc ? "desc" : "asc");
        changes.put("page", null);
        h.append("<th").append(current ? " class=\"sorted " + (q.descending() ? "desc" : "asc") + "\"" : "")
                .append("><a data-sort=\"").append(c.param()).append("\" href=\"").append(base).append("/experiments?")
                .append(Html.esc(q.queryString(changes))).append("\">").append(label).append("</a></th>");
    }
}
