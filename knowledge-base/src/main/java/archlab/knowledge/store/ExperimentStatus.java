package archlab.knowledge.store;

import java.util.Locale;

/**
 * The life of an experiment (a node of the search tree). Stored in lower case. {@code PARTIAL}: its run
 * was stopped from outside (a time limit, the campaign's deadline or watchdog) after a held-out
 * evaluation, whose metrics it keeps; it has no fitness and is never ranked with finished ones.
 */
public enum ExperimentStatus {
    PROPOSED, CODING, QUEUED, TRAINING, DONE, FAILED, PARTIAL, PRUNED;

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ExperimentStatus fromDb(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    /** Done, failed, partial or pruned: nothing more will happen to it. */
    public boolean isFinal() {
        return this == DONE || this == FAILED || this == PARTIAL || this == PRUNED;
    }

    /** Trained to an outcome, good or bad: done, failed or partial (not pruned, not waiting). */
    public boolean isMeasured() {
        return this == DONE || this == FAILED || this == PARTIAL;
    }
}
