package archlab.sandbox.worker;

import archlab.sandbox.train.Failure;
import archlab.sandbox.train.TrainConfig;
import archlab.sandbox.train.TrainResult;
import archlab.sandbox.train.Trainer;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one evaluation: the {@link TrainResult} fields, flattened, plus the request id and
 * facts about the worker that ran it. {@code status} is {@code ok} or {@code failed}; a failed result
 * always has a {@link Failure} whose {@code kind} is one of {@code invalid_definition, invalid_config,
 * non_causal, diverged, oom, timeout, crash, internal}, and still carries what was measured before it stopped.
 * Fields that were never measured (a definition that did not parse has no metrics) are null.
 *
 * <p>{@code wall_s} is the trainer's own time when the worker returned a result, and the parent's
 * clock from dispatch to the kill for a timeout, an oom kill or a crash; worker start-up is reported
 * separately in {@code worker.start_s}. {@code peak_rss_mb} is the larger of the worker's own peak
 * (VmHWM) and the peak the parent's watchdog saw for the whole process tree.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record EvaluationResult(
        @JsonProperty("id") String id,
        @JsonProperty("status") String status,
        @JsonProperty("task") String task,
        @JsonProperty("primary_metric") String primaryMetric,
        @JsonProperty("metrics") Map<String, Double> metrics,
        @JsonProperty("best") Map<String, Double> best,
        @JsonProperty("curve") List<TrainResult.CurvePoint> curve,
        @JsonProperty("steps_done") Integer stepsDone,
        @JsonProperty("tokens_per_s") Double tokensPerSecond,
        @JsonProperty("wall_s") double wallSeconds,
        @JsonProperty("peak_rss_mb") double peakRssMb,
        @JsonProperty("params") Long params,
        @JsonProperty("flops_per_token") Double flopsPerToken,
        @JsonProperty("threads") Integer threads,
        @JsonProperty("config") TrainConfig config,
        @JsonProperty("task_config") Map<String, Object> taskConfig,
        @JsonProperty("failure") Failure failure,
        @JsonProperty("worker") WorkerInfo worker) {

    public static final String OK = "ok";
    public static final String FAILED = "failed";

    /** Failure kinds. */
    public static final String INVALID_DEFINITION = "invalid_definition";
    public static final String INVALID_CONFIG = "invalid_config";
    public static final String DIVERGED = "diverged";
    /** The causality probe saw position t read a later token, or a prefix disagree with the full run. */
    public static final String NON_CAUSAL = Trainer.NON_CAUSAL;
    public static final String OOM = "oom";
    public static final String TIMEOUT = "timeout";
    /** A timeout whose limit was the caller's deadline (a campaign's wall-clock budget), relabelled by it. */
    public static final String DEADLINE = "deadline";
    public static final String CRASH = "crash";
    public static final String INTERNAL = "internal";

    public EvaluationResult {
        if (!OK.equals(status) && !FAILED.equals(status)) {
            throw new IllegalArgumentException("status must be ok or failed, got " + status);
        }
        if (FAILED.equals(status) && failure == null) {
            throw new IllegalArgumentException("a failed result needs a failure");
        }
    }

    /**
     * Which worker ran the evaluation.
     *
     * @param pid      its process id
     * @param warm     true when it was reused from the pool, false when started for this request
     * @param startSeconds JVM start to engine ready, paid by this request (0 when warm)
     * @param requests how many requests it has served, this one included
     * @param exitCode its exit status, when it died during this request
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record WorkerInfo(@JsonProperty("pid") long pid, @JsonProperty("warm") boolean warm,
                             @JsonProperty("start_s") double startSeconds, @JsonProperty("requests") int requests,
                             @JsonProperty("exit_code") Integer exitCode) {
    }

    /** The result of a training run that returned (ok or diverged). */
    public static EvaluationResult of(String id, TrainResult r) {
        return new EvaluationResult(id, r.status(), r.task(), r.primaryMetric(), r.metrics(), r.best(), r.curve(),
                r.stepsDone(), r.ok() ? r.tokensPerSecond() : null, r.wallSeconds(), r.peakRssMb(), r.params(),
                r.flopsPerToken(), r.threads(), r.config(), r.taskConfig(), r.failure(), null);
    }

    /** A failure before or outside training; nothing was measured but time and memory. */
    public static EvaluationResult failed(String id, Failure failure, double wallSeconds, double peakRssMb) {
        return new EvaluationResult(id, FAILED, null, null, null, null, null, null, null, wallSeconds, peakRssMb,
                null, null, null, null, null, failure, null);
    }

    public boolean ok() {
        return OK.equals(status);
    }

    /**
     * A run stopped from outside before its end (its wall-clock limit; the campaign's deadline or watchdog
     * sets that limit) that still has a held-out evaluation: its {@code metrics} are the last one, at
     * {@code steps_done}, and {@code curve} what it reported until then. Never a finished result.
     */
    public boolean partial() {
        return FAILED.equals(status) && (TIMEOUT.equals(failureKind()) || DEADLINE.equals(failureKind()))
                && metrics != null && !metrics.isEmpty();
    }

    /** With the measurements a run reported before it was killed: its last held-out evaluation and its curve. */
    public EvaluationResult withPartialMeasurements(Map<String, Double> lastEval, List<TrainResult.CurvePoint> points) {
        return new EvaluationResult(id, status, task, primaryMetric, metrics != null ? metrics : lastEval, best,
                curve != null ? curve : List.copyOf(points), stepsDone, tokensPerSecond, wallSeconds, peakRssMb, params,
                flopsPerToken, threads, config, taskConfig, failure, worker);
    }

    /** The failure's kind, or null when ok. */
    public String failureKind() {
        return failure == null ? null : failure.kind();
    }

    public EvaluationResult withWorker(WorkerInfo v) {
        return new EvaluationResult(id, status, task, primaryMetric, metrics, best, curve, stepsDone, tokensPerSecond,
                wallSeconds, peakRssMb, params, flopsPerToken, threads, config, taskConfig, failure, v);
    }

    public EvaluationResult withPrimaryMetric(String v) {
        return new EvaluationResult(id, status, task, primaryMetric != null ? primaryMetric : v, metrics, best, curve,
                stepsDone, tokensPerSecond, wallSeconds, peakRssMb, params, flopsPerToken, threads, config, taskConfig,
                failure, worker);
    }

    public EvaluationResult withFailure(Failure v) {
        return new EvaluationResult(id, status, task, primaryMetric, metrics, best, curve, stepsDone, tokensPerSecond,
                wallSeconds, peakRssMb, params, flopsPerToken, threads, config, taskConfig, v, worker);
    }

    public EvaluationResult withPeakRssMb(double v) {
        return new EvaluationResult(id, status, task, primaryMetric, metrics, best, curve, stepsDone, tokensPerSecond,
                wallSeconds, v, params, flopsPerToken, threads, config, taskConfig, failure, worker);
    }

    /** With what the definition and the request already tell: task, config, threads, parameter counts. */
    public EvaluationResult withContext(String taskName, TrainConfig trainConfig, Integer threadCount, Long paramCount,
                                        Double flops) {
        return new EvaluationResult(id, status, task != null ? task : taskName, primaryMetric, metrics, best, curve,
                stepsDone, tokensPerSecond, wallSeconds, peakRssMb, params != null ? params : paramCount,
                flopsPerToken != null ? flopsPerToken : flops, threads != null ? threads : threadCount,
                config != null ? config : trainConfig, taskConfig, failure, worker);
    }
}
