package archlab.sandbox.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Why an evaluation failed, in a form the coder can act on.
 *
 * @param kind    one of {@code invalid_definition, invalid_config, non_causal, diverged, oom, timeout, crash, internal}
 * @param node    the op where it happened, when known (such as {@code layer[1]/mixer: softmax at 7:12})
 * @param stage   where in the pipeline: {@code check, compile, probe, train, eval, worker}
 * @param step    the training step, when it happened during training
 * @param stderrTail the last lines the worker process wrote to stderr, for crashes
 */
// Always all fields, null where unknown: the coder reads {kind, message, node, stage} by name.
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Failure(@JsonProperty("kind") String kind, @JsonProperty("message") String message,
                      @JsonProperty("node") String node, @JsonProperty("stage") String stage,
                      @JsonProperty("step") Integer step, @JsonProperty("stderr_tail") String stderrTail) {

    public static Failure of(String kind, String stage, String message) {
        return new Failure(kind, message, null, stage, null, null);
    }
}
