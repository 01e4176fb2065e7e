package archlab.agent.browser;

import archlab.knowledge.store.SearchNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The search tree around one experiment: its ancestors, itself and its descendants a few levels down,
 * each node showing its best children first and counting the ones left out. A campaign of 100,000
 * experiments stays usable because a page never draws more than this neighbourhood; every node can
 * become the focus, and every hidden branch is one click away.
 *
 * <p>The tree is the lineage (each experiment under the one it was proposed from), which is the
 * tree the search expanded; where the MCTS kept statistics for a node (visits, mean backed-up value,
 * the value model's prior), they are shown with it.
 */
final class TreeView {
    static final int MAX_DEPTH = 6;
    static final int MAX_WIDTH = 60;
    private static final int ANCESTORS = 6;
    private static final int BOX_W = 150;
    private static final int BOX_H = 42;
    private static final int GAP_X = 16;
    private static final int GAP_Y = 44;

    private TreeView() {
    }

    /** The MCTS statistics of a node, when the search kept them. */
    record Search(int visits, double meanValue, double prior, double uncertainty) {
    }

    record Node(String id, String label, String parent, String status, Double fitness, Double subtreeBest,
                int subtreeSize, int hiddenChildren, boolean focus, boolean ancestor, Search search) {
    }

    record Tree(String focus, int depth, int width, int hiddenAncestors, double minFitness, double maxFitness,
                List<Node> nodes) {
    }

    /** A tree page is drawn with at most about this many nodes when the depth is not given. */
    static final int AUTO_NODES = 90;

    /**
     * The neighbourhood with the most levels (up to {@link #MAX_DEPTH}) that keeps to about
     * {@link #AUTO_NODES} nodes: deep for a narrow lineage, shallow for a bushy one.
     */
    static Tree auto(BrowsedCampaign bc, String focusId, int width) {
        Tree t = data(bc, focusId, 1, width);
        for (int depth = 2; depth <= MAX_DEPTH; depth++) {
            Tree deeper = data(bc, focusId, depth, width);
            if (deeper.nodes().size() > AUTO_NODES || deeper.nodes().size() == t.nodes().size()) {
                return deeper.nodes().size() > AUTO_NODES ? t : deeper;
            }
            t = deeper;
        }
        return t;
    }

    static Tree data(BrowsedCampaign bc, String focusId, int depth, int width) {
        ExperimentIndex idx = bc.index();
        ExperimentRow focus = null;
        if (focusId != null) {
            focus = idx.resolve(focusId);
            if (focus == null) {
                throw new NotFound(idx.notFound(focusId, bc.slug()));
            }
        }
        Map<String, Double> best = idx.subtreeBest();
        Map<String, Integer> size = idx.subtreeSize();
        Map<String, Search> search = search(bc);
        Comparator<ExperimentRow> byBest = Comparator.comparing((ExperimentRow r) -> best.get(r.id()),
                Comparator.nullsLast(Comparator.reverseOrder())).thenComparing(ExperimentRow::createdAt,
                Comparator.nullsLast(Comparator.naturalOrder()));
        Map<String, Node> nodes = new LinkedHashMap<>();
        int hiddenAncestors = 0;
        List<ExperimentRow> top;
        if (focus == null) {
            top = new ArrayList<>(idx.roots());
        } else {
            // The focus's ancestors, nearest last; a long lineage is cut and says how much.
            List<ExperimentRow> chain = new ArrayList<>();
            ExperimentRow a = idx.find(focus.parentId());
            java.util.Set<String> seen = new java.util.HashSet<>();
            seen.add(focus.id());
            while (a != null && seen.add(a.id())) {
                chain.add(0, a);
                a = idx.find(a.parentId());
            }
            if (chain.size() > ANCESTORS) {
                hiddenAncestors = chain.size() - ANCESTORS;
                chain = chain.subList(chain.size() - ANCESTORS, chain.size());
            }
            String parent = null;
            for (ExperimentRow r : chain) {
                nodes.put(r.id(), node(r, parent, best, size, search, idx.children(r.id()).size() - 1, false, true));
                parent = r.id();
            }
            top = new ArrayList<>(List.of(focus));
            if (parent != null) {
                // Place the focus under its parent by hand below.
                addSubtree(idx, focus, parent, depth, width, byBest, best, size, search, nodes, true);
                return new Tree(focus.id(), depth, width, hiddenAncestors, min(idx), max(idx), List.copyOf(nodes.values()));
            }
        }
        top.sort(byBest);
        int hiddenRoots = Math.max(0, top.size() - width);
        for (ExperimentRow r : top.subList(0, Math.min(width, top.size()))) {
            addSubtree(idx, r, null, depth, width, byBest, best, size, search, nodes, focus != null && r == focus);
        }
        if (focus == null) {
            showWinningLineage(bc, idx, best, size, search, nodes);
        }
        if (hiddenRoots > 0) {
            nodes.put("+roots", new Node("+roots", hiddenRoots + " more roots", null, "more", null, null, hiddenRoots,
                    0, false, false, null));
        }
        return new Tree(focus == null ? null : focus.id(), depth, width, hiddenAncestors, min(idx), max(idx),
                List.copyOf(nodes.values()));
    }

    /**
     * The first view always shows the lineage of the campaign's best design (the leaderboard's first,
     * {@link archlab.knowledge.store.StageScores#ranking}), however deep: ordering children by the
     * best fitness below them can put a branch whose explore-stage number is higher, but which was
     * never verified, ahead of the winner's, and the depth cut would hide it.
     */
    private static void showWinningLineage(BrowsedCampaign bc, ExperimentIndex idx, Map<String, Double> best,
                                           Map<String, Integer> size, Map<String, Search> search,
                                           Map<String, Node> nodes) {
        List<String> stages = OverviewView.stageNames(bc.campaign().config());
        ExperimentRow winner = idx.rows().stream().filter(ExperimentRow::ranked)
                .min(archlab.knowledge.store.StageScores.ranking(stages, ExperimentRow::stage, ExperimentRow::fitness,
                        ExperimentRow::id)).orElse(null);
        List<ExperimentRow> chain = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (ExperimentRow a = winner; a != null && seen.add(a.id()); a = idx.find(a.parentId())) {
            chain.add(0, a);
        }
        if (chain.isEmpty() || !nodes.containsKey(chain.get(0).id())) {
            return;   // its root is among the roots left out; "+N more roots" leads there
        }
        for (int i = 1; i < chain.size(); i++) {
            ExperimentRow r = chain.get(i);
            String parent = chain.get(i - 1).id();
            if (nodes.containsKey(r.id())) {
                continue;
            }
            Node p = nodes.get(parent);
            nodes.put(parent, new Node(p.id(), p.label(), p.parent(), p.status(), p.fitness(), p.subtreeBest(),
                    p.subtreeSize(), Math.max(0, p.hiddenChildren() - 1), p.focus(), p.ancestor(), p.search()));
            nodes.put(r.id(), node(r, parent, best, size, search, idx.children(r.id()).size(), false, false));
        }
    }

    private static void addSubtree(ExperimentIndex idx, ExperimentRow root, String parent, int depth, int width,
                                   Comparator<ExperimentRow> order, Map<String, Double> best, Map<String, Integer> size,
                                   Map<String, Search> search, Map<String, Node> out, boolean focus) {
        record Item(ExperimentRow r, String parent, int level) {
        }
        List<Item> queue = new ArrayList<>();
        queue.add(new Item(root, parent, 0));
        for (int i = 0; i < queue.size(); i++) {
            Item it = queue.get(i);
            if (out.containsKey(it.r().id())) {
                continue;
            }
            List<ExperimentRow> kids = new ArrayList<>(idx.children(it.r().id()));
            int shown = it.level() < depth ? Math.min(width, kids.size()) : 0;
            out.put(it.r().id(), node(it.r(), it.parent(), best, size, search, kids.size() - shown,
                    focus && it.r() == root, false));
            if (shown > 0) {
                kids.sort(order);
                for (ExperimentRow k : kids.subList(0, shown)) {
                    queue.add(new Item(k, it.r().id(), it.level() + 1));
                }
            }
        }
    }

    private static Node node(ExperimentRow r, String parent, Map<String, Double> best, Map<String, Integer> size,
                             Map<String, Search> search, int hidden, boolean focus, boolean ancestor) {
        return new Node(r.id(), r.label(), parent, r.status().dbValue(), r.baseline() ? null : r.fitness(),
                best.get(r.id()), size.getOrDefault(r.id(), 1), Math.max(0, hidden), focus, ancestor, search.get(r.id()));
    }

    private static double min(ExperimentIndex idx) {
        return idx.fitnessRange()[0];
    }

    private static double max(ExperimentIndex idx) {
        return idx.fitnessRange()[1];
    }

    /** The search's node statistics by experiment, read once per snapshot. */
    private static Map<String, Search> search(BrowsedCampaign bc) {
        return bc.memo("search-nodes", () -> {
            Map<String, Search> m = new HashMap<>();
            for (SearchNode n : bc.store().searchStats().nodes(bc.campaignId())) {
                if (n.experimentId() != null) {
                    m.put(n.experimentId(), new Search(n.visits(), n.visits() == 0 ? 0 : n.valueSum() / n.visits(),
                            n.priorMean(), n.priorUncertainty()));
                }
            }
            return m;
        });
    }

    static String html(BrowsedCampaign bc, Tree t) {
        String base = "/c/" + Html.url(bc.slug());
        StringBuilder h = new StringBuilder();
        h.append("<h1>Search tree</h1><p class=\"muted\">");
        if (t.focus() == null) {
            h.append("The roots of the search, best branches first. ");
        } else {
            ExperimentRow f = bc.index().find(t.focus());
            h.append("Around <a href=\"").append(base).append("/e/").append(Html.url(t.focus())).append("\">")
                    .append(Html.esc(f == null ? t.focus() : f.label())).append("</a>: its ancestors")
                    .append(t.hiddenAncestors() > 0 ? " (the nearest " + ANCESTORS + "; " + t.hiddenAncestors()
                            + " older ones hidden)" : "").append(" and ").append(t.depth()).append(" levels below. ")
                    .append("<a href=\"").append(base).append("/tree\">back to the roots</a>. ");
        }
        h.append("Colour: fitness, from red (worst of the campaign) to green (best). Click a node to open it; ")
                .append("⊕ focuses the tree on it; − folds its branch. Scroll or use the buttons to zoom, drag to move.</p>");
        h.append("<form class=\"filters\" method=\"get\" action=\"").append(base).append("/tree\">");
        if (t.focus() != null) {
            h.append("<input type=\"hidden\" name=\"focus\" value=\"").append(Html.esc(t.focus())).append("\">");
        }
        h.append("<label>levels <input name=\"depth\" type=\"number\" min=\"1\" max=\"").append(MAX_DEPTH)
                .append("\" value=\"").append(t.depth()).append("\"></label><label>children per node <input name=\"width\" ")
                .append("type=\"number\" min=\"1\" max=\"").append(MAX_WIDTH).append("\" value=\"").append(t.width())
                .append("\"></label><button type=\"submit\">show</button></form>");
        h.append("<div class=\"zoom-controls\" data-target=\"search-tree\"><button type=\"button\" data-zoom=\"in\">+</button>")
                .append("<button type=\"button\" data-zoom=\"out\">−</button><button type=\"button\" data-zoom=\"reset\">fit</button></div>");
        h.append("<div class=\"scroll tree-box\">").append(svg(base, t)).append("</div>");
        return h.toString();
    }

    /** A layered drawing: leaves spread evenly, each parent centred over its shown children. */
    private static String svg(String base, Tree t) {
        Map<String, List<Node>> kids = new HashMap<>();
        List<Node> roots = new ArrayList<>();
        Map<String, Node> byId = new HashMap<>();
        t.nodes().forEach(n -> byId.put(n.id(), n));
        for (Node n : t.nodes()) {
            if (n.parent() == null || !byId.containsKey(n.parent())) {
                roots.add(n);
            } else {
                kids.computeIfAbsent(n.parent(), k -> new ArrayList<>()).add(n);
            }
        }
        Map<String, double[]> at = new HashMap<>();
        double[] next = {0};
        int[] deepest = {0};
        for (Node r : roots) {
            place(r, 0, kids, at, next, deepest);
        }
        int width = (int) Math.max(320, next[0] * (BOX_W + GAP_X) + GAP_X);
        int height = (deepest[0] + 1) * (BOX_H + GAP_Y) + GAP_Y;
        double span = t.maxFitness() - t.minFitness();
        StringBuilder s = new StringBuilder();
        s.append("<svg class=\"tree zoomable\" id=\"search-tree\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
                .append(width).append(' ').append(height).append("\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\">");
        s.append("<g class=\"edges\">");
        for (Node n : t.nodes()) {
            if (n.parent() != null && at.containsKey(n.parent())) {
                double[] a = at.get(n.parent());
                double[] b = at.get(n.id());
                double x1 = x(a) + BOX_W / 2.0;
                double y1 = y(a) + BOX_H;
                double x2 = x(b) + BOX_W / 2.0;
                double y2 = y(b);
                s.append("<path data-child=\"").append(Html.esc(n.id())).append("\" d=\"M").append(f(x1)).append(' ')
                        .append(f(y1)).append(" C").append(f(x1)).append(' ').append(f(y1 + GAP_Y / 2.0)).append(' ')
                        .append(f(x2)).append(' ').append(f(y2 - GAP_Y / 2.0)).append(' ').append(f(x2)).append(' ')
                        .append(f(y2)).append("\"/>");
            }
        }
        s.append("</g>");
        for (Node n : t.nodes()) {
            double[] p = at.get(n.id());
            if (p == null) {
                continue;
            }
            double x = x(p);
            double y = y(p);
            if (n.id().equals("+roots")) {
                s.append("<g class=\"node more\"><rect x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" width=\"")
                        .append(BOX_W).append("\" height=\"").append(BOX_H).append("\" rx=\"6\"/><text x=\"").append(f(x + 8))
                        .append("\" y=\"").append(f(y + 25)).append("\">").append(Html.esc(n.label())).append("</text></g>");
                continue;
            }
            Double colourBy = n.fitness();
            String fill = Html.heat(colourBy == null ? null : span > 0 ? (colourBy - t.minFitness()) / span : 1.0);
            s.append("<g class=\"node").append(n.focus() ? " focus" : "").append(n.ancestor() ? " ancestor" : "")
                    .append("\" data-id=\"").append(Html.esc(n.id())).append("\" data-parent=\"")
                    .append(Html.esc(n.parent() == null ? "" : n.parent())).append("\">");
            s.append("<a class=\"open\" href=\"").append(base).append("/e/").append(Html.url(n.id())).append("\"><title>")
                    .append(Html.esc(tooltip(n))).append("</title><rect x=\"").append(f(x)).append("\" y=\"").append(f(y))
                    .append("\" width=\"").append(BOX_W).append("\" height=\"").append(BOX_H).append("\" rx=\"6\" fill=\"")
                    .append(fill).append("\"/><text x=\"").append(f(x + 6)).append("\" y=\"").append(f(y + 16)).append("\">")
                    .append(Html.esc(clip(n.label(), 18))).append("</text><text class=\"sub\" x=\"").append(f(x + 6))
                    .append("\" y=\"").append(f(y + 32)).append("\">")
                    .append(Html.esc(n.fitness() == null ? n.status() : Html.number(n.fitness())))
                    .append(n.search() == null ? "" : " · " + n.search().visits() + " visits").append("</text></a>");
            s.append("<a class=\"focus-link\" href=\"").append(base).append("/tree?focus=").append(Html.url(n.id()))
                    .append("&amp;width=").append(t.width())
                    .append("\"><title>focus the tree here</title><text x=\"").append(f(x + BOX_W - 16)).append("\" y=\"")
                    .append(f(y + 16)).append("\">⊕</text></a>");
            boolean hasShownKids = kids.containsKey(n.id());
            if (hasShownKids) {
                s.append("<g class=\"fold\" data-fold=\"").append(Html.esc(n.id())).append("\"><title>fold this branch")
                        .append("</title><rect x=\"").append(f(x + BOX_W - 18)).append("\" y=\"").append(f(y + BOX_H - 17))
                        .append("\" width=\"15\" height=\"15\" rx=\"3\"/><text x=\"").append(f(x + BOX_W - 14))
                        .append("\" y=\"").append(f(y + BOX_H - 5)).append("\">−</text></g>");
            }
            if (n.hiddenChildren() > 0) {
                s.append("<a class=\"more-link\" href=\"").append(base).append("/tree?focus=").append(Html.url(n.id()))
                        .append("&amp;width=").append(Math.min(MAX_WIDTH,
                                Math.max(t.width(), 30))).append("\"><text x=\"").append(f(x + BOX_W / 2.0 - 18))
                        .append("\" y=\"").append(f(y + BOX_H + 14)).append("\">+").append(n.hiddenChildren())
                        .append(" more</text></a>");
            }
            s.append("</g>");
        }
        return s.append("</svg>").toString();
    }

    private static String tooltip(Node n) {
        StringBuilder b = new StringBuilder(n.label()).append(" (").append(n.status()).append(")");
        if (n.fitness() != null) {
            b.append("\nfitness ").append(Html.number(n.fitness()));
        }
        if (n.subtreeBest() != null) {
            b.append("\nbest below ").append(Html.number(n.subtreeBest()));
        }
        b.append("\n").append(n.subtreeSize()).append(" experiments in this branch");
        if (n.search() != null) {
            b.append(String.format(Locale.ROOT, "\nMCTS: %d visits, mean value %.3f, prior %.3f ± %.3f",
                    n.search().visits(), n.search().meanValue(), n.search().prior(), n.search().uncertainty()));
        }
        return b.toString();
    }

    private static double place(Node n, int level, Map<String, List<Node>> kids, Map<String, double[]> at,
                                double[] next, int[] deepest) {
        deepest[0] = Math.max(deepest[0], level);
        List<Node> ks = kids.getOrDefault(n.id(), List.of());
        double x;
        if (ks.isEmpty()) {
            x = next[0]++;
        } else {
            double sum = 0;
            for (Node k : ks) {
                sum += place(k, level + 1, kids, at, next, deepest);
            }
            x = sum / ks.size();
        }
        at.put(n.id(), new double[] {x, level});
        return x;
    }

    private static double x(double[] p) {
        return GAP_X + p[0] * (BOX_W + GAP_X);
    }

    private static double y(double[] p) {
        return GAP_Y / 2.0 + p[1] * (BOX_H + GAP_Y);
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
