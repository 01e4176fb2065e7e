package archlab.knowledge.similarity;

import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Store;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.CanonicalHash;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Library;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The memory's answer to "has this been tried?": past experiments indexed by three signals, queried with
 * a candidate definition and its motivation.
 *
 * <ol>
 * <li><b>Canonical hash</b>: an equal hash is the same computation ({@link CanonicalHash}), a duplicate;
 *     its combined score is 1.</li>
 * <li><b>Graph</b>: the cosine of the {@link WlFeatures} count vectors, the normalised Weisfeiler-Lehman
 *     subtree kernel. Vectors sit in an inverted index, so a query touches only the postings of its own
 *     features; thousands of experiments answer in milliseconds.</li>
 * <li><b>Motivation text</b>: the cosine of {@link TextEmbedder} embeddings, when the index has an
 *     embedder and both sides have a motivation.</li>
 * </ol>
 *
 * A hit's combined score is the weighted mean ({@link Weights}) of the signals both sides have. Each hit
 * carries the neighbour's {@link Outcome} (fitness, status, failure kind and reason), so the planner can
 * see what became of similar ideas. Thread-safe: queries share a read lock, additions take a write lock.
 */
public final class SimilarityIndex {
    /** How the graph and text signals are mixed; each weight is used only when both sides have that signal. */
    public record Weights(double graph, double text) {
        public static final Weights DEFAULT = new Weights(0.7, 0.3);

        public Weights {
            if (graph < 0 || text < 0 || graph + text == 0) {
                throw new IllegalArgumentException("weights must be >= 0 and not both 0");
            }
        }
    }

    /**
     * A definition to look up.
     *
     * @param graph         its graph; null when there is none (an imported experiment in another language)
     * @param canonicalHash its canonical hash; computed from the graph when null
     * @param motivation    why it is being tried; may be null
     */
    public record Candidate(ArchGraph graph, String canonicalHash, String motivation) {
        public Candidate {
            if (canonicalHash == null && graph != null) {
                canonicalHash = CanonicalHash.of(graph);
            }
        }

        public static Candidate of(ArchGraph graph, String motivation) {
            return new Candidate(graph, null, motivation);
        }
    }

    /**
     * One past experiment to index.
     *
     * @param embedding the motivation's embedding when already known (from a cache); computed when null
     */
    public record Item(String experimentId, ArchGraph graph, String canonicalHash, String motivation,
                       float[] embedding, Outcome outcome) {
        public Item {
            Objects.requireNonNull(experimentId, "experimentId");
            if (outcome == null) {
                outcome = Outcome.UNKNOWN;
            }
        }
    }

    private static final class Entry {
        final String id;
        final String hash;
        final Map<String, Integer> features;
        final float[] text;
        final int graphDoc;
        Outcome outcome;

        Entry(String id, String hash, Map<String, Integer> features, float[] text, int graphDoc, Outcome outcome) {
            this.id = id;
            this.hash = hash;
            this.features = features;
            this.text = text;
            this.graphDoc = graphDoc;
            this.outcome = outcome;
        }
    }

    private final TextEmbedder embedder;
    private final Weights weights;
    private final int iterations;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, Entry> byId = new LinkedHashMap<>();
    private final Map<String, Set<String>> byHash = new HashMap<>();
    private final SparseIndex graphs = new SparseIndex();
    private final List<Entry> byDoc = new ArrayList<>();

    /** Graph and hash signals only. */
    public SimilarityIndex() {
        this(null, Weights.DEFAULT);
    }

    /** All three signals; {@code embedder} may be null for graph and hash only. */
    public SimilarityIndex(TextEmbedder embedder) {
        this(embedder, Weights.DEFAULT);
    }

    public SimilarityIndex(TextEmbedder embedder, Weights weights) {
        this(embedder, weights, WlFeatures.DEFAULT_ITERATIONS);
    }

    public SimilarityIndex(TextEmbedder embedder, Weights weights, int wlIterations) {
        this.embedder = embedder;
        this.weights = Objects.requireNonNull(weights, "weights");
        this.iterations = wlIterations;
    }

    /**
     * An index of a campaign's experiments in the store ({@code campaignId} null: every campaign). Definitions
     * in our language that check are parsed with {@code library} (the standard library and the campaign's
     * mined blocks); others are indexed by their motivation (the hypothesis's title and motivation) and hash
     * only. Each experiment's outcome is its fitness, status and failure.
     */
    public static SimilarityIndex fromStore(Store store, String campaignId, TextEmbedder embedder, Library library) {
        SimilarityIndex index = new SimilarityIndex(embedder);
        ExperimentQuery q = campaignId == null ? ExperimentQuery.all() : ExperimentQuery.campaign(campaignId);
        for (Experiment e : store.experiments().list(q)) {
            index.add(item(e, library));
        }
        return index;
    }

