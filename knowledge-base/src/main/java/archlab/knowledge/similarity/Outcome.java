package archlab.knowledge.similarity;

/**
 * What became of a past experiment, as the similarity index reports it with each neighbour.
 *
 * @param fitness        the fitness, null when it has none (not trained, or failed)
 * @param status         the experiment's status ({@code done}, {@code failed}, {@code pruned}, ...), may be null
 * @param failureKind    the failure's kind ({@code diverged}, {@code oom}, {@code timeout}, ...), null if it did not fail
 * @param failureReason  the failure's message or diagnosis, null if it did not fail
 */
public record Outcome(Double fitness, String status, String failureKind, String failureReason) {
    public static final Outcome UNKNOWN = new Outcome(null, null, null, null);

    public static Outcome done(double fitness) {
        return new Outcome(fitness, "done", null, null);
    }

    public static Outcome failed(String kind, String reason) {
        return new Outcome(null, "failed", kind, reason);
    }

    public boolean isFailure() {
        return failureKind != null || "failed".equals(status);
    }
}
