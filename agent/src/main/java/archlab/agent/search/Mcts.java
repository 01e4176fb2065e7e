package archlab.agent.search;

import archlab.agent.research.Move;
import archlab.agent.search.SearchTree.Node;
import archlab.knowledge.store.SearchMoveStat;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The value-guided hierarchical MCTS (docs/search.md). Each step has three levels:
 * <ol>
 * <li><b>Node selection.</b> From the virtual root, descend by PUCT until a node that progressive
 *     widening lets grow: a node with N visits may have ceil(c_w N^alpha) children. The root's children
 *     are fresh candidates, so widening the root is global exploration.</li>
 * <li><b>Move selection</b> for that node: a UCB1 bandit over the research moves.</li>
 * <li><b>Screening.</b> The K proposals are ranked by the value model's mean + kappa * uncertainty; the
 *     top M are evaluated and the rest recorded as screened out.</li>
 * </ol>
 * Results back up as normalised fitness (rank among the results so far). A node's value Q mixes the mean
 * of its subtree's backed-up values with the normalised best result in it ({@link SearchSettings#maxBackup}).
 */
final class Mcts implements SearchStrategy {
    static final String NAME = "mcts";
    private static final double MIN_PRIOR = 1e-3;

    private final SearchSettings s;
    private final SearchTree tree;
    private final MoveBandit bandit;
    private final ValueModel model;
    private final String campaignId;
    private int modelTrainedOn = -1;

