package archlab.knowledge.similarity;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * An inverted index of unit-length sparse vectors with string keys. A query accumulates dot products
 * over the postings of its own keys only, so its cost is the total length of those postings, not the
 * number of documents times the vector length. Not thread-safe; {@link SimilarityIndex} locks.
 */
final class SparseIndex {
    private final Map<String, Integer> dictionary = new HashMap<>();
    private int[][] postDocs = new int[64][];
    private float[][] postWeights = new float[64][];
    private int[] postLength = new int[64];
    private boolean[] alive = new boolean[64];
    private int docs;

    /** The weight of a feature that occurs {@code count} times: the count itself (the WL kernel). */
    static double weight(double count) {
        return count;
    }

    /** Adds a vector (weighted by {@link #weight} and normalised), returns its document number. */
    int add(Map<String, ? extends Number> vector) {
        int doc = docs++;
        if (doc == alive.length) {
            alive = Arrays.copyOf(alive, alive.length * 2);
        }
        alive[doc] = true;
        double norm = norm(vector);
        if (norm == 0) {
            return doc;
        }
        for (Map.Entry<String, ? extends Number> e : vector.entrySet()) {
            double w = weight(e.getValue().doubleValue());
            if (w == 0) {
                continue;
            }
            int f = dictionary.computeIfAbsent(e.getKey(), k -> dictionary.size());
            if (f == postDocs.length) {
                postDocs = Arrays.copyOf(postDocs, f * 2);
                postWeights = Arrays.copyOf(postWeights, f * 2);
                postLength = Arrays.copyOf(postLength, f * 2);
            }
            if (postDocs[f] == null) {
                postDocs[f] = new int[4];
                postWeights[f] = new float[4];
            }
            int n = postLength[f];
            if (n == postDocs[f].length) {
                postDocs[f] = Arrays.copyOf(postDocs[f], n * 2);
                postWeights[f] = Arrays.copyOf(postWeights[f], n * 2);
            }
            postDocs[f][n] = doc;
            postWeights[f][n] = (float) (w / norm);
            postLength[f] = n + 1;
        }
        return doc;
    }

    /** Drops a document from every later query. Its postings stay until the index is rebuilt. */
    void remove(int doc) {
        if (doc >= 0 && doc < docs) {
            alive[doc] = false;
        }
    }

    int documents() {
        return docs;
    }

    boolean alive(int doc) {
        return alive[doc];
    }

    /** The cosine of {@code query} with every document, indexed by document number (0 for removed ones). */
    float[] scores(Map<String, ? extends Number> query) {
        float[] acc = new float[docs];
        double norm = norm(query);
        if (norm == 0) {
            return acc;
        }
        for (Map.Entry<String, ? extends Number> e : query.entrySet()) {
            Integer f = dictionary.get(e.getKey());
            if (f == null) {
                continue;
            }
            float q = (float) (weight(e.getValue().doubleValue()) / norm);
            int[] d = postDocs[f];
            float[] w = postWeights[f];
            for (int i = 0, n = postLength[f]; i < n; i++) {
                acc[d[i]] += q * w[i];
            }
        }
        for (int i = 0; i < docs; i++) {
            if (!alive[i]) {
                acc[i] = 0;
            } else if (acc[i] > 1f) {
                acc[i] = 1f; // rounding
            }
        }
        return acc;
    }

    private static double norm(Map<String, ? extends Number> v) {
        double s = 0;
        for (Number x : v.values()) {
            double w = weight(x.doubleValue());
            s += w * w;
        }
        return Math.sqrt(s);
    }
}
