package archlab.agent.search;

import archlab.agent.research.Move;
import archlab.knowledge.store.ScreenedCandidate;
import archlab.knowledge.store.SearchMoveStat;
import archlab.knowledge.store.SearchNode;
import archlab.knowledge.store.ValuePrediction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The experiment tree every strategy keeps: one node per evaluated candidate under a virtual root (whose
 * children are the fresh candidates), with the backed-up statistics, the ranks that normalise fitness,
 * the candidates chosen but not yet heard back about, the step counter and the prequential log. Every
 * change goes to the journal as it happens; a tree built from a journal's history continues exactly
 * where the one that wrote it stopped.
 */
final class SearchTree {
    /** One node. Mutable statistics, immutable identity. */
    static final class Node {
        final String key;
        final Node parent;
        final List<Node> children = new ArrayList<>();
        final String experimentId;
        final Move move;
        final int depth;
        final long seq;
        final long step;
        final Double fitness;
        final Map<String, Double> features;
        final double priorMean;
        final double priorUncertainty;
        int visits;
        double valueSum;
        Double best;
        boolean exhausted;
        /** Candidates chosen in this node's subtree whose results have not arrived (virtual visits). */
        int pending;

        Node(String key, Node parent, String experimentId, Move move, int depth, long seq, long step, Double fitness,
             Map<String, Double> features, double priorMean, double priorUncertainty) {
            this.key = key;
            this.parent = parent;
            this.experimentId = experimentId;
            this.move = move;
            this.depth = depth;
            this.seq = seq;
            this.step = step;
            this.fitness = fitness;
            this.features = features;
            this.priorMean = priorMean;
            this.priorUncertainty = priorUncertainty;
        }

        boolean isRoot() {
            return parent == null;
        }

        boolean failed() {
            return fitness == null;
        }
    }

    /** A chosen candidate awaiting its result, with the forecast it was chosen by. */
    private record Pending(String parent, long step, Prediction prediction, int trainingSize, boolean predicted) {
    }

    private final String strategy;
    private final SearchSettings settings;
    private final SearchJournal journal;
    private final String settingsJson;
    final Node root = new Node("", null, null, null, 0, -1, -1, null, Map.of(), 0, 0);
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final FitnessRanks ranks = new FitnessRanks();
    private final Map<String, Pending> pending = new HashMap<>();
    /** The features of every evaluated or pending candidate: designs the value model cannot tell apart. */
    private final Set<Map<String, Double>> seenFeatures = new HashSet<>();
    private final List<double[]> prequential = new ArrayList<>();
    private final List<Map<String, Double>> earlierFeatures = new ArrayList<>();
    private final List<Double> earlierTargets = new ArrayList<>();
    private long step;

    SearchTree(String strategy, SearchSettings settings, SearchJournal journal, SearchHistory history) {
        this.strategy = strategy;
        this.settings = settings;
        this.journal = journal;
        this.settingsJson = settings.toJson();
        restore(history);
    }

    private void restore(SearchHistory h) {
        step = h.step();
        for (SearchNode s : h.nodes()) {
            Node parent = s.parentKey() == null ? root : nodes.get(s.parentKey());
            if (parent == null) {
                throw new IllegalStateException("search node " + s.key() + " of campaign " + s.campaignId()
                        + " names a parent that is not in the tree: " + s.parentKey());
            }
            Node n = new Node(s.key(), parent, s.experimentId(), s.move() == null ? null : Move.parse(s.move()),
                    s.depth(), s.seq(), s.step(), s.fitness(), s.features(), s.priorMean(), s.priorUncertainty());
            n.visits = s.visits();
            n.valueSum = s.valueSum();
            n.best = s.bestFitness();
            n.exhausted = s.exhausted();
            parent.children.add(n);
            nodes.put(n.key, n);
            seenFeatures.add(n.features);
            if (n.fitness != null) {
                ranks.add(n.fitness);
            }
        }
        root.visits = nodes.size();
        for (Node c : root.children) {
            root.valueSum += c.valueSum;
            root.best = max(root.best, c.best);
        }
        warmStart(h.earlier());
        for (ValuePrediction p : h.predictions()) {
            if (p.fitness() != null) {
                prequential.add(new double[] {p.predictedMean(), p.fitness()});
            }
        }
    }

