package archlab.sandbox.worker;

import archlab.sandbox.train.TrainConfig;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * One evaluation: train {@code definition} on {@code task} with {@code config}, within {@code limits}.
 * It is also the request line of the worker protocol (one JSON object per line on the worker's stdin).
 *
 * @param id          the caller's name for this evaluation, echoed in every line about it
 * @param definition  the model definition's source text
 * @param file        the name diagnostics show for it (such as {@code candidates/gla_3.arch})
 * @param task        a task name, such as {@code mqar}
 * @param taskOptions the task's options, such as {@code pairs=2}; null means none
 * @param config      how to train; null means {@code TrainConfig.builder().build()}
 * @param limits      null or zero fields: the sandbox's defaults
 * @param threads     intra-op threads; 0: the sandbox's default
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record EvaluationRequest(
        @JsonProperty("id") String id,
        @JsonProperty("definition") String definition,
        @JsonProperty("file") String file,
        @JsonProperty("task") String task,
        @JsonProperty("task_options") Map<String, String> taskOptions,
        @JsonProperty("config") TrainConfig config,
        @JsonProperty("limits") Limits limits,
        @JsonProperty("threads") int threads) {

    public EvaluationRequest {
        taskOptions = taskOptions == null ? Map.of() : Map.copyOf(taskOptions);
    }

    /** A request with the sandbox's default limits and thread count. */
    public static EvaluationRequest of(String id, String definition, String file, String task,
                                       Map<String, String> taskOptions, TrainConfig config) {
        return new EvaluationRequest(id, definition, file, task, taskOptions, config, null, 0);
    }

    public EvaluationRequest withLimits(Limits v) {
        return new EvaluationRequest(id, definition, file, task, taskOptions, config, v, threads);
    }

    public EvaluationRequest withThreads(int v) {
        return new EvaluationRequest(id, definition, file, task, taskOptions, config, limits, v);
    }

    public EvaluationRequest withId(String v) {
        return new EvaluationRequest(v, definition, file, task, taskOptions, config, limits, threads);
    }
}
