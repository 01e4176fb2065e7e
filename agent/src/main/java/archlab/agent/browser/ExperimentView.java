package archlab.agent.browser;

import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.Insight;
import archlab.knowledge.store.LlmCall;
import archlab.knowledge.store.StageScores;
import archlab.sandbox.ModelDefinition;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One experiment's page: the hypothesis, the definition and its diff against the parent, the
 * architecture diagram, metrics per stage and seed, loss curves beside the parent's, the failure
 * diagnosis and the analysis, the LLM calls behind it, and links to its family and look-alikes.
 */
final class ExperimentView {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SIMILAR = 6;
    /** Prompts and responses are long; the page shows this much of each, the API all of it. */
    private static final int TEXT_PREVIEW = 4000;

    private ExperimentView() {
    }

    record Link(String id, String label, String status, Double fitness) {
        static Link of(ExperimentRow r) {
            return new Link(r.id(), r.label(), r.status().dbValue(), r.fitness());
        }
    }

    record EvaluationRow(String stage, int seed, String status, JsonNode metrics) {
    }

    record Call(long id, String role, String provider, String model, long tokensIn, long tokensOut, double cost,
                long latencyMs, String outcome, String createdAt, String prompt, String response) {
    }

    record Page(String id, String campaign, String name, String title, String motivation, String expectedEffect,
                String status, String stage, Double fitness, Long params, Double flopsPerToken, Double wallSeconds,
                String definition, String definitionLanguage, String definitionCheck, String definitionErrors,
                String canonicalHash, JsonNode metrics, List<EvaluationRow> evaluations, String failureKind,
                String failureMessage, String analysis, List<String> insights, List<Call> llmCalls, Link parent,
                List<Link> children, List<Link> similar, List<String> diff, List<String> graphDiff, JsonNode extra,
                String createdAt, String updatedAt) {
    }

    /** The experiment's data; {@link NotFound} when the campaign has no such experiment. */
    static Page data(BrowsedCampaign bc, String handle) {
        ExperimentIndex idx = bc.index();
        ExperimentRow named = idx.resolve(handle);
        // the index may lag the store by a second: an id it does not know yet is still looked up
        String id = named != null ? named.id() : handle;
        Experiment e = bc.store().experiments().find(id)
                .filter(x -> x.campaignId().equals(bc.campaignId()))
                .orElseThrow(() -> new NotFound(idx.notFound(handle, bc.slug())));
        Experiment parent = e.parentId() == null ? null : bc.store().experiments().find(e.parentId())
                .filter(x -> x.campaignId().equals(bc.campaignId())).orElse(null);
        List<EvaluationRow> evals = new ArrayList<>();
        for (Evaluation ev : bc.store().evaluations().forExperiment(id)) {
            evals.add(new EvaluationRow(ev.stage(), ev.seed(), ev.status(), json(ev.metrics())));
        }
        List<Call> calls = new ArrayList<>();
        for (LlmCall c : bc.store().llmCalls().forExperiment(id)) {
            calls.add(new Call(c.id(), c.role(), c.provider(), c.model(), c.tokensIn(), c.tokensOut(), c.cost(),
                    c.latencyMs(), c.outcome(), Html.time(c.createdAt()), c.prompt(), c.response()));
        }
        List<String> insights = bc.store().insights().forExperiment(id).stream().map(Insight::text).toList();
        List<String> diff = List.of();
        List<String> graphDiff = List.of();
        if (parent != null && parent.definition() != null && e.definition() != null) {
            diff = DefinitionView.lineDiff(parent.definition(), e.definition(), label(parent), label(e));
            if (Experiment.LANGUAGE_ARCHLAB.equals(e.definitionLanguage())
                    && Experiment.LANGUAGE_ARCHLAB.equals(parent.definitionLanguage())) {
                graphDiff = DefinitionView.structuralDiff(parent.definition(), e.definition());
            }
        }
        ExperimentRow self = idx.find(id);
        List<Link> children = idx.children(id).stream().map(Link::of).toList();
        return new Page(e.id(), bc.slug(), e.name(), e.hypothesis().title(), e.hypothesis().motivation(),
                e.hypothesis().expectedEffect(), e.status().dbValue(), e.stage(), e.fitness(), e.params(),
                e.flopsPerToken(), e.wallSeconds(), e.definition(), e.definitionLanguage(), e.definitionCheck(),
                e.definitionErrors(), e.canonicalHash(), json(e.metrics()), evals, e.failureKind(), e.failureMessage(),
                e.analysis(), insights, calls,
                parent == null ? null : idx.find(parent.id()) == null ? null : Link.of(idx.find(parent.id())), children,
                self == null ? List.of() : similar(idx, self), diff, graphDiff, json(e.extra()),
                Html.time(e.createdAt()), Html.time(e.updatedAt()));
    }