    /** An experiment of the store as an index item (its definition parsed when it is ours and checks). */
    public static Item item(Experiment e, Library library) {
        ArchGraph graph = null;
        if (e.trainable()) {
            try {
                graph = ModelDefinition.parse(e.definition(), e.id() + ".arch", library, Map.of()).graph();
            } catch (DefinitionException | RuntimeException ex) {
                graph = null; // it checked once; a mined block it called may be gone
            }
        }
        Hypothesis h = e.hypothesis();
        String motivation = Stream.of(h.title(), h.motivation()).filter(Objects::nonNull)
                .collect(Collectors.joining(". "));
        Outcome outcome = new Outcome(e.fitness(), e.status().dbValue(), e.failureKind(), e.failureMessage());
        return new Item(e.id(), graph, e.canonicalHash(), motivation.isBlank() ? null : motivation, null, outcome);
    }

    /** Indexes an experiment; its canonical hash is computed from the graph. */
    public void add(String experimentId, ArchGraph graph, String motivation, Outcome outcome) {
        add(new Item(experimentId, graph, null, motivation, null, outcome));
    }

    /** Indexes an experiment. An id already indexed is replaced. */
    public void add(Item item) {
        String hash = item.canonicalHash() != null ? item.canonicalHash()
                : item.graph() != null ? CanonicalHash.of(item.graph()) : null;
        Map<String, Integer> features = item.graph() != null ? WlFeatures.of(item.graph(), iterations) : null;
        float[] text = item.embedding() != null ? normalise(item.embedding().clone()) : embed(item.motivation());
        lock.writeLock().lock();
        try {
            removeLocked(item.experimentId());
            int doc = -1;
            if (features != null) {
                doc = graphs.add(features);
                while (byDoc.size() < doc) {
                    byDoc.add(null);
                }
            }
            Entry e = new Entry(item.experimentId(), hash, features, text, doc, item.outcome());
            if (doc >= 0) {
                byDoc.add(e);
            }
            byId.put(e.id, e);
            if (hash != null) {
                byHash.computeIfAbsent(hash, h -> new LinkedHashSet<>()).add(e.id);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Records a new outcome for an indexed experiment (it finished, or failed); false if the id is unknown. */
    public boolean updateOutcome(String experimentId, Outcome outcome) {
        lock.writeLock().lock();
        try {
            Entry e = byId.get(experimentId);
            if (e == null) {
                return false;
            }
            e.outcome = outcome == null ? Outcome.UNKNOWN : outcome;
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    public boolean remove(String experimentId) {
        lock.writeLock().lock();
        try {
            return removeLocked(experimentId);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private boolean removeLocked(String id) {
        Entry old = byId.remove(id);
        if (old == null) {
            return false;
        }
        if (old.graphDoc >= 0) {
            graphs.remove(old.graphDoc);
            byDoc.set(old.graphDoc, null);
        }
        if (old.hash != null) {
            Set<String> ids = byHash.get(old.hash);
            ids.remove(id);
            if (ids.isEmpty()) {
                byHash.remove(old.hash);
            }
        }
        return true;
    }

    public int size() {
        lock.readLock().lock();
        try {
            return byId.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    public boolean hasTextEmbedder() {
        return embedder != null;
    }

    /** Ids of the indexed experiments with this canonical hash, in the order they were added. */
    public List<String> duplicatesOf(String canonicalHash) {
        lock.readLock().lock();
        try {
            return List.copyOf(byHash.getOrDefault(canonicalHash, Set.of()));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The {@code k} most similar experiments to a definition and its motivation (may be null). */
    public List<SimilarHit> similar(ArchGraph graph, String motivation, int k) {
        return similar(Candidate.of(graph, motivation), k);
    }

    /** The {@code k} most similar experiments, best first; duplicates come first with score 1. */
    public List<SimilarHit> similar(Candidate candidate, int k) {
        if (k <= 0) {
            return List.of();
        }
        Map<String, Integer> features = candidate.graph() != null ? WlFeatures.of(candidate.graph(), iterations)
                : null;
        float[] text = embed(candidate.motivation());
        lock.readLock().lock();
        try {
            return query(candidate.canonicalHash(), features, text, k);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The neighbours with a summary: duplicates, novelty, failure kinds and mean fitness among them. */
    public SimilarityReport report(Candidate candidate, int k) {
        List<SimilarHit> hits = similar(candidate, k);
        List<String> duplicates = candidate.canonicalHash() == null ? List.of() : duplicatesOf(candidate.canonicalHash());
        double best = hits.isEmpty() ? 0 : hits.get(0).score();
        Map<String, Integer> kinds = new TreeMap<>();
        double sum = 0;
        int n = 0;
        for (SimilarHit h : hits) {
            Outcome o = h.outcome();
            if (o.isFailure()) {
                kinds.merge(o.failureKind() == null ? "unknown" : o.failureKind(), 1, Integer::sum);
            }
            if (o.fitness() != null) {
                sum += o.fitness();
                n++;
            }
        }
        return new SimilarityReport(hits, duplicates, Math.max(0, 1 - best), kinds, n == 0 ? null : sum / n);
    }

    private List<SimilarHit> query(String hash, Map<String, Integer> features, float[] text, int k) {
        // Gather candidates from each signal, then score the union on every signal.
        int pool = Math.max(4 * k, 32);
        Set<Entry> pooled = new LinkedHashSet<>();
        if (hash != null) {
            for (String id : byHash.getOrDefault(hash, Set.of())) {
                pooled.add(byId.get(id));
            }
        }
        float[] graphScores = null;
        if (features != null && graphs.documents() > 0) {
            graphScores = graphs.scores(features);
            for (int doc : top(graphScores, pool)) {
                Entry e = byDoc.get(doc);
                if (e != null) {
                    pooled.add(e);
                }
            }
        }
        if (text != null) {
            List<Entry> all = new ArrayList<>();
            float[] textScores = new float[byId.size()];
            int i = 0;
            for (Entry e : byId.values()) {
                all.add(e);
                textScores[i++] = e.text == null ? -2f : dot(text, e.text);
            }
            for (int idx : top(textScores, pool)) {
                if (textScores[idx] > -2f) {
                    pooled.add(all.get(idx));
                }
            }
        }
        List<SimilarHit> hits = new ArrayList<>(pooled.size());
        for (Entry e : pooled) {
            boolean duplicate = hash != null && hash.equals(e.hash);
            Double gs = null;
            if (features != null && e.features != null) {
                gs = duplicate || features.equals(e.features) ? 1.0 : WlFeatures.cosine(features, e.features);
            }
            Double ts = text != null && e.text != null ? (double) Math.max(0f, Math.min(1f, dot(text, e.text))) : null;
            double score;
            if (duplicate) {
                score = 1.0;
            } else {
                double num = 0;
                double den = 0;
                if (gs != null) {
                    num += weights.graph() * gs;
                    den += weights.graph();
                }
                if (ts != null) {
                    num += weights.text() * ts;
                    den += weights.text();
                }
                score = den == 0 ? 0 : num / den;
            }
            hits.add(new SimilarHit(e.id, score, duplicate, gs, ts, e.outcome));
        }
        hits.sort(Comparator.comparing(SimilarHit::duplicate).reversed()
                .thenComparing(Comparator.comparingDouble(SimilarHit::score).reversed())
                .thenComparing(SimilarHit::experimentId));
        return List.copyOf(hits.subList(0, Math.min(k, hits.size())));
    }

    /** Indices of the {@code n} largest values, largest first. */
    private static int[] top(float[] values, int n) {
        int m = Math.min(n, values.length);
        Integer[] idx = new Integer[values.length];
        for (int i = 0; i < values.length; i++) {
            idx[i] = i;
        }
        if (values.length > 4 * m && m > 0) {
            // Partial selection: keep a small sorted buffer.
            int[] best = new int[m];
            int filled = 0;
            for (int i = 0; i < values.length; i++) {
                if (filled < m) {
                    int j = filled++;
                    while (j > 0 && values[best[j - 1]] < values[i]) {
                        best[j] = best[j - 1];
                        j--;
                    }
                    best[j] = i;
                } else if (values[i] > values[best[m - 1]]) {
                    int j = m - 1;
                    while (j > 0 && values[best[j - 1]] < values[i]) {
                        best[j] = best[j - 1];
                        j--;
                    }
                    best[j] = i;
                }
            }
            return best;
        }
        java.util.Arrays.sort(idx, (a, b) -> Float.compare(values[b], values[a]));
        int[] out = new int[m];
        for (int i = 0; i < m; i++) {
            out[i] = idx[i];
        }
        return out;
    }

    private float[] embed(String text) {
        if (embedder == null || text == null || text.isBlank()) {
            return null;
        }
        return normalise(embedder.embed(text));
    }

    private static float[] normalise(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        if (s == 0) {
            return null;
        }
        float inv = (float) (1 / Math.sqrt(s));
        for (int i = 0; i < v.length; i++) {
            v[i] *= inv;
        }
        return v;
    }

    private static float dot(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalStateException("embeddings of different lengths: " + a.length + " and " + b.length
                    + "; one index needs one text embedder");
        }
        float s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
