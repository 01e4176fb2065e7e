package archlab.knowledge.store;

import archlab.sandbox.train.TrainResult;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Objects;

/**
 * One evaluation of an experiment: one fidelity stage, one seed. {@code metrics}, {@code curve}
 * and {@code result} are JSON text (the last is the sandbox's whole {@link TrainResult}).
 * {@code id} is assigned by the store; it is null on a record not yet written.
 */
public record Evaluation(Long id, String experimentId, String stage, int seed, String status, String metrics,
                         String curve, String result, Instant createdAt, Instant updatedAt) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public Evaluation {
        Objects.requireNonNull(experimentId, "experimentId");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(status, "status");
    }

    /** A new evaluation with the given JSON parts. */
    public static Evaluation of(String experimentId, String stage, int seed, String status, String metrics,
                                String curve, String result) {
        return new Evaluation(null, experimentId, stage, seed, status, metrics, curve, result, null, null);
    }

    /** What the sandbox reported for one stage and seed: status {@code ok} or {@code failed}, with its metrics and curve. */
    public static Evaluation of(String experimentId, String stage, int seed, TrainResult r) {
        try {
            return of(experimentId, stage, seed, r.status(), JSON.writeValueAsString(r.metrics()),
                    JSON.writeValueAsString(r.curve()), JSON.writeValueAsString(r));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write the train result as JSON", e);
        }
    }
}
