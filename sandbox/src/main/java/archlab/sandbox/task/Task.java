package archlab.sandbox.task;

import java.util.Map;

/**
 * A sequence task that a definition trains and is scored on. Data is generated or read locally,
 * never downloaded. Batches are pure functions of (seed, step) or (seed, index), so a run is
 * reproducible and a resumed run sees the same data.
 */
public interface Task {
    /** The registry name, such as {@code mqar}. */
    String name();

    /** Token ids are in {@code [0, vocab)}. */
    int vocab();

    int seqLen();

    /** The training batch for one optimisation step. */
    Batch trainBatch(long seed, long step, int batchSize);

    /**
     * One batch of the held-out set. Held-out data never overlaps the training stream: it comes
     * from a separate split (text) or a separate random stream (synthetic tasks).
     */
    Batch evalBatch(long seed, int index, int batchSize);

    /** The metric that ranks models on this task, such as {@code accuracy} or {@code val_loss}. */
    default String primaryMetric() {
        return "accuracy";
    }

    default boolean higherIsBetter() {
        return true;
    }

    /**
     * The task's metrics from the trainer's held-out measurements: the mean cross-entropy (nats)
     * and the accuracy over the positions whose weight is non-zero. By default both, as
     * {@code loss} and {@code accuracy}.
     */
    default Map<String, Double> metrics(double meanLoss, double accuracy) {
        Map<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("loss", meanLoss);
        m.put("accuracy", accuracy);
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * How many steps a plain run takes when the caller does not say: enough for the reference
     * Transformer to learn the task at its default settings (measured, see docs/tasks.md).
     */
    default int defaultSteps() {
        return 300;
    }

    /** The exact settings, recorded with every result. */
    Map<String, Object> config();
}