    /**
     * The experiments most alike in what their definitions call (Jaccard similarity of the sets of
     * blocks and ops), nearest in parameter count among equals. It compares the snapshot's distinct
     * sets of calls (a few hundred at most), then picks by binary search within the best sets, so it
     * costs next to nothing at 100,000 experiments; no embedding model is needed.
     */
    static List<Link> similar(ExperimentIndex idx, ExperimentRow self) {
        if (self.calls().isEmpty()) {
            return List.of();
        }
        record Group(double score, List<ExperimentRow> rows) {
        }
        List<Group> groups = new ArrayList<>();
        for (Map.Entry<Set<String>, List<ExperimentRow>> e : idx.byCalls().entrySet()) {
            int common = 0;
            for (String c : e.getKey()) {
                if (self.calls().contains(c)) {
                    common++;
                }
            }
            if (common > 0) {
                groups.add(new Group(common / (double) (self.calls().size() + e.getKey().size() - common), e.getValue()));
            }
        }
        groups.sort(Comparator.comparingDouble(Group::score).reversed());
        List<Link> out = new ArrayList<>();
        long p = self.paramsOrZero();
        for (Group g : groups) {
            List<ExperimentRow> rows = g.rows();
            // Walk outwards from the nearest parameter count.
            int lo = 0;
            int hi = rows.size();
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (rows.get(mid).paramsOrZero() < p) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            int left = lo - 1;
            int right = lo;
            while (out.size() < SIMILAR && (left >= 0 || right < rows.size())) {
                ExperimentRow pick;
                if (left < 0) {
                    pick = rows.get(right++);
                } else if (right >= rows.size()) {
                    pick = rows.get(left--);
                } else if (p - rows.get(left).paramsOrZero() <= rows.get(right).paramsOrZero() - p) {
                    pick = rows.get(left--);
                } else {
                    pick = rows.get(right++);
                }
                if (!pick.id().equals(self.id())) {
                    out.add(Link.of(pick));
                }
            }
            if (out.size() >= SIMILAR) {
                break;
            }
        }
        return out;
    }

    static String html(BrowsedCampaign bc, Page p) {
        String base = "/c/" + Html.url(bc.slug());
        StringBuilder h = new StringBuilder();
        h.append("<h1>").append(Html.esc(p.name() != null ? p.name() : p.id())).append(" <span class=\"status ")
                .append(p.status()).append("\">").append(p.status()).append("</span></h1>");
        h.append("<p class=\"muted\">id <code>").append(Html.esc(p.id())).append("</code> · stage ")
                .append(Html.esc(p.stage())).append(" · fitness <b id=\"fitness\">").append(Html.number(p.fitness()))
                .append("</b> · params ").append(Html.count(p.params())).append(" · FLOPs/token ")
                .append(p.flopsPerToken() == null ? "" : Html.count(Math.round(p.flopsPerToken()))).append(" · wall ")
                .append(p.wallSeconds() == null ? "" : Html.number(p.wallSeconds()) + " s").append("</p>");

        h.append("<nav class=\"family\" id=\"family\"><span>parent: ");
        if (p.parent() != null) {
            link(h, base, p.parent(), "parent-link");
        } else {
            h.append("none");
        }
        h.append("</span><span>children: ");
        if (p.children().isEmpty()) {
            h.append("none");
        }
        p.children().stream().limit(30).forEach(c -> link(h, base, c, null));
        if (p.children().size() > 30) {
            h.append(" … <a href=\"").append(base).append("/tree?focus=").append(Html.url(p.id())).append("\">all ")
                    .append(p.children().size()).append(" in the tree</a>");
        }
        h.append("</span><span><a href=\"").append(base).append("/tree?focus=").append(Html.url(p.id()))
                .append("\">show in the tree</a></span></nav>");

        notes(h, bc, p);
        results(h, p);
        return h.toString();
    }

