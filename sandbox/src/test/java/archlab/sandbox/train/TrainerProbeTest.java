package archlab.sandbox.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.StandardLibrary;
import archlab.sandbox.task.Task;
import archlab.sandbox.task.Tasks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The causality probe is a gate: a model it catches is recorded as non_causal and never takes a step. */
class TrainerProbeTest {
    static final String DEFINITION = """
            arch bigram
            model(tokens):
                return linear(rmsnorm(embed(tokens, 16)), vocab)
            """;

    static Task task() {
        return Tasks.create("mqar", Map.of("vocab", "32", "seq_len", "16", "pairs", "2"));
    }

    static ModelDefinition definition(Task task) throws Exception {
        return ModelDefinition.parse(DEFINITION, "bigram.arch", StandardLibrary.library(),
                Map.of("vocab", task.vocab(), "seq_len", task.seqLen()));
    }

    @Test
    void aModelThatReadsALaterTokenIsRecordedAndNeverTrained() throws Exception {
        Task task = task();
        List<Integer> steps = new ArrayList<>();
        ProgressListener progress = new ProgressListener() {
            @Override
            public void onStep(int step, int total, double loss, double lr, double elapsedSeconds) {
                steps.add(step);
            }
        };
        // the compiled model, seen by the probe with each position's logits plus those of position T - 1 - t
        TrainResult r = Trainer.train(definition(task), task, TrainConfig.builder().steps(5).batchSize(4).build(), 1,
                progress, model -> (m, tokens) -> {
                    NDArray logits = model.forward(m, tokens);
                    return logits.add(logits.flip(1));
                });
        assertThat(r.ok()).isFalse();
        assertThat(r.failure().kind()).isEqualTo(Trainer.NON_CAUSAL).isEqualTo("non_causal");
        assertThat(r.failure().stage()).isEqualTo("probe");
        assertThat(r.failure().message()).startsWith("non-causal (empirical): changing the tokens from position ")
                .contains("(of 16) changed the logits at position ");
        assertThat(r.stepsDone()).isZero();
        assertThat(r.curve()).isEmpty();
        assertThat(steps).as("steps taken").isEmpty();
    }

    @Test
    void aCausalModelPassesTheProbeAndTrains() throws Exception {
        Task task = task();
        TrainResult r = Trainer.train(definition(task), task, TrainConfig.builder().steps(3).batchSize(4).build(), 1,
                ProgressListener.NONE);
        assertThat(r.ok()).as(String.valueOf(r.failure())).isTrue();
        assertThat(r.stepsDone()).isEqualTo(3);
    }
}
