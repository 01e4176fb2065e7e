package archlab.agent.campaign;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Store;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * What the campaign has spent against the budget in force: experiments trained, wall clock across
 * sessions, and the time the later stages will need, which exploration leaves to them.
 */
final class CampaignSpend {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Store store;
    private final String campaignId;
    private final Clock clock;
    private final Supplier<CampaignConfig> config;
    private final int defaultSteps;
    private Instant sessionStart;
    private double wallBefore;
    /** Experiments that reached the sandbox, counted from the store; -1 after anything that may change it. */
    private long trained = -1;
    private boolean llmBudgetSpent;

    CampaignSpend(Store store, String campaignId, Clock clock, Supplier<CampaignConfig> config, int defaultSteps) {
        this.store = store;
        this.campaignId = campaignId;
        this.clock = clock;
        this.config = config;
        this.defaultSteps = defaultSteps;
    }

    /** Starts this session's clock on top of the wall time earlier sessions spent. */
    void start() {
        sessionStart = clock.instant();
        wallBefore = spend().path("wall_s").asDouble(0);
    }

    void llmBudgetSpent() {
        llmBudgetSpent = true;
    }

    /** Something may have changed the count of trained experiments. */
    void changed() {
        trained = -1;
    }

    /** Whether the exploring stage must stop: an experiment, wall-clock, token or money limit reached. */
    boolean exhausted(RunQueue queue, int slots) {
        CampaignConfig.Budget b = config.get().budget();
        if (llmBudgetSpent || b.experiments() != null && trainedExperiments() >= b.experiments()) {
            return true;
        }
        return b.wallClock() != null && (queue.pastDeadline()
                || wallSeconds() + reservedForLaterStages(queue, slots) >= b.wallClock().toSeconds());
    }

    /** Whether another step may be planned: an experiment budget counts the ones queued and in flight. */
    boolean canPlan(RunQueue queue) {
        CampaignConfig.Budget b = config.get().budget();
        return b.experiments() == null || trainedExperiments() + queue.experimentsWaiting() < b.experiments();
    }

    long trainedExperiments() {
        if (trained >= 0) {
            return trained;
        }
        trained = store.experiments().list(ExperimentQuery.campaign(campaignId)).stream()
                .filter(e -> !ResearchRecord.of(e).isBaseline() && !"coding".equals(e.failureKind()))
                .filter(e -> e.status().isMeasured() || e.status() == ExperimentStatus.TRAINING)
                .count();
        return trained;
    }

    /**
     * Time the later stages will need, estimated from the first stage's median run time scaled by steps,
     * times the promoted designs plus the baseline, times seeds, over the slots.
     */
    double reservedForLaterStages(RunQueue queue, int slots) {
        CampaignConfig c = config.get();
        CampaignConfig.Stage explore = c.stages().get(0);
        var median = queue.medianSeconds(explore.name());
        if (median.isEmpty()) {
            return 0;
        }
        int exploreSteps = explore.steps() > 0 ? explore.steps() : defaultSteps;
        double total = 0;
        for (CampaignConfig.Stage s : c.stages().subList(1, c.stages().size())) {
            int steps = s.steps() > 0 ? s.steps() : defaultSteps;
            int designs = (s.promote() != null && s.promote().top() > 0 ? s.promote().top() : 3) + 1;
            total += median.getAsDouble() * steps / exploreSteps * designs * s.seeds() / slots;
        }
        return total;
    }

    /** Seconds left before the wall-clock budget's deadline; infinite without one. */
    double secondsLeft() {
        CampaignConfig.Budget b = config.get().budget();
        return b.wallClock() == null ? Double.POSITIVE_INFINITY : b.wallClock().toSeconds() - wallSeconds();
    }

    /** A duration as people write it: 45s, 9m, 1h30m. */
    static String text(Duration d) {
        long s = d.toSeconds();
        StringBuilder b = new StringBuilder();
        if (s >= 3600) {
            b.append(s / 3600).append('h');
        }
        if (s % 3600 >= 60) {
            b.append(s % 3600 / 60).append('m');
        }
        if (s % 60 > 0 || b.length() == 0) {
            b.append(s % 60).append('s');
        }
        return b.toString();
    }

    double wallSeconds() {
        return wallBefore + Duration.between(sessionStart, clock.instant()).toMillis() / 1000.0;
    }

    /** Writes the spend so far to the store, where status and the console read it. */
    void save() {
        ObjectNode spend = (ObjectNode) spend();
        spend.put("wall_s", Math.round(wallSeconds() * 10) / 10.0);
        spend.put("experiments", trainedExperiments());
        store.campaigns().updateSpend(campaignId, spend.toString());
    }

    private JsonNode spend() {
        Campaign c = store.campaigns().find(campaignId).orElseThrow();
        JsonNode s = StageResults.parse(c.spend());
        return s.isObject() ? s : JSON.createObjectNode();
    }
}