    /** Tags beside the title's line, notes below, and the form that adds either (a POST to this page's /notes). */
    private static void notes(StringBuilder h, BrowsedCampaign bc, Page p) {
        List<archlab.knowledge.store.Note> notes = bc.store().notes().forExperiment(p.id());
        h.append("<section id=\"notes\" class=\"notes\"><span class=\"tags\">");
        notes.stream().filter(n -> n.kind() == archlab.knowledge.store.Note.Kind.TAG)
                .forEach(n -> h.append("<span class=\"tag\">").append(Html.esc(n.text())).append("</span> "));
        h.append("</span>");
        List<archlab.knowledge.store.Note> text = notes.stream()
                .filter(n -> n.kind() == archlab.knowledge.store.Note.Kind.NOTE).toList();
        if (!text.isEmpty()) {
            h.append("<ul class=\"note-list\">");
            text.forEach(n -> h.append("<li><span class=\"muted\">").append(Html.esc(Html.time(n.createdAt())))
                    .append("</span> ").append(Html.esc(n.text())).append("</li>"));
            h.append("</ul>");
        }
        h.append("<form method=\"post\" id=\"note-form\" action=\"/c/").append(Html.url(bc.slug())).append("/e/")
                .append(Html.url(p.id())).append("/notes\"><select name=\"kind\" id=\"note-kind\"><option value=\"note\">note</option>")
                .append("<option value=\"tag\">tag</option></select> <input name=\"text\" id=\"note-text\" size=\"50\"")
                .append(" maxlength=\"4000\" placeholder=\"a note, or a tag such as keep\" required> ")
                .append("<button type=\"submit\" id=\"note-add\">add</button></form></section>");
    }

    /**
     * Results first: the fitness at each stage against the baseline at that stage (StageScores), then
     * the metrics of every stage and seed, then what the run reported per task.
     */
    private static void results(StringBuilder h, Page p) {
        h.append("<section id=\"results\"><h2>Results</h2>");
        Map<String, StageScores.Score> scores = StageScores.of(p.extra() == null ? null : p.extra().toString());
        if (!scores.isEmpty()) {
            h.append("<table class=\"grid\" id=\"stage-scores\"><thead><tr><th>stage</th><th>fitness</th><th>metric</th>")
                    .append("<th>this design</th><th>baseline at this stage</th><th>against the baseline</th><th>seeds</th>")
                    .append("</tr></thead><tbody>");
            List<StageScores.Score> latestFirst = new ArrayList<>(scores.values());
            java.util.Collections.reverse(latestFirst);
            for (StageScores.Score sc : latestFirst) {
                long seeds = p.evaluations().stream().filter(ev -> sc.stage().equals(ev.stage())).count();
                h.append("<tr><td>").append(Html.esc(sc.stage())).append("</td><td class=\"num\"><b>")
                        .append(Html.number(sc.combined())).append("</b></td><td>").append(Html.esc(sc.metric()))
                        .append("</td><td class=\"num\">").append(StageScores.number(sc.value()))
                        .append("</td><td class=\"num\">").append(StageScores.number(sc.baseline()))
                        .append("</td><td class=\"num\">").append(sc.relative() == null ? ""
                                : String.format(Locale.ROOT, "%+.1f %%", 100 * sc.relative()))
                        .append("</td><td class=\"num\">").append(seeds).append("</td></tr>");
            }
            h.append("</tbody></table>");
        }
        if (p.metrics() != null && p.metrics().isObject()) {
            h.append("<h3>Reported (per task)</h3>").append(metricsTable(p.metrics()));
        }
        if (!p.evaluations().isEmpty()) {
            h.append("<h3>Per stage and seed</h3><table class=\"grid\" id=\"evaluations\"><thead><tr><th>stage</th>")
                    .append("<th>seed</th><th>status</th><th>metrics</th></tr></thead><tbody>");
            for (EvaluationRow ev : p.evaluations()) {
                h.append("<tr><td>").append(Html.esc(ev.stage())).append("</td><td class=\"num\">").append(ev.seed())
                        .append("</td><td>").append(Html.esc(ev.status())).append("</td><td>")
                        .append(flatMetrics(ev.metrics())).append("</td></tr>");
            }
            h.append("</tbody></table>");
        } else {
            h.append("<p class=\"muted\">No evaluation recorded.</p>");
        }
        h.append("</section>");
    }

