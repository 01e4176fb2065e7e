package archlab.knowledge.store;

import java.util.Locale;

/** The life of an experiment (a node of the search tree). Stored in lower case. */
public enum ExperimentStatus {
    PROPOSED, CODING, QUEUED, TRAINING, DONE, FAILED, PRUNED;

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ExperimentStatus fromDb(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    /** Done, failed or pruned: nothing more will happen to it. */
    public boolean isFinal() {
        return this == DONE || this == FAILED || this == PRUNED;
    }
}
