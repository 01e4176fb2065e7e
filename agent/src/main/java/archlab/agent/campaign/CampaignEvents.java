package archlab.agent.campaign;

import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Experiment;

/**
 * What a running campaign reports as it goes, for the live display and the log. Called from the
 * coordinator thread, except {@link #progress}, which comes from the slot training the run.
 */
public interface CampaignEvents {
    default void status(CampaignStatus status) {
    }

    /** A stage begins or changes what it does. */
    default void stage(String stage, String what) {
    }

    default void note(String message) {
    }

    default void queued(Experiment e) {
    }

    default void started(String experimentId, String stage, int seed) {
    }

    /** A training step of a run in flight (from the slot's thread). */
    default void progress(String experimentId, int step, int steps, double loss) {
    }

    /** An experiment finished a stage: done with its fitness, or failed with its diagnosis. */
    default void finished(Experiment e) {
    }

    CampaignEvents NONE = new CampaignEvents() {
    };
}
