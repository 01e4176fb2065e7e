package archlab.knowledge.papers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Hybrid retrieval over the paper notes: semantic similarity (all-MiniLM-L6-v2 embeddings) mixed with keyword
 * matching (BM25). Built once from the notes; the passage embeddings are cached on disk (see
 * {@link EmbeddingCache}), so only a changed library is embedded again. Immutable and safe to share.
 *
 * <h2>What is indexed</h2>
 * Each note is cut into passages: its title with its tags; each "When to try" bullet on its own; and its
 * insight and idea, split at paragraph and sentence boundaries into pieces of at most {@value #MAX_WORDS} words
 * (the model reads 256 word pieces at most, and a short passage keeps one topic per vector). The "In archlab"
 * section is not indexed: code says little about when to use it. BM25 sees one document per note: the title
 * (twice), tags, insight, bullets and idea.
 *
 * <h2>Scoring</h2>
 * <ul>
 *   <li><b>semantic</b>: the best cosine similarity between the query and one of the note's passages
 *       (max-pooling: a note matches when any part of it does, and a long note is not penalised);</li>
 *   <li><b>keyword</b>: the note's BM25 score divided by the best BM25 score for this query (0 to 1);</li>
 *   <li><b>score</b> = {@value #SEMANTIC_WEIGHT} × semantic / best semantic + {@value #KEYWORD_WEIGHT} × keyword:
 *       a convex combination of scores normalised per query with a fixed lower bound of 0 (Bruch, Gai and
 *       Ingber, "An Analysis of Fusion Functions for Hybrid Retrieval", 2023, found this beats reciprocal
 *       rank fusion and is robust to the weight). Semantic carries most of the weight because queries describe
 *       failures in their own words ("recall degrades at long sequence length") that notes phrase differently;
 *       keyword matching adds the precision of rare, exact terms (a paper's name, "MQAR", "delta rule") that
 *       a 384-dimensional sentence embedding blurs.</li>
 * </ul>
 * The matched symptom of a hit is the "When to try" bullet closest to the query: what the planner can quote
 * when it applies the paper.
 */
public final class PaperIndex {

    /** Weight of the normalised semantic score. */
    public static final double SEMANTIC_WEIGHT = 0.7;
    /** Weight of the normalised keyword score. */
    public static final double KEYWORD_WEIGHT = 0.3;
    /** Longest passage, in words. */
    public static final int MAX_WORDS = 90;

    /**
     * One ranked note.
     *
     * @param note the note
     * @param score the mixed score used for ranking, 0 to 1
     * @param semanticScore the cosine similarity of the note's best passage to the query
     * @param keywordScore the note's BM25 score over the best BM25 score for this query, 0 to 1
     * @param matchedSymptom the "When to try" bullet closest to the query
     */
    public record Hit(PaperNote note, double score, double semanticScore, double keywordScore, String matchedSymptom) {
    }

    /**
     * How the index was built.
     *
     * @param notes how many notes
     * @param passages how many passages were embedded or read from the cache
     * @param fromCache whether the embeddings came from the cache
     * @param cacheFile the cache file, or {@code null} when caching is off
     * @param millis how long building took
     */
    public record Stats(int notes, int passages, boolean fromCache, Path cacheFile, long millis) {
    }

    private enum Kind { TITLE, SYMPTOM, TEXT }

    private record Passage(int note, Kind kind, int symptom, String text) {
    }

    private final List<PaperNote> notes;
    private final Embedder embedder;
    private final List<Passage> passages;
    private final float[][] vectors;
    private final Bm25 bm25;
    private final Stats stats;

    private PaperIndex(List<PaperNote> notes, Embedder embedder, List<Passage> passages, float[][] vectors, Bm25 bm25,
            Stats stats) {
        this.notes = notes;
        this.embedder = embedder;
        this.passages = passages;
        this.vectors = vectors;
        this.bm25 = bm25;
        this.stats = stats;
    }

    /** Builds the index with all-MiniLM-L6-v2 and the default cache folder ({@link #defaultCacheDir()}). */
    public static PaperIndex build(List<PaperNote> notes) {
        return build(notes, MiniLmEmbedder.get(), defaultCacheDir());
    }

    /**
     * Builds the index.
     *
     * @param notes the notes; slugs must be unique
     * @param embedder the embedding model
     * @param cacheDir the folder of the embedding cache, or {@code null} to embed every time
     */
    public static PaperIndex build(List<PaperNote> notes, Embedder embedder, Path cacheDir) {
        long t0 = System.nanoTime();
        List<PaperNote> list = List.copyOf(notes);
        if (list.stream().map(PaperNote::slug).distinct().count() != list.size()) {
            throw new IllegalArgumentException("two notes have the same slug");
        }
        List<Passage> passages = new ArrayList<>();
        List<List<String>> docs = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            PaperNote n = list.get(i);
            passages.add(new Passage(i, Kind.TITLE, -1, n.title() + ". " + String.join(", ", n.tags()).replace('-', ' ')));
            for (int s = 0; s < n.whenToTry().size(); s++) {
                passages.add(new Passage(i, Kind.SYMPTOM, s, expand(n.whenToTry().get(s))));
            }
            String insight = expand(plain(n.insight()));
            String idea = expand(plain(n.idea()));
            for (String piece : pieces(insight)) {
                passages.add(new Passage(i, Kind.TEXT, -1, piece));
            }
            for (String piece : pieces(idea)) {
                passages.add(new Passage(i, Kind.TEXT, -1, piece));
            }
            docs.add(Terms.of(String.join("\n", n.title(), n.title(), String.join(" ", n.tags()), insight,
                    expand(String.join("\n", n.whenToTry())), idea)));
        }
        List<String> texts = passages.stream().map(Passage::text).toList();
        float[][] vectors = null;
        boolean fromCache = false;
        Path cacheFile = null;
        if (cacheDir != null) {
            String key = EmbeddingCache.key(embedder.id(), texts);
            cacheFile = EmbeddingCache.file(cacheDir, key);
            vectors = EmbeddingCache.read(cacheDir, key, texts.size());
            fromCache = vectors != null;
            if (vectors == null) {
                vectors = embedder.embed(texts);
                EmbeddingCache.write(cacheDir, key, vectors);
            }
        } else {
            vectors = embedder.embed(texts);
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        return new PaperIndex(list, embedder, List.copyOf(passages), vectors, new Bm25(docs),
                new Stats(list.size(), passages.size(), fromCache, cacheFile, millis));
    }

    /**
     * The cache folder when the caller names none: the system property {@code archlab.cache.dir}, else the
     * environment variable {@code ARCHLAB_CACHE_DIR}, else {@code $XDG_CACHE_HOME/archlab}, else
     * {@code ~/.cache/archlab}; the paper embeddings go in its {@code papers} subfolder.
     */
    public static Path defaultCacheDir() {
        String dir = System.getProperty("archlab.cache.dir");
        if (dir == null || dir.isBlank()) {
            dir = System.getenv("ARCHLAB_CACHE_DIR");
        }
        if (dir == null || dir.isBlank()) {
            String xdg = System.getenv("XDG_CACHE_HOME");
            dir = xdg != null && !xdg.isBlank() ? Path.of(xdg, "archlab").toString()
                    : Path.of(System.getProperty("user.home"), ".cache", "archlab").toString();
        }
        return Path.of(dir, "papers");
    }

    public List<PaperNote> notes() {
        return notes;
    }

    public Stats stats() {
        return stats;
    }

    /**
     * The {@code topK} notes that best match {@code query}, best first. Ties keep the notes' order.
     *
     * @throws IllegalArgumentException when the query is blank or {@code topK < 1}
     */
    public List<Hit> search(String query, int topK) {
        Objects.requireNonNull(query, "query");
        if (query.isBlank()) {
            throw new IllegalArgumentException("the query is empty");
        }
        if (topK < 1) {
            throw new IllegalArgumentException("topK must be at least 1, got " + topK);
        }
        if (notes.isEmpty()) {
            return List.of();
        }
        String expanded = expand(query.strip());
        float[] q = embedder.embed(List.of(expanded))[0];
        int n = notes.size();
        double[] semantic = new double[n];
        Arrays.fill(semantic, -1);
        int[] bestSymptom = new int[n];
        double[] bestSymptomSim = new double[n];
        Arrays.fill(bestSymptom, -1);
        Arrays.fill(bestSymptomSim, Double.NEGATIVE_INFINITY);
        for (int p = 0; p < passages.size(); p++) {
            Passage passage = passages.get(p);
            double sim = Vectors.dot(q, vectors[p]);
            semantic[passage.note()] = Math.max(semantic[passage.note()], sim);
            if (passage.kind() == Kind.SYMPTOM && sim > bestSymptomSim[passage.note()]) {
                bestSymptomSim[passage.note()] = sim;
                bestSymptom[passage.note()] = passage.symptom();
            }
        }
        double[] keyword = bm25.scores(Terms.of(expanded));
        double maxSem = 0;
        double maxKw = 0;
        for (int i = 0; i < n; i++) {
            maxSem = Math.max(maxSem, semantic[i]);
            maxKw = Math.max(maxKw, keyword[i]);
        }
        List<Hit> hits = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double sem = maxSem > 0 ? Math.max(0, semantic[i]) / maxSem : 0;
            double kw = maxKw > 0 ? keyword[i] / maxKw : 0;
            PaperNote note = notes.get(i);
            String symptom = bestSymptom[i] >= 0 ? note.whenToTry().get(bestSymptom[i]) : null;
            hits.add(new Hit(note, SEMANTIC_WEIGHT * sem + KEYWORD_WEIGHT * kw, semantic[i], kw, symptom));
        }
        hits.sort(Comparator.comparingDouble(Hit::score).reversed());
        return List.copyOf(hits.subList(0, Math.min(topK, hits.size())));
    }

    /**
     * archlab's own names that a general-purpose embedding model cannot read, with the words a person uses for
     * them. The notes name tasks and options as the CLI spells them ({@code mqar}, {@code seq_len}); queries say
     * "associative recall" or "sequence length". Both sides are expanded, so either spelling matches either.
     */
    private static final List<String[]> GLOSSARY = List.of(
            new String[] {"(?i)\\bmqar\\b", "MQAR (multi-query associative recall)"},
            new String[] {"(?i)\\bselective_copy\\b", "selective copying"},
            new String[] {"(?i)\\bcharlm\\b", "character language modelling"},
            new String[] {"\\bseq_len\\b", "sequence length"},
            new String[] {"\\bd_k\\s*×\\s*d_v\\b", "d_k×d_v state"});

    /** {@code text} with archlab's task and option names spelled out (see {@link #GLOSSARY}). */
    static String expand(String text) {
        String out = text;
        for (String[] g : GLOSSARY) {
            out = out.replaceAll(g[0], g[1]);
        }
        return out;
    }

    /** Markdown reduced to prose: code blocks, emphasis, link targets, inline-code ticks and math dollars go. */
    static String plain(String markdown) {
        StringBuilder out = new StringBuilder();
        boolean fence = false;
        for (String line : markdown.split("\n", -1)) {
            String t = line.strip();
            if (t.startsWith("```") || t.startsWith("~~~")) {
                fence = !fence;
                continue;
            }
            if (!fence) {
                out.append(line).append('\n');
            }
        }
        return out.toString()
                .replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1")
                .replaceAll("\\*\\*|__|`|\\$", "")
                .replaceAll("(?m)^\\s*#+\\s*", "")
                .replaceAll("(?m)^\\s*[-*+]\\s+", "")
                .strip();
    }

    /** Paragraphs, split further at sentence ends into pieces of at most {@link #MAX_WORDS} words. */
    static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        for (String para : text.split("\\n\\s*\\n")) {
            String p = para.replaceAll("\\s+", " ").strip();
            if (p.isEmpty()) {
                continue;
            }
            StringBuilder current = new StringBuilder();
            int words = 0;
            List<String> sentences = new ArrayList<>();
            for (String sentence : p.split("(?<=[.!?;])\\s+(?=[A-Z0-9(\"'])")) {
                String[] all = sentence.split(" ");
                for (int from = 0; from < all.length; from += MAX_WORDS) {
                    sentences.add(String.join(" ", Arrays.copyOfRange(all, from, Math.min(all.length, from + MAX_WORDS))));
                }
            }
            for (String sentence : sentences) {
                int w = sentence.split(" ").length;
                if (words > 0 && words + w > MAX_WORDS) {
                    out.add(current.toString());
                    current.setLength(0);
                    words = 0;
                }
                if (current.length() > 0) {
                    current.append(' ');
                }
                current.append(sentence);
                words += w;
            }
            if (current.length() > 0) {
                out.add(current.toString());
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "PaperIndex[%d notes, %d passages, %s]", stats.notes(), stats.passages(),
                stats.fromCache() ? "from cache" : "embedded");
    }
}
