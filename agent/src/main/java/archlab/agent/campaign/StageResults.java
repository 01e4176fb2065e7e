package archlab.agent.campaign;

import archlab.agent.research.JudgeScore;
import archlab.evaluators.fitness.Fitness;
import archlab.evaluators.fitness.FitnessScore;
import archlab.evaluators.fitness.FitnessWeights;
import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Store;
import archlab.sandbox.task.Task;
import archlab.sandbox.worker.EvaluationResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a stage's runs add up to: the per-stage mean of each experiment's seeds, the fitness against
 * the stage's baseline, the signs of a leak, and which designs a stage promotes to the next.
 */
final class StageResults {
    /** Held-out loss below this share of the training loss means the held-out data leaked in. */
    /** An evaluation row's status for a run stopped from outside after a held-out evaluation. */
    static final String PARTIAL = "partial";
    static final double LEAK_RATIO = 0.5;
    /** ... and by this many nats at least: two small losses differ by large ratios from noise alone. */
    static final double LEAK_GAP = 0.5;
    static final int LEAK_TAIL = 3;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Store store;
    private final String campaignId;
    private final Task task;
    private final Supplier<CampaignConfig> config;
    private final FitnessWeights weights;
    private final Map<String, Fitness> fitnessByStage = new HashMap<>();

    StageResults(Store store, String campaignId, Task task, Supplier<CampaignConfig> config, FitnessWeights weights) {
        this.store = store;
        this.campaignId = campaignId;
        this.task = task;
        this.config = config;
        this.weights = weights;
    }

    /** Fixes a stage's fitness to the baseline's mean metric there. */
    void baseline(String stage, double value) {
        fitnessByStage.put(stage, new Fitness(task.primaryMetric(), task.higherIsBetter(), value, null, weights));
    }

    /** The experiment's mean primary metric at a stage, once every seed is in and none failed. */
    Optional<Double> mean(String experimentId, String stage) {
        List<Evaluation> rows = store.evaluations().forExperiment(experimentId).stream()
                .filter(x -> x.stage().equals(stage)).toList();
        if (rows.size() < stage(stage).seeds() || rows.stream().anyMatch(x -> !"ok".equals(x.status()))) {
            return Optional.empty();
        }
        double v = meanMetrics(rows).getOrDefault(task.primaryMetric(), Double.NaN);
        return Double.isFinite(v) ? Optional.of(v) : Optional.empty();
    }

    /** The results of {@code e} at {@code stage}, when all of its seeds are in; else empty. */
    Optional<List<Evaluation>> complete(String experimentId, String stage) {
        List<Evaluation> rows = store.evaluations().forExperiment(experimentId).stream()
                .filter(x -> x.stage().equals(stage)).toList();
        return rows.size() < stage(stage).seeds() ? Optional.empty() : Optional.of(rows);
    }

