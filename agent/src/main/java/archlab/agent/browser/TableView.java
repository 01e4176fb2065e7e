package archlab.agent.browser;

import archlab.knowledge.store.ExperimentStatus;
import java.util.List;
import java.util.Map;

/** The experiments table: filters, sortable columns, pages, all done on the server. */
final class TableView {
    private TableView() {
    }

    /** The columns a person may show (the experiment's name always leads); {@code cols=} picks them. */
    enum Shown {
        STATUS("status", TableQuery.Column.STATUS),
        STAGE("stage", TableQuery.Column.STAGE),
        FITNESS("fitness", TableQuery.Column.FITNESS),
        METRIC("primary metric", null),
        PARAMS("params", TableQuery.Column.PARAMS),
        FLOPS("FLOPs/token", TableQuery.Column.FLOPS),
        WALL("wall time", null),
        MOVE("design move", null),
        PARENT("parent", null),
        FAILURE("failure", null),
        HYPOTHESIS("hypothesis", null),
        TAGS("tags", null),
        CREATED("created", TableQuery.Column.CREATED),
        UPDATED("updated", TableQuery.Column.UPDATED);

        static final List<Shown> DEFAULT = List.of(STATUS, STAGE, FITNESS, PARAMS, FLOPS, FAILURE, HYPOTHESIS, CREATED);

        final String label;
        final TableQuery.Column sort;

        Shown(String label, TableQuery.Column sort) {
            this.label = label;
            this.sort = sort;
        }

        String param() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** {@code cols} (repeated or comma-separated); the default set without it; 400 for an unknown name. */
        static List<Shown> parse(Map<String, List<String>> params) {
            List<Shown> out = new java.util.ArrayList<>();
            for (String v : params.getOrDefault("cols", List.of())) {
                for (String c : v.split(",")) {
                    if (c.isBlank()) {
                        continue;
                    }
                    Shown s = java.util.Arrays.stream(values()).filter(x -> x.param().equals(c.strip().toLowerCase(
                            java.util.Locale.ROOT))).findFirst().orElseThrow(() -> new BadRequest("cols: unknown column \""
                            + c.strip() + "\" (expected some of " + String.join(", ", java.util.Arrays.stream(values())
                            .map(Shown::param).toList()) + ")"));
                    if (!out.contains(s)) {
                        out.add(s);
                    }
                }
            }
            if (out.isEmpty()) {
                return DEFAULT;
            }
            out.sort(java.util.Comparator.naturalOrder());
            return out;
        }

        static String param(List<Shown> cols) {
            return cols.equals(DEFAULT) ? null : String.join(",", cols.stream().map(Shown::param).toList());
        }
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
        return html(bc, q, r, Shown.DEFAULT);
    }

    static String html(BrowsedCampaign bc, TableQuery q, TableQuery.Result r, List<Shown> cols) {
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
        h.append("<details id=\"column-chooser\"><summary>columns</summary><fieldset><legend>show</legend>");
        for (Shown c : Shown.values()) {
            h.append("<label><input type=\"checkbox\" name=\"cols\" value=\"").append(c.param()).append('"')
                    .append(cols.contains(c) ? " checked" : "").append("> ").append(c.label).append("</label>");
        }
        h.append("</fieldset></details>");
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
        String colsParam = Shown.param(cols);
        header(h, base, q, "experiment", TableQuery.Column.NAME, colsParam);
        for (Shown c : cols) {
            if (c.sort != null) {
                header(h, base, q, c.label, c.sort, colsParam);
            } else {
                h.append("<th>").append(c.label).append("</th>");
            }
        }
        h.append("</tr></thead><tbody>");
        // tags are read from the store per page (one query), not kept in the snapshot: they change by hand
        Map<String, List<String>> tags = cols.contains(Shown.TAGS) ? bc.store().notes().tags(bc.campaignId()) : Map.of();
        for (ExperimentRow e : r.rows()) {
            h.append("<tr data-id=\"").append(Html.esc(e.id())).append("\"><td><input type=\"checkbox\" name=\"e\" value=\"")
                    .append(Html.esc(e.id())).append("\" aria-label=\"pick ").append(Html.esc(e.label()))
                    .append("\"></td><td><a href=\"").append(base).append("/e/").append(Html.url(e.id())).append("\">")
                    .append(Html.esc(e.label())).append("</a></td>");
            for (Shown c : cols) {
                h.append(cell(base, idx, e, c, tags));
            }
            h.append("</tr>");
        }
        if (r.rows().isEmpty()) {
            h.append("<tr><td colspan=\"").append(cols.size() + 2).append("\">No experiment matches.</td></tr>");
        }
        h.append("</tbody></table></form><nav class=\"pages\">");
        if (r.page() > 1) {
            h.append("<a rel=\"prev\" href=\"").append(base).append("/experiments?")
                    .append(Html.esc(q.queryString(withCols(Map.of("page", Integer.toString(r.page() - 1)), colsParam))))
                    .append("\">← previous</a>");
        }
        if (r.page() < r.pages()) {
            h.append("<a rel=\"next\" id=\"next-page\" href=\"").append(base).append("/experiments?")
                    .append(Html.esc(q.queryString(withCols(Map.of("page", Integer.toString(r.page() + 1)), colsParam))))
                    .append("\">next →</a>");
        }
        h.append("</nav></div>");
        return h.toString();
    }