    /** What was tried and why, what went wrong, what the analyst made of it, and the design itself. */
    static String story(BrowsedCampaign bc, Page p) {
        StringBuilder h = new StringBuilder();
        h.append("<section class=\"hypothesis\" id=\"hypothesis\"><h2>Hypothesis</h2>");
        h.append("<p class=\"title\">").append(p.title() == null ? "<i>none recorded</i>" : Html.esc(p.title())).append("</p>");
        if (p.motivation() != null) {
            h.append("<h3>Motivation</h3><p class=\"prose\">").append(Html.esc(p.motivation())).append("</p>");
        }
        if (p.expectedEffect() != null) {
            h.append("<h3>Expected effect</h3><p class=\"prose\">").append(Html.esc(p.expectedEffect())).append("</p>");
        }
        h.append("</section>");

        if (p.failureKind() != null || p.failureMessage() != null || p.definitionErrors() != null) {
            h.append("<section class=\"failure\" id=\"failure\"><h2>Failure diagnosis</h2>");
            if (p.failureKind() != null) {
                h.append("<p><b>").append(Html.esc(p.failureKind())).append("</b></p>");
            }
            if (p.failureMessage() != null) {
                h.append("<pre class=\"prose\">").append(Html.esc(p.failureMessage())).append("</pre>");
            }
            if (p.definitionErrors() != null) {
                h.append("<p>definition ").append(Html.esc(p.definitionCheck())).append(":</p><pre>")
                        .append(Html.esc(p.definitionErrors())).append("</pre>");
            }
            h.append("</section>");
        }
        if (p.analysis() != null || !p.insights().isEmpty()) {
            h.append("<section id=\"analysis\"><h2>Analysis</h2>");
            if (p.analysis() != null) {
                h.append(analysis(p.analysis()));
            }
            if (!p.insights().isEmpty()) {
                h.append("<h3>Insights</h3><ul>");
                p.insights().forEach(i -> h.append("<li>").append(Html.esc(i)).append("</li>"));
                h.append("</ul>");
            }
            h.append("</section>");
        }

        h.append("<section id=\"graph-section\"><h2>Architecture</h2>");
        if (p.definition() != null && "archlab".equals(p.definitionLanguage()) && "ok".equals(p.definitionCheck())) {
            try {
                ModelDefinition d = ModelDefinition.parse(p.definition(), (p.name() == null ? "experiment" : p.name()) + ".arch");
                h.append("<p class=\"muted\">The blocks the definition calls, nested as they compute; identical copies")
                        .append(" fold into one box (×N) and constants into the op that uses them. Click a box to open it.</p>")
                        .append(BlockOutline.html(d.graph()));
                h.append("<details id=\"op-graph\"><summary>Every primitive op as a graph (")
                        .append(d.graph().nodes().stream().filter(n -> !BlockOutline.isConst(n)).count())
                        .append(" ops)</summary><div class=\"zoom-controls\" data-target=\"arch-graph\">")
                        .append("<button type=\"button\" data-zoom=\"in\">+</button>")
                        .append("<button type=\"button\" data-zoom=\"out\">−</button><button type=\"button\" data-zoom=\"reset\">fit</button>")
                        .append("</div><div class=\"scroll\">").append(ArchDiagram.svg(d.graph())).append("</div></details>");
            } catch (Exception ex) {
                h.append("<p class=\"muted\">Not drawn: ").append(Html.esc(String.valueOf(ex.getMessage()).lines()
                        .findFirst().orElse(""))).append("</p>");
            }
        } else {
            h.append("<p class=\"muted\">Only a definition in our language that checks has a diagram.</p>");
        }
        h.append("</section>");

        h.append("<section id=\"definition-section\"><h2>Definition</h2><p class=\"muted\">language ")
                .append(Html.esc(p.definitionLanguage() == null ? "none" : p.definitionLanguage())).append(" · check ")
                .append(Html.esc(p.definitionCheck() == null ? "none" : p.definitionCheck()))
                .append(p.canonicalHash() == null ? "" : " · hash <code>" + Html.esc(p.canonicalHash().substring(0,
                        Math.min(16, p.canonicalHash().length()))) + "</code>").append("</p>");
        if (p.definition() == null) {
            h.append("<p>No definition recorded.</p>");
        } else {
            h.append(DefinitionView.highlight(p.definition(), "archlab".equals(p.definitionLanguage())));
        }
        h.append("</section>");

        h.append("<section id=\"diff-section\"><h2>Diff against the parent</h2>");
        if (p.parent() == null) {
            h.append("<p>No parent: this is a root of the search.</p>");
        } else if (p.diff().isEmpty()) {
            h.append("<p>The definition is the same as the parent's.</p>");
        } else {
            if (!p.graphDiff().isEmpty()) {
                h.append("<h3>In the graph of ops</h3><ul class=\"graph-diff\" id=\"graph-diff\">");
                p.graphDiff().forEach(l -> h.append("<li><code>").append(Html.esc(l)).append("</code></li>"));
                h.append("</ul>");
            }
            h.append("<h3>Line by line</h3>").append(DefinitionView.lineDiffHtml(p.diff()));
        }
        h.append("</section>");

        return h.toString();
    }

