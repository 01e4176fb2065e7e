package archlab.sandbox.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * Everything one training run measured. {@code status} is {@code ok} or {@code failed}; a failed run
 * still carries what it measured before it stopped, and a {@link Failure} the coder can act on.
 *
 * @param metrics the task's metrics at the last evaluation
 * @param best    the task's metrics at the evaluation with the best primary metric
 * @param curve   the training loss every {@code curve_every} steps, with held-out metrics where evaluated
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainResult(
        @JsonProperty("status") String status,
        @JsonProperty("task") String task,
        @JsonProperty("primary_metric") String primaryMetric,
        @JsonProperty("metrics") Map<String, Double> metrics,
        @JsonProperty("best") Map<String, Double> best,
        @JsonProperty("curve") List<CurvePoint> curve,
        @JsonProperty("steps_done") int stepsDone,
        @JsonProperty("tokens_per_s") double tokensPerSecond,
        @JsonProperty("wall_s") double wallSeconds,
        @JsonProperty("peak_rss_mb") double peakRssMb,
        @JsonProperty("params") long params,
        @JsonProperty("flops_per_token") double flopsPerToken,
        @JsonProperty("diverged") boolean diverged,
        @JsonProperty("threads") int threads,
        @JsonProperty("config") TrainConfig config,
        @JsonProperty("task_config") Map<String, Object> taskConfig,
        @JsonProperty("failure") Failure failure) {

    public boolean ok() {
        return "ok".equals(status);
    }

    /** One point of the loss curve; {@code eval} is null between evaluations. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CurvePoint(@JsonProperty("step") int step, @JsonProperty("loss") double loss,
                             @JsonProperty("lr") double lr, @JsonProperty("eval") Map<String, Double> eval) {
    }
}