    /** Earlier campaigns' results, each normalised by the ranks within its own campaign. */
    private void warmStart(List<SearchNode> earlier) {
        Map<String, FitnessRanks> byCampaign = new LinkedHashMap<>();
        for (SearchNode s : earlier) {
            if (s.fitness() != null) {
                byCampaign.computeIfAbsent(s.campaignId(), c -> new FitnessRanks()).add(s.fitness());
            }
        }
        for (SearchNode s : earlier) {
            FitnessRanks r = byCampaign.get(s.campaignId());
            earlierFeatures.add(s.features());
            earlierTargets.add(s.fitness() == null || r == null ? 0 : r.normalise(s.fitness()));
        }
    }

    // ---- steps and randomness ----

    /** Counts a new step and records it; returns its number (from 1). */
    long nextStep() {
        step++;
        journal.stepped(strategy, step, settingsJson);
        return step;
    }

    long step() {
        return step;
    }

    /** The random source of one step: a function of the seed and the step alone, so resuming replays it. */
    SplittableRandom rng(long forStep) {
        return new SplittableRandom(settings.seed() * 0x9E3779B97F4A7C15L + forStep * 0xBF58476D1CE4E5B9L + 17);
    }

    // ---- what is known ----

    Node node(String key) {
        return nodes.get(key);
    }

    /** Every node in the order results arrived. */
    List<Node> nodes() {
        return Collections.unmodifiableList(new ArrayList<>(nodes.values()));
    }

    int size() {
        return nodes.size();
    }

    /** Whether {@code key} was evaluated or is awaiting its result. */
    boolean seen(String key) {
        return nodes.containsKey(key) || pending.containsKey(key);
    }

    /**
     * Whether a candidate is, to the value model, a design already evaluated or pending: the same key,
     * or the same non-empty features (for NB201, a cell that differs from a seen one only in edges that
     * compute nothing, i.e. the same network).
     */
    boolean seenDesign(Candidate c) {
        return seen(c.key()) || !c.features().isEmpty() && seenFeatures.contains(c.features());
    }

    /** Fitness on the normalised scale (rank among the results so far), 0 for a failure. */
    double normalise(Double fitness) {
        return fitness == null ? 0 : ranks.normalise(fitness);
    }

    /** The successful nodes, best first (ties: earlier first). */
    List<Node> byFitness() {
        List<Node> ok = new ArrayList<>();
        for (Node n : nodes.values()) {
            if (!n.failed()) {
                ok.add(n);
            }
        }
        ok.sort(Comparator.comparingDouble((Node n) -> -n.fitness).thenComparingLong(n -> n.seq));
        return ok;
    }

    /**
     * The value model's training data: the warm-start results of earlier campaigns, then every node's
     * features and normalised fitness, in arrival order.
     */
    List<Map<String, Double>> trainingFeatures() {
        List<Map<String, Double>> out = new ArrayList<>(earlierFeatures.size() + nodes.size());
        out.addAll(earlierFeatures);
        for (Node n : nodes.values()) {
            out.add(n.features);
        }
        return out;
    }

    double[] trainingTargets() {
        double[] y = new double[earlierTargets.size() + nodes.size()];
        int i = 0;
        for (double t : earlierTargets) {
            y[i++] = t;
        }
        for (Node n : nodes.values()) {
            y[i++] = normalise(n.fitness);
        }
        return y;
    }

    RankQuality rankQuality() {
        double[] p = new double[prequential.size()];
        double[] a = new double[prequential.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = prequential.get(i)[0];
            a[i] = prequential.get(i)[1];
        }
        return RankQuality.of(p, a);
    }

    // ---- changes ----

    /**
     * Records a screening: the chosen candidates become pending (virtual visits on their parent's path)
     * and every row goes to the journal. {@code predicted} says whether the predictions came from the
     * value model (only those enter the prequential log).
     */
    void screened(Expansion e, List<Screened> chosen, List<Screened> screenedOut, boolean predicted,
                  int trainingSize) {
        List<ScreenedCandidate> rows = new ArrayList<>(chosen.size() + screenedOut.size());
        for (Screened s : chosen) {
            pending.put(s.key(), new Pending(e.parent(), e.step(), s.prediction(), trainingSize, predicted));
            seenFeatures.add(s.candidate().features());
            for (Node a = parentNode(e.parent()); a != null; a = a.parent) {
                a.pending++;
            }
            rows.add(row(e, s, true));
        }
        for (Screened s : screenedOut) {
            rows.add(row(e, s, false));
        }
        journal.screened(rows);
    }