    /**
     * Finishes {@code e} at {@code stage} from its seeds' results: the mean metrics and fitness, or
     * the failure. A failure at a later stage keeps the earlier stage's result and is noted. The judge's
     * scores, when there are any, take their share of fitness ({@link #judged}).
     *
     * @param watchdog whether the stage's watchdog was armed (a timeout then is the watchdog's)
     */
    Experiment finish(Experiment e, CampaignConfig.Stage stage, List<Evaluation> results, boolean watchdog,
                      boolean firstStage) {
        ResearchRecord record = ResearchRecord.of(e);
        Experiment.Builder b = e.toBuilder();
        List<Evaluation> ok = results.stream().filter(x -> "ok".equals(x.status())).toList();
        String leak = ok.isEmpty() ? null : leakSign(ok);
        double wall = results.stream().mapToDouble(StageResults::wallOf).sum() + (e.wallSeconds() == null ? 0 : e.wallSeconds());
        b.wallSeconds(wall);
        List<Evaluation> partial = results.stream().filter(x -> PARTIAL.equals(x.status())).toList();
        boolean onlyStopped = leak == null && !partial.isEmpty() && ok.size() + partial.size() == results.size();
        if (onlyStopped) {
            // Stopped from outside after a held-out evaluation: what it measured is kept, never ranked.
            JsonNode failure = parse(partial.get(0).result()).path("failure");
            String kind = failure.path("kind").asText(EvaluationResult.TIMEOUT);
            String message = failure.path("message").asText("stopped before its last step");
            if (EvaluationResult.TIMEOUT.equals(kind) && watchdog) {
                kind = "watchdog";
                message = "stopped by the watchdog: far slower than its peers at stage " + stage.name() + " (" + message + ")";
            }
            List<Evaluation> measured = new ArrayList<>(ok);
            measured.addAll(partial);
            Map<String, Double> mean = meanMetrics(measured);
            String reached = String.format(Locale.ROOT, "; its held-out %s was %.4f at step %d (partial: not ranked)",
                    task.primaryMetric(), mean.getOrDefault(task.primaryMetric(), Double.NaN),
                    lastEvaluatedStep(partial.get(0)));
            if (firstStage || e.stage() == null || e.stage().equals(stage.name())) {
                b.status(ExperimentStatus.PARTIAL).stage(stage.name()).fitness(null).failure(kind, message + reached)
                        .metrics(json(Map.of(task.name(), mean))).curves(partial.get(0).curve() == null ? null
                                : "{\"" + task.name() + "\": " + partial.get(0).curve() + "}");
            } else {
                record = record.withFailure(stage.name(), "partial, " + kind + ": " + message + reached);
                b.status(ExperimentStatus.DONE);
            }
        } else if (ok.size() < results.size() || leak != null) {
            Evaluation bad = results.stream().filter(x -> !"ok".equals(x.status())).findFirst().orElse(null);
            JsonNode failure = bad == null ? JSON.createObjectNode() : parse(bad.result()).path("failure");
            String kind = leak != null ? "suspicious" : failure.path("kind").asText("failed");
            String message = leak != null ? leak : failure.path("message").asText("the run failed");
            if ("timeout".equals(kind) && watchdog) {
                kind = "watchdog";
                message = "stopped by the watchdog: far slower than its peers at stage " + stage.name() + " (" + message + ")";
            }
            if (firstStage || e.stage() == null || e.stage().equals(stage.name())) {
                b.status(ExperimentStatus.FAILED).failure(kind, message);
            } else {
                record = record.withFailure(stage.name(), kind + ": " + message);
                b.status(ExperimentStatus.DONE);
            }
        } else {
            Map<String, Double> mean = meanMetrics(ok);
            double value = mean.getOrDefault(task.primaryMetric(), Double.NaN);
            Fitness fitness = fitnessByStage.get(stage.name());
            FitnessScore score = fitness == null ? null : fitness.score(value, judged(record.judge()));
            if (score != null) {
                record = record.withFitness(stage.name(), score);
                b.fitness(score.combined());
            }
            b.status(ExperimentStatus.DONE).stage(stage.name()).failure(null, null)
                    .metrics(json(Map.of(task.name(), mean))).curves(ok.get(0).curve() == null ? null
                            : "{\"" + task.name() + "\": " + ok.get(0).curve() + "}");
        }
        return store.experiments().update(b.extra(record.toJson()).build());
    }

    /** The step of a run's last held-out evaluation on its curve (0 when it has none). */
    private static int lastEvaluatedStep(Evaluation partial) {
        int step = 0;
        for (JsonNode p : parse(partial.curve())) {
            if (p.path("eval").isObject()) {
                step = p.path("step").asInt();
            }
        }
        return step;
    }

    /**
     * Scores {@code e} again at {@code stage} with the judge's verdict, which arrives after the
     * measured result (the judge reads it); returns the experiment as stored.
     */
    Experiment rescore(Experiment e, String stage, JudgeScore judge) {
        ResearchRecord record = ResearchRecord.of(e).withJudge(judge);
        Experiment.Builder b = e.toBuilder();
        Optional<FitnessScore> before = record.fitnessAt(stage);
        Fitness fitness = fitnessByStage.get(stage);
        if (before.isPresent() && fitness != null && e.status() == ExperimentStatus.DONE) {
            FitnessScore score = fitness.score(before.get().value(), judged(judge));
            record = record.withFitness(stage, score);
            b.fitness(score.combined());
        }
        return store.experiments().update(b.extra(record.toJson()).build());
    }