    private static String cell(String base, ExperimentIndex idx, ExperimentRow e, Shown c, Map<String, List<String>> tags) {
        return switch (c) {
            case STATUS -> "<td><span class=\"status " + e.status().dbValue() + "\">" + e.status().dbValue() + "</span></td>";
            case STAGE -> "<td>" + Html.esc(e.stage()) + "</td>";
            case FITNESS -> "<td class=\"num\">" + Html.number(e.fitness()) + "</td>";
            case METRIC -> "<td class=\"num\">" + (e.metric() == null ? "" : Html.esc(
                    archlab.knowledge.store.StageScores.number(e.metric()))) + "</td>";
            case PARAMS -> "<td class=\"num\">" + Html.count(e.params()) + "</td>";
            case FLOPS -> "<td class=\"num\">" + (e.flopsPerToken() == null ? "" : Html.count(Math.round(e.flopsPerToken())))
                    + "</td>";
            case WALL -> "<td class=\"num\">" + (e.wallSeconds() == null ? ""
                    : String.format(java.util.Locale.ROOT, "%.1f s", e.wallSeconds())) + "</td>";
            case MOVE -> "<td>" + Html.esc(e.move()) + "</td>";
            case PARENT -> {
                ExperimentRow p = idx.find(e.parentId());
                yield "<td>" + (p == null ? Html.esc(e.parentId()) : "<a href=\"" + base + "/e/" + Html.url(p.id()) + "\">"
                        + Html.esc(p.label()) + "</a>") + "</td>";
            }
            case FAILURE -> "<td>" + Html.esc(e.failureKind()) + "</td>";
            case HYPOTHESIS -> "<td class=\"hyp\">" + Html.esc(e.title()) + "</td>";
            case TAGS -> "<td>" + String.join(" ", tags.getOrDefault(e.id(), List.of()).stream()
                    .map(t -> "<span class=\"tag\">" + Html.esc(t) + "</span>").toList()) + "</td>";
            case CREATED -> "<td class=\"time\">" + Html.time(e.createdAt()) + "</td>";
            case UPDATED -> "<td class=\"time\">" + Html.time(e.updatedAt()) + "</td>";
        };
    }

    private static Map<String, String> withCols(Map<String, String> changes, String cols) {
        Map<String, String> out = new java.util.HashMap<>(changes);
        if (cols != null) {
            out.put("cols", cols);
        }
        return out;
    }

    private static void header(StringBuilder h, String base, TableQuery q, String label, TableQuery.Column c,
                               String cols) {
        boolean current = q.sort() == c;
        // Clicking the current column flips the direction; another column starts largest-first for numbers.
        boolean desc = current ? !q.descending()
                : c == TableQuery.Column.FITNESS || c == TableQuery.Column.PARAMS || c == TableQuery.Column.FLOPS;
        java.util.Map<String, String> changes = new java.util.HashMap<>();
        changes.put("sort", c.param());
        changes.put("dir", desc ? "desc" : "asc");
        changes.put("page", null);
        if (cols != null) {
            changes.put("cols", cols);
        }
        h.append("<th").append(current ? " class=\"sorted " + (q.descending() ? "desc" : "asc") + "\"" : "")
                .append("><a data-sort=\"").append(c.param()).append("\" href=\"").append(base).append("/experiments?")
                .append(Html.esc(q.queryString(changes))).append("\">").append(label).append("</a></th>");
    }
}