    private ScreenedCandidate row(Expansion e, Screened s, boolean chosen) {
        return new ScreenedCandidate(journal.campaignId(), e.step(), e.parent(), e.move() == null ? null : e.move().id(),
                s.key(), s.prediction().mean(), s.prediction().uncertainty(), s.score(), s.rank(), chosen);
    }

    /**
     * Screening without a value model, for the baselines: the first {@code expansion.evaluations()}
     * candidates not seen before, in the order proposed. The others were never judged, so nothing
     * records them as screened out.
     */
    Screening takeInOrder(Expansion e, List<Candidate> candidates) {
        List<Screened> chosen = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        int duplicates = 0;
        for (Candidate c : candidates) {
            if (seen(c.key()) || !keys.add(c.key())) {
                duplicates++;
            } else if (chosen.size() < e.evaluations()) {
                chosen.add(new Screened(c, Prediction.UNINFORMED, Prediction.UNINFORMED.mean(), chosen.size()));
            }
        }
        screened(e, chosen, List.of(), false, size());
        if (chosen.isEmpty()) {
            exhaust(e.parent() == null ? root : node(e.parent()));
        }
        return new Screening(e, chosen, List.of(), duplicates);
    }

    /**
     * Marks a node that yielded no new candidate, so that selection stops choosing it. The root (no
     * fresh candidate left) is marked in memory only: a resumed search asks the space once more.
     */
    void exhaust(Node n) {
        if (n.isRoot()) {
            n.exhausted = true;
        } else if (!n.exhausted) {
            n.exhausted = true;
            journal.observed(List.of(record(n)), null, null);
        }
    }

    /**
     * Adds a result: a new node under its parent, its normalised fitness backed up to the root, and
     * the journal written (nodes, {@code move} when not null, and the prequential row). A result for a
     * key that is already a node is ignored (a resumed campaign may report it twice).
     */
    Node add(Observation o, SearchMoveStat move) {
        Node known = nodes.get(o.key());
        if (known != null) {
            return known;
        }
        Node parent = parentNode(o.parent());
        if (parent == null) {
            throw new IllegalArgumentException("result for " + o.key() + " names parent " + o.parent()
                    + ", which the search has not evaluated");
        }
        Pending p = pending.remove(o.key());
        if (p != null) {
            for (Node a = parentNode(p.parent()); a != null; a = a.parent) {
                a.pending = Math.max(0, a.pending - 1);
            }
        }
        Prediction prior = p == null ? Prediction.UNINFORMED : p.prediction();
        Node n = new Node(o.key(), parent, o.experimentId(), o.move(), parent.depth + 1, nodes.size(),
                p == null ? step : p.step(), o.fitness(), o.features(), prior.mean(), prior.uncertainty());
        parent.children.add(n);
        nodes.put(n.key, n);
        seenFeatures.add(n.features);
        if (o.fitness() != null) {
            ranks.add(o.fitness());
        }
        double r = normalise(o.fitness());
        List<SearchNode> changed = new ArrayList<>();
        for (Node a = n; a != null; a = a.parent) {
            a.visits++;
            a.valueSum += r;
            a.best = max(a.best, o.fitness());
            if (!a.isRoot()) {
                changed.add(record(a));
            }
        }
        ValuePrediction logged = null;
        if (p != null && p.predicted()) {
            logged = new ValuePrediction(journal.campaignId(), n.key, p.step(), p.trainingSize(),
                    p.prediction().mean(), p.prediction().uncertainty(), o.fitness());
            if (o.fitness() != null) {
                prequential.add(new double[] {p.prediction().mean(), o.fitness()});
            }
        }
        journal.observed(changed, move, logged);
        return n;
    }

    private Node parentNode(String key) {
        return key == null ? root : nodes.get(key);
    }

    private SearchNode record(Node n) {
        return new SearchNode(journal.campaignId(), n.key, n.parent.isRoot() ? null : n.parent.key, n.experimentId,
                n.move == null ? null : n.move.id(), n.depth, n.seq, n.step, n.fitness, n.visits, n.valueSum, n.best,
                n.priorMean, n.priorUncertainty, n.exhausted, n.features);
    }

    private static Double max(Double a, Double b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return Math.max(a, b);
    }
}
