package archlab.knowledge.papers;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Okapi BM25 over a small, fixed set of documents, with Lucene's non-negative IDF,
 * {@code ln(1 + (N - n + 0.5) / (n + 0.5))}, and the usual {@code k1 = 1.2}, {@code b = 0.75}.
 *
 * <p>Written here rather than taken from Lucene: the corpus is a few dozen notes held in memory, the whole
 * algorithm is the twenty lines below, and Lucene (core, analysis, query parser: several megabytes and an index
 * directory) would add an index format to manage for no gain in ranking.
 */
final class Bm25 {
    static final double K1 = 1.2;
    static final double B = 0.75;

    private final List<Map<String, Integer>> termFreqs;
    private final int[] lengths;
    private final double avgLength;
    private final Map<String, Integer> docFreq = new HashMap<>();

    /** @param docs each document's terms, from {@link Terms#of(String)} */
    Bm25(List<List<String>> docs) {
        termFreqs = docs.stream().map(Bm25::counts).toList();
        lengths = docs.stream().mapToInt(List::size).toArray();
        double total = 0;
        for (int len : lengths) {
            total += len;
        }
        avgLength = docs.isEmpty() ? 1 : Math.max(1, total / docs.size());
        for (Map<String, Integer> tf : termFreqs) {
            for (String t : tf.keySet()) {
                docFreq.merge(t, 1, Integer::sum);
            }
        }
    }

    private static Map<String, Integer> counts(List<String> terms) {
        Map<String, Integer> tf = new HashMap<>();
        for (String t : terms) {
            tf.merge(t, 1, Integer::sum);
        }
        return tf;
    }

    /** The BM25 score of every document for the query terms (a repeated query term counts once). */
    double[] scores(List<String> query) {
        double[] out = new double[termFreqs.size()];
        int n = termFreqs.size();
        for (String t : query.stream().distinct().toList()) {
            int df = docFreq.getOrDefault(t, 0);
            if (df == 0) {
                continue;
            }
            double idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
            for (int d = 0; d < n; d++) {
                Integer f = termFreqs.get(d).get(t);
                if (f != null) {
                    double norm = K1 * (1 - B + B * lengths[d] / avgLength);
                    out[d] += idf * f * (K1 + 1) / (f + norm);
                }
            }
        }
        return out;
    }
}