    /** The second half of the page, after the curves (which need the store, see {@link #curvesHtml}). */
    static String tail(BrowsedCampaign bc, Page p) {
        String base = "/c/" + Html.url(bc.slug());
        StringBuilder h = new StringBuilder();
        h.append("<section id=\"llm-calls\"><h2>LLM calls</h2>");
        Experiment self = bc.store().experiments().find(p.id()).orElse(null);
        if (self != null) {
            archlab.agent.campaign.LlmCost cost = archlab.agent.campaign.LlmCost.of(bc.store(), self);
            if (cost.own().calls() + cost.shared().calls() > 0) {
                h.append("<p id=\"llm-cost\">With its share of the expansion that made it: ")
                        .append(Html.esc(cost.describe())).append(" (docs/agents.md).</p>");
            }
            archlab.agent.research.JudgeScore judge = archlab.agent.campaign.ResearchRecord.of(self).judge();
            if (judge != null) {
                h.append("<p id=\"judge\"><strong>Judge</strong>: ").append(String.format(Locale.ROOT,
                                "novelty %.2f, soundness %.2f, complexity %.2f (a cost). ", judge.novelty(),
                                judge.soundness(), judge.complexity()))
                        .append(Html.esc(judge.rationale())).append("</p>");
            }
        }
        if (p.llmCalls().isEmpty()) {
            h.append("<p class=\"muted\">None: this experiment was proposed without a language model (offline policy or")
                    .append(" imported).</p>");
        } else {
            long in = 0;
            long out = 0;
            double cost = 0;
            for (Call c : p.llmCalls()) {
                in += c.tokensIn();
                out += c.tokensOut();
                cost += c.cost();
            }
            h.append("<p>").append(p.llmCalls().size()).append(" calls · tokens ").append(in).append(" in / ").append(out)
                    .append(" out · cost ").append(String.format(Locale.ROOT, "%.4f", cost)).append("</p>");
            h.append("<table class=\"grid\"><thead><tr><th>role</th><th>model</th><th>tokens in/out</th><th>cost</th>")
                    .append("<th>latency</th><th>outcome</th><th>when</th></tr></thead><tbody>");
            for (Call c : p.llmCalls()) {
                h.append("<tr><td>").append(Html.esc(c.role())).append("</td><td>").append(Html.esc(c.provider()))
                        .append(" / ").append(Html.esc(c.model())).append("</td><td class=\"num\">").append(c.tokensIn())
                        .append(" / ").append(c.tokensOut()).append("</td><td class=\"num\">")
                        .append(String.format(Locale.ROOT, "%.4f", c.cost())).append("</td><td class=\"num\">")
                        .append(c.latencyMs()).append(" ms</td><td>").append(Html.esc(c.outcome())).append("</td><td>")
                        .append(Html.esc(c.createdAt())).append("</td></tr><tr class=\"call-text\"><td colspan=\"7\">")
                        .append("<details><summary>prompt and response</summary><h4>prompt</h4><pre>")
                        .append(Html.esc(preview(c.prompt()))).append("</pre><h4>response</h4><pre>")
                        .append(Html.esc(preview(c.response()))).append("</pre></details></td></tr>");
            }
            h.append("</tbody></table>");
        }
        h.append("</section>");

        h.append("<section id=\"similar\"><h2>Similar experiments</h2>");
        if (p.similar().isEmpty()) {
            h.append("<p class=\"muted\">None found.</p>");
        } else {
            h.append("<ul>");
            p.similar().forEach(s -> {
                h.append("<li>");
                link(h, base, s, null);
                h.append("</li>");
            });
            h.append("</ul><p class=\"muted\">By the blocks and ops their definitions call.</p>");
        }
        h.append("</section>");
        if (p.extra() != null && p.extra().size() > 0) {
            h.append("<section><details><summary>Other recorded fields</summary><pre>")
                    .append(Html.esc(p.extra().toPrettyString())).append("</pre></details></section>");
        }
        h.append("<p class=\"muted\">Created ").append(Html.esc(p.createdAt())).append(", updated ")
                .append(Html.esc(p.updatedAt())).append(".</p>");
        return h.toString();
    }

