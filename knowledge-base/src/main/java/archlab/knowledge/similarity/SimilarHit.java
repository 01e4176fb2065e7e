package archlab.knowledge.similarity;

/**
 * One past experiment similar to a candidate.
 *
 * @param experimentId the experiment's id
 * @param score        the combined similarity in [0, 1]: 1 for a duplicate, otherwise the weighted mean of
 *                     the signals both sides have ({@link SimilarityIndex.Weights})
 * @param duplicate    the canonical hashes are equal: the candidate is this experiment again
 * @param graphScore   cosine of the WL feature vectors (the normalised WL kernel); null when either side has no graph
 * @param textScore    cosine of the motivation embeddings, clamped to [0, 1]; null when either side has no
 *                     motivation or the index has no text embedder
 * @param outcome      what became of the experiment: fitness, status, failure kind and reason
 */
public record SimilarHit(String experimentId, double score, boolean duplicate, Double graphScore, Double textScore,
                         Outcome outcome) {
}
