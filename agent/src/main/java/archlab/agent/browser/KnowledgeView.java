package archlab.agent.browser;

import archlab.knowledge.papers.PaperLibrary;
import archlab.knowledge.store.Insight;
import archlab.knowledge.store.Subroutine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the campaign knew and reused: mined subroutines (support, uses, fitness with and without
 * them, and how many of this campaign's experiments call each) and paper notes (how often the
 * analyst's insights cite each, and the fitness of the experiments those insights are about).
 */
final class KnowledgeView {
    private static volatile List<Paper> library;

    private KnowledgeView() {
    }

    record Usage(int experiments, Double meanFitness) {
    }

    record Routine(String id, String name, boolean shared, int support, int uses, Double meanFitnessWith,
                   Double meanFitnessWithout, Usage inCampaign, String definition) {
    }

    record Paper(String id, String title, String authors, Integer year, String arxiv, List<String> tags) {
    }

    record CitedPaper(Paper paper, int citations, Usage experiments) {
    }

    record Knowledge(String source, List<Routine> subroutines, List<CitedPaper> papers) {
    }

    static Knowledge data(BrowsedCampaign bc) {
        ExperimentIndex idx = bc.index();
        List<Routine> routines = new ArrayList<>();
        for (Subroutine s : bc.store().subroutines().list(bc.campaignId())) {
            int n = 0;
            double sum = 0;
            int ranked = 0;
            for (ExperimentRow r : idx.rows()) {
                if (r.calls().contains(s.name())) {
                    n++;
                    if (r.ranked()) {
                        sum += r.fitness();
                        ranked++;
                    }
                }
            }
            routines.add(new Routine(s.id(), s.name(), s.campaignId() == null, s.support(), s.uses(),
                    s.meanFitnessWith(), s.meanFitnessWithout(), new Usage(n, ranked == 0 ? null : sum / ranked),
                    s.definition()));
        }
        List<Paper> papers = new ArrayList<>();
        String source;
        List<archlab.knowledge.store.PaperNoteRow> stored = bc.store().paperNotes().list();
        if (!stored.isEmpty()) {
            source = "the store";
            stored.forEach(p -> papers.add(new Paper(p.id(), p.title(), p.authors(), p.year(), p.arxiv(), p.tags())));
        } else {
            source = "archlab's paper notes (none are in this store)";
            papers.addAll(library());
        }
        Map<String, Integer> citations = new HashMap<>();
        Map<String, List<String>> cited = new HashMap<>();
        for (Insight i : bc.store().insights().forCampaign(bc.campaignId())) {
            for (String p : i.paperIds()) {
                citations.merge(p, 1, Integer::sum);
                cited.computeIfAbsent(p, k -> new ArrayList<>()).addAll(i.experimentIds());
            }
        }
        List<CitedPaper> out = new ArrayList<>();
        for (Paper p : papers) {
            List<String> exps = cited.getOrDefault(p.id(), List.of());
            double sum = 0;
            int ranked = 0;
            for (String id : new java.util.HashSet<>(exps)) {
                ExperimentRow r = idx.find(id);
                if (r != null && r.ranked()) {
                    sum += r.fitness();
                    ranked++;
                }
            }
            out.add(new CitedPaper(p, citations.getOrDefault(p.id(), 0),
                    new Usage(new java.util.HashSet<>(exps).size(), ranked == 0 ? null : sum / ranked)));
        }
        out.sort(java.util.Comparator.comparingInt((CitedPaper c) -> -c.citations()).thenComparing(c -> c.paper().id()));
        return new Knowledge(source, routines, out);
    }

    private static List<Paper> library() {
        if (library == null) {
            List<Paper> l = new ArrayList<>();
            try {
                for (archlab.knowledge.papers.PaperNote n : PaperLibrary.load(null).notes()) {
                    l.add(new Paper(n.slug(), n.title(), String.join(", ", n.authors()), n.year(), n.arxiv(), n.tags()));
                }
            } catch (RuntimeException e) {
                // No notes to be found (an installation without them): the page says there are none.
            }
            library = List.copyOf(l);
        }
        return library;
    }

    static String html(BrowsedCampaign bc, Knowledge k) {
        String base = "/c/" + Html.url(bc.slug());
        StringBuilder h = new StringBuilder("<h1>Knowledge</h1>");
        h.append("<h2>Mined subroutines</h2>");
        if (k.subroutines().isEmpty()) {
            h.append("<p class=\"muted\">No subroutine has been mined for this campaign (<code>archlab subroutines</code> mines them).</p>");
        } else {
            h.append("<table class=\"grid\" id=\"subroutines\"><thead><tr><th>name</th><th>support</th><th>uses</th>")
                    .append("<th>mean fitness with</th><th>without</th><th>experiments here calling it</th><th>their mean fitness</th>")
                    .append("</tr></thead><tbody>");
            for (Routine r : k.subroutines()) {
                h.append("<tr><td><details><summary>").append(Html.esc(r.name())).append(r.shared() ? " (shared)" : "")
                        .append("</summary>").append(DefinitionView.highlight(r.definition(), true).replace(" id=\"definition\"", ""))
                        .append("</details></td><td class=\"num\">").append(r.support()).append("</td><td class=\"num\">")
                        .append(r.uses()).append("</td><td class=\"num\">").append(Html.number(r.meanFitnessWith()))
                        .append("</td><td class=\"num\">").append(Html.number(r.meanFitnessWithout()))
                        .append("</td><td class=\"num\"><a href=\"").append(base).append("/experiments?op=")
                        .append(Html.url(r.name())).append("\">").append(r.inCampaign().experiments())
                        .append("</a></td><td class=\"num\">").append(Html.number(r.inCampaign().meanFitness()))
                        .append("</td></tr>");
            }
            h.append("</tbody></table>");
        }
        h.append("<h2>Paper notes</h2><p class=\"muted\">From ").append(Html.esc(k.source()))
                .append("; cited: how many of the analyst's insights in this campaign cite the paper.</p>");
        if (k.papers().isEmpty()) {
            h.append("<p>No paper notes.</p>");
        } else {
            h.append("<table class=\"grid\" id=\"papers\"><thead><tr><th>paper</th><th>year</th><th>tags</th><th>cited</th>")
                    .append("<th>experiments</th><th>their mean fitness</th></tr></thead><tbody>");
            for (CitedPaper c : k.papers()) {
                Paper p = c.paper();
                h.append("<tr><td>").append(Html.esc(p.title())).append("<div class=\"muted\">").append(Html.esc(p.authors()))
                        .append(p.arxiv() == null ? "" : " · arXiv " + Html.esc(p.arxiv())).append("</div></td><td>")
                        .append(p.year() == null ? "" : p.year()).append("</td><td>")
                        .append(Html.esc(String.join(", ", p.tags() == null ? List.of() : p.tags()))).append("</td><td class=\"num\">")
                        .append(c.citations()).append("</td><td class=\"num\">").append(c.experiments().experiments())
                        .append("</td><td class=\"num\">").append(Html.number(c.experiments().meanFitness())).append("</td></tr>");
            }
            h.append("</tbody></table>");
        }
        return h.toString();
    }
}