    /**
     * The curves: the held-out metric during training (the evaluations' {@code eval} points, the
     * number fitness rests on) for each stage and seed over the parent's at the same stage, then the
     * training loss. {@code log} draws both on a log y axis, where a loss that falls by orders of
     * magnitude stays readable after the first hundred steps.
     */
    static String curvesHtml(BrowsedCampaign bc, Page p, boolean log) {
        List<Evaluation> own = bc.store().evaluations().forExperiment(p.id());
        String metric = StageScores.of(p.extra() == null ? null : p.extra().toString()).values().stream()
                .map(StageScores.Score::metric).filter(java.util.Objects::nonNull).findFirst()
                .orElseGet(() -> own.stream().map(ev -> json(ev.result())).filter(java.util.Objects::nonNull)
                        .map(r -> r.path("primary_metric").asText(null)).filter(java.util.Objects::nonNull).findFirst()
                        .orElse("loss"));
        SvgChart heldOut = new SvgChart("Held-out " + metric + " during training, beside the parent's", "step",
                "held-out " + metric + (log ? " (log scale)" : "")).logY(log).cssClass("chart curves held-out");
        SvgChart loss = new SvgChart("Training loss, beside the parent's", "step", "loss" + (log ? " (log scale)" : ""))
                .logY(log).cssClass("chart curves");
        int i = 0;
        for (Evaluation ev : own) {
            String color = SvgChart.PALETTE[(2 * i++) % SvgChart.PALETTE.length];
            String name = "this · " + ev.stage() + " seed " + ev.seed();
            heldOut.add(new SvgChart.Series(name, color, SvgChart.Style.LINE, evalPoints(json(ev.curve()), metric)));
            loss.add(new SvgChart.Series(name, color, SvgChart.Style.LINE, points(json(ev.curve()))));
        }
        Experiment self = bc.store().experiments().find(p.id()).orElse(null);
        if (loss.isEmpty() && self != null) {
            loss.add(new SvgChart.Series("this", SvgChart.PALETTE[0], SvgChart.Style.LINE,
                    points(firstTask(json(self.curves())))));
        }
        if (p.parent() != null) {
            Experiment parent = bc.store().experiments().find(p.parent().id()).orElse(null);
            if (parent != null) {
                // the parent at the stage this design reached first: the same steps, so the curves line up
                String stage = own.isEmpty() ? null : own.get(0).stage();
                Evaluation pe = bc.store().evaluations().forExperiment(parent.id()).stream()
                        .filter(ev -> ev.stage().equals(stage)).findFirst().orElse(null);
                String name = "parent " + label(parent);
                if (pe != null) {
                    heldOut.add(new SvgChart.Series(name, "#888888", SvgChart.Style.LINE,
                            evalPoints(json(pe.curve()), metric)));
                    loss.add(new SvgChart.Series(name, "#888888", SvgChart.Style.LINE, points(json(pe.curve()))));
                } else {
                    loss.add(new SvgChart.Series(name, "#888888", SvgChart.Style.LINE,
                            points(firstTask(json(parent.curves())))));
                }
            }
        }
        StringBuilder h = new StringBuilder("<section id=\"curves\"><h2>Curves</h2><p class=\"scale\">y axis: ");
        String here = "/c/" + Html.url(bc.slug()) + "/e/" + Html.url(p.id());
        h.append(log ? "<a id=\"linear-scale\" href=\"" + here + "#curves\">linear</a> · <b>log</b>"
                : "<b>linear</b> · <a id=\"log-scale\" href=\"" + here + "?log=1#curves\">log</a>").append("</p>");
        if (!heldOut.isEmpty()) {
            h.append("<figure id=\"held-out-curve\">").append(heldOut.render(720, 320)).append("</figure>");
        }
        h.append("<figure id=\"loss-curve\">").append(loss.isEmpty() ? "<p class=\"muted\">No curve recorded.</p>"
                : loss.render(720, 320)).append("</figure>");
        return h.append("</section>").toString();
    }

