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
import java.util.ArrayList;
import java.util.List;
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
    private ObjectNode plan;

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
        return exhaustedBy(queue, slots) != null;
    }

    /** Which limit ends the exploring stage, in words; null while none does. */
    String exhaustedBy(RunQueue queue, int slots) {
        CampaignConfig.Budget b = config.get().budget();
        if (llmBudgetSpent) {
            return "the LLM budget is spent";
        }
        if (b.experiments() != null && trainedExperiments() >= b.experiments()) {
            return "the experiment budget (" + b.experiments() + ") is spent";
        }
        if (b.wallClock() == null) {
            return null;
        }
        if (queue.pastDeadline()) {
            return "the wall-clock deadline (" + text(b.wallClock()) + ") has come";
        }
        double reserved = reservedForLaterStages(queue, slots);
        // a run started now must end before the later stages' time begins
        double oneRun = queue.medianSeconds(config.get().stages().get(0).name()).orElse(0);
        if (wallSeconds() + oneRun + reserved >= b.wallClock().toSeconds()) {
            return String.format(java.util.Locale.ROOT, "the %.0f s left of the wall clock (%s) are reserved for the later "
                    + "stages (about %.0f s) and the runs in flight", Math.max(0, secondsLeft()), text(b.wallClock()),
                    reserved);
        }
        return null;
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
     * times the promoted designs plus the baseline, times seeds, over the slots, padded (BudgetPlan.MARGIN).
     */
    double reservedForLaterStages(RunQueue queue, int slots) {
        CampaignConfig c = config.get();
        var median = queue.medianSeconds(c.stages().get(0).name());
        return median.isEmpty() ? 0 : BudgetPlan.reserve(c.stages(), median.getAsDouble(), slots, defaultSteps);
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

    /** Keeps the latest budget plan, saved with the spend: what it says, and the later stages it put in force. */
    void plan(BudgetPlan p, String text) {
        ObjectNode n = JSON.createObjectNode();
        n.put("text", text);
        n.put("run_s", Math.round(p.runSeconds() * 10) / 10.0);
        n.put("scaled", p.isScaled());
        if (p.exploreRuns() != null) {
            n.put("explore_runs", p.exploreRuns());
        }
        var stages = n.putArray("stages");
        for (BudgetPlan.Later l : p.later()) {
            stages.addObject().put("name", l.stage().name()).put("steps", l.stage().steps())
                    .put("seeds", l.stage().seeds()).put("top", l.designs()).put("seconds", Math.round(l.seconds()));
        }
        plan = n;
    }

    /** The later stages a scaled plan of an earlier session put in force (empty when none was scaled). */
    List<CampaignConfig.Stage> plannedStages(CampaignConfig c) {
        JsonNode p = spend().path("plan");
        List<CampaignConfig.Stage> out = new ArrayList<>();
        if (!p.path("scaled").asBoolean(false)) {
            return out;
        }
        for (JsonNode s : p.path("stages")) {
            c.stages().stream().filter(x -> x.name().equals(s.path("name").asText())).findFirst().ifPresent(x ->
                    out.add(new CampaignConfig.Stage(x.name(), s.path("steps").asInt(x.steps()),
                            s.path("seeds").asInt(x.seeds()), x.batchSize(), x.params(),
                            new CampaignConfig.Promotion(s.path("top").asInt(BudgetPlan.top(x)),
                                    x.promote() == null ? null : x.promote().minFitness()))));
        }
        return out;
    }

    /** Writes the spend so far to the store, where status and the console read it. */
    void save() {
        ObjectNode spend = (ObjectNode) spend();
        if (plan != null) {
            spend.set("plan", plan);
        }
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