    Mcts(SearchSettings settings, SearchJournal journal) {
        this.s = settings;
        this.campaignId = journal.campaignId();
        SearchHistory history = journal.load();
        this.tree = new SearchTree(NAME, settings, journal, history);
        this.bandit = new MoveBandit(settings.moveExploration(), history.moves());
        this.model = ValueModel.of(settings);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Expansion next() {
        long step = tree.nextStep();
        Node v = select();
        if (v.isRoot()) {
            return new Expansion(step, null, null, List.of(), s.proposals(), s.evaluations());
        }
        Move move = bandit.choose(movesFor(v));
        List<String> references = move == Move.RECOMBINE ? references(v) : List.of();
        return new Expansion(step, v.key, move, references, s.proposals(), s.evaluations());
    }

    /** Level 1: descend from the root by PUCT to the first node that widening lets grow. */
    Node select() {
        Node v = tree.root;
        while (true) {
            if (canGrow(v)) {
                return v;
            }
            Node next = null;
            double best = Double.NEGATIVE_INFINITY;
            double priorSum = 0;
            for (Node c : v.children) {
                if (alive(c)) {
                    priorSum += prior(c);
                }
            }
            double sqrtN = Math.sqrt(v.visits + v.pending);
            for (Node c : v.children) {
                if (!alive(c)) {
                    continue;
                }
                double u = q(c) + s.cPuct() * prior(c) / priorSum * sqrtN / (1 + c.visits + c.pending);
                if (u > best) {
                    best = u;
                    next = c;
                }
            }
            if (next == null) {
                // every child is spent: grow this node after all (the root always can)
                return v;
            }
            v = next;
        }
    }

    /** Progressive widening: room for one more child, and something left to propose from. */
    private boolean canGrow(Node v) {
        if (v.exhausted || !v.isRoot() && movesFor(v).isEmpty()) {
            return false;
        }
        double n = v.visits + v.pending;
        int allowed = Math.max(1, (int) Math.ceil(s.wideningC() * Math.pow(n, s.wideningAlpha())));
        return v.children.size() + pendingChildren(v) < allowed;
    }

    /** Chosen candidates of v itself awaiting results: v's virtual visits not explained by its children's. */
    private static int pendingChildren(Node v) {
        int inChildren = 0;
        for (Node c : v.children) {
            inChildren += c.pending;
        }
        return v.pending - inChildren;
    }

    /** Whether the subtree still has a node that can grow. */
    private boolean alive(Node c) {
        if (!c.exhausted && !movesFor(c).isEmpty()) {
            return true;
        }
        for (Node g : c.children) {
            if (alive(g)) {
                return true;
            }
        }
        return false;
    }

    /** Q: mean backed-up value mixed with the normalised best result of the subtree. */
    double q(Node c) {
        double mean = c.visits == 0 ? 0 : c.valueSum / c.visits;
        double max = c.best == null ? 0 : tree.normalise(c.best);
        return (1 - s.maxBackup()) * mean + s.maxBackup() * max;
    }

    /** P: the value model's optimistic forecast when the node was screened in. */
    private double prior(Node c) {
        return Math.max(MIN_PRIOR, c.priorMean + s.kappa() * c.priorUncertainty);
    }

    private List<Move> movesFor(Node v) {
        List<Move> out = new ArrayList<>();
        for (Move m : s.moves()) {
            if (v.failed() && m != Move.REFINE) {
                continue; // a failed design is only worth repairing
            }
            if (m == Move.RECOMBINE && tree.size() < 2) {
                continue;
            }
            out.add(m);
        }
        return out;
    }

    private List<String> references(Node v) {
        List<String> out = new ArrayList<>();
        for (Node n : tree.byFitness()) {
            if (out.size() == s.references()) {
                break;
            }
            if (n != v) {
                out.add(n.key);
            }
        }
        return out;
    }

    @Override
    public Screening screen(Expansion e, List<Candidate> candidates) {
        // a design the model cannot tell from one already evaluated (same key, or same features) would
        // teach it nothing: drop it, as well as repeats within the proposals
        List<Candidate> fresh = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        Set<Map<String, Double>> features = new HashSet<>();
        for (Candidate c : candidates) {
            if (!tree.seenDesign(c) && keys.add(c.key()) && (c.features().isEmpty() || features.add(c.features()))) {
                fresh.add(c);
            }
        }
        int duplicates = candidates.size() - fresh.size();
        train();
        List<Screened> scored = new ArrayList<>(fresh.size());
        for (int i = 0; i < fresh.size(); i++) {
            Prediction p = model.predict(fresh.get(i).features());
            scored.add(new Screened(fresh.get(i), p, p.score(s.kappa()), i));
        }
        // best score first; equal scores keep the proposal order
        List<Screened> ranked = new ArrayList<>(scored);
        ranked.sort(Comparator.comparingDouble((Screened x) -> -x.score()).thenComparingInt(Screened::rank));
        List<Screened> chosen = new ArrayList<>();
        List<Screened> out = new ArrayList<>();
        for (int r = 0; r < ranked.size(); r++) {
            Screened x = ranked.get(r);
            Screened withRank = new Screened(x.candidate(), x.prediction(), x.score(), r);
            (r < e.evaluations() ? chosen : out).add(withRank);
        }
        tree.screened(e, chosen, out, model.trained(), tree.size());
        if (chosen.isEmpty()) {
            tree.exhaust(e.parent() == null ? tree.root : tree.node(e.parent()));
        }
        return new Screening(e, chosen, out, duplicates);
    }

    private void train() {
        if (modelTrainedOn == tree.size()) {
            return;
        }
        model.fit(tree.trainingFeatures(), tree.trainingTargets(), s.seed() * 7919 + tree.size());
        modelTrainedOn = tree.size();
    }

    @Override
    public void observe(Observation o) {
        SearchMoveStat moveStat = null;
        if (o.move() != null && o.parent() != null && tree.node(o.key()) == null) {
            Node parent = tree.node(o.parent());
            boolean improved = o.fitness() != null && parent != null
                    && (parent.fitness == null || o.fitness() > parent.fitness);
            moveStat = bandit.update(campaignId, o.move(), improved ? 1 : 0);
        }
        tree.add(o, moveStat);
    }

    @Override
    public RankQuality rankQuality() {
        return tree.rankQuality();
    }

    @Override
    public int observed() {
        return tree.size();
    }
}