    /** The training-loss points of a curve (an array, or an object of one per task). */
    static List<SvgChart.Point> lossPoints(JsonNode curve) {
        return points(firstTask(curve));
    }

    /** The held-out points of a curve: entries with {@code "eval": {metric: v}}. */
    static List<SvgChart.Point> evalPoints(JsonNode curve, String metric) {
        List<SvgChart.Point> pts = new ArrayList<>();
        JsonNode c = firstTask(curve);
        if (c == null || !c.isArray()) {
            return pts;
        }
        for (JsonNode n : c) {
            JsonNode v = n.path("eval").path(metric);
            if (n.path("step").isNumber() && v.isNumber()) {
                pts.add(new SvgChart.Point(n.get("step").asDouble(), v.asDouble()));
            }
        }
        return pts;
    }

    /** A curve is a list of points {@code {"step": s, "loss": l}}; a per-task object holds one per task. */
    private static JsonNode firstTask(JsonNode curves) {
        if (curves == null) {
            return null;
        }
        if (curves.isArray()) {
            return curves;
        }
        Iterator<JsonNode> it = curves.elements();
        return it.hasNext() ? it.next() : null;
    }

    private static List<SvgChart.Point> points(JsonNode curve) {
        List<SvgChart.Point> pts = new ArrayList<>();
        if (curve == null || !curve.isArray()) {
            return pts;
        }
        for (JsonNode n : curve) {
            JsonNode step = n.get("step");
            JsonNode loss = n.get("loss");
            if (step != null && loss != null && step.isNumber() && loss.isNumber()) {
                pts.add(new SvgChart.Point(step.asDouble(), loss.asDouble()));
            }
        }
        return pts;
    }