    /**
     * The judge's share of fitness: the mean of novelty, soundness and one minus complexity. The judge's
     * prompt says that a higher complexity is not better; here it is a cost, so of two designs the judge
     * finds equally novel and sound, the simpler one scores higher.
     */
    static Double judged(JudgeScore s) {
        return s == null ? null : (s.novelty() + s.soundness() + (1 - s.complexity())) / 3;
    }

    /** The best designs of {@code before}, by their fitness there, as the promotion rule allows. */
    List<Experiment> promote(CampaignConfig.Stage before, CampaignConfig.Promotion rule) {
        List<Experiment> done = store.experiments().list(ExperimentQuery.campaign(campaignId)
                        .statuses(ExperimentStatus.DONE)).stream()
                .filter(e -> !ResearchRecord.of(e).isBaseline() && e.fitness() != null)
                .filter(e -> ResearchRecord.of(e).fitnessAt(before.name()).isPresent())
                .sorted(Comparator.comparingDouble((Experiment e) -> -fitnessAt(e, before.name()))
                        .thenComparingInt(Roster::sequenceOf).thenComparing(Experiment::id))
                .toList();
        List<Experiment> out = new ArrayList<>();
        for (Experiment e : done) {
            if (rule.top() > 0 && out.size() >= rule.top()) {
                break;
            }
            if (rule.minFitness() != null && fitnessAt(e, before.name()) < rule.minFitness()) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    static double fitnessAt(Experiment e, String stage) {
        return ResearchRecord.of(e).fitnessAt(stage).map(FitnessScore::combined).orElse(Double.NEGATIVE_INFINITY);
    }

    /**
     * Held-out loss far below the training loss at the end of a run: the model saw what it is tested on.
     * The language's causality check rules out leaks through the definition, so this guards the task.
     */
    static String leakSign(List<Evaluation> ok) {
        for (Evaluation x : ok) {
            JsonNode curve = parse(x.curve());
            JsonNode metrics = parse(x.metrics());
            if (!curve.isArray() || curve.isEmpty() || !metrics.has("loss")) {
                continue;
            }
            // The mean of the last few points: one batch's loss is noisy.
            int n = Math.min(LEAK_TAIL, curve.size());
            double train = 0;
            for (int i = curve.size() - n; i < curve.size(); i++) {
                train += curve.get(i).path("loss").asDouble(Double.NaN) / n;
            }
            double held = metrics.get("loss").asDouble();
            if (held < LEAK_RATIO * train && train - held > LEAK_GAP) {
                return String.format(Locale.ROOT, "suspiciously low held-out loss %.4f against training loss %.4f "
                        + "(seed %d): a sign that held-out data leaked into training", held, train, x.seed());
            }
        }
        return null;
    }

    private CampaignConfig.Stage stage(String name) {
        return config.get().stage(name);
    }

    private static Map<String, Double> meanMetrics(List<Evaluation> rows) {
        Map<String, Double> sum = new LinkedHashMap<>();
        Map<String, Integer> n = new HashMap<>();
        for (Evaluation x : rows) {
            parse(x.metrics()).fields().forEachRemaining(f -> {
                if (f.getValue().isNumber()) {
                    sum.merge(f.getKey(), f.getValue().asDouble(), Double::sum);
                    n.merge(f.getKey(), 1, Integer::sum);
                }
            });
        }
        Map<String, Double> mean = new LinkedHashMap<>();
        sum.forEach((k, v) -> mean.put(k, v / n.get(k)));
        return mean;
    }

    private static double wallOf(Evaluation x) {
        return parse(x.result()).path("wall_s").asDouble(0);
    }

    static JsonNode parse(String json) {
        try {
            return json == null ? JSON.createObjectNode() : JSON.readTree(json);
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (Exception e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }
}
