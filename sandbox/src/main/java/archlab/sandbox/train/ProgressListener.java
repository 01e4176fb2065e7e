package archlab.sandbox.train;

import java.util.Map;

/** Receives a run's progress, for progress bars and for the worker's progress lines. */
public interface ProgressListener {
    ProgressListener NONE = new ProgressListener() {
    };

    default void onStep(int step, int steps, double loss, double lr, double elapsedSeconds) {
    }

    default void onEval(int step, Map<String, Double> metrics) {
    }
}