    private static String metricsTable(JsonNode metrics) {
        StringBuilder h = new StringBuilder("<table class=\"grid\" id=\"task-metrics\"><thead><tr><th>task</th><th>metrics</th></tr></thead><tbody>");
        metrics.fields().forEachRemaining(e -> h.append("<tr><td>").append(Html.esc(e.getKey())).append("</td><td>")
                .append(flatMetrics(e.getValue())).append("</td></tr>"));
        return h.append("</tbody></table>").toString();
    }

    private static String flatMetrics(JsonNode m) {
        if (m == null) {
            return "";
        }
        if (!m.isObject()) {
            return Html.esc(m.toString());
        }
        List<String> parts = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        m.fields().forEachRemaining(e -> {
            if (seen.add(e.getKey())) {
                JsonNode v = e.getValue();
                parts.add("<span class=\"metric\">" + Html.esc(e.getKey()) + " <b>"
                        + (v.isNumber() ? Html.number(v.asDouble()) : Html.esc(v.isValueNode() ? v.asText() : v.toString()))
                        + "</b></span>");
            }
        });
        return String.join(" ", parts);
    }

    private static void link(StringBuilder h, String base, Link l, String id) {
        h.append("<a ").append(id == null ? "" : "id=\"" + id + "\" ").append("class=\"exp ").append(Html.esc(l.status()))
                .append("\" href=\"").append(base).append("/e/").append(Html.url(l.id())).append("\">")
                .append(Html.esc(l.label())).append(l.fitness() == null ? "" : " (" + Html.number(l.fitness()) + ")")
                .append("</a> ");
    }

    private static String preview(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= TEXT_PREVIEW ? s : s.substring(0, TEXT_PREVIEW) + "\n… (" + (s.length() - TEXT_PREVIEW)
                + " more characters; the API has all of it)";
    }

    private static String label(Experiment e) {
        return e.name() != null ? e.name() : e.id();
    }

    /**
     * The analyst's analysis: a JSON object (the structured analysis: design evaluation, results,
     * explanation, insight, ...) is shown field by field; anything else as text.
     */
    static String analysis(String text) {
        JsonNode n = json(text);
        if (n == null || !n.isObject()) {
            return "<p class=\"prose\">" + Html.esc(text) + "</p>";
        }
        StringBuilder h = new StringBuilder("<dl class=\"analysis\">");
        n.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            String value;
            if (v.isArray()) {
                List<String> parts = new ArrayList<>();
                v.forEach(x -> parts.add(x.isValueNode() ? x.asText() : x.toString()));
                value = String.join(", ", parts);
            } else {
                value = v.isValueNode() ? v.asText() : v.toPrettyString();
            }
            h.append("<dt>").append(Html.esc(words(e.getKey()))).append("</dt><dd class=\"prose\">").append(Html.esc(value))
                    .append("</dd>");
        });
        return h.append("</dl>").toString();
    }

    /** {@code expectationVsReality} → {@code expectation vs reality}. */
    private static String words(String key) {
        return key.replaceAll("([a-z])([A-Z])", "$1 $2").replace('_', ' ').toLowerCase(Locale.ROOT);
    }

    static JsonNode json(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (Exception ex) {
            return JSON.getNodeFactory().textNode(text);
        }
    }

}
