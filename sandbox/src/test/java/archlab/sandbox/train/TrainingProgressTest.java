package archlab.sandbox.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.compile.CompiledModel;
import archlab.sandbox.compile.Engines;
import archlab.sandbox.lang.StandardLibrary;
import archlab.sandbox.task.Task;
import archlab.sandbox.task.Tasks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** progress() reads step / (steps - 1) while the trainer trains, and 1.0 everywhere else. */
class TrainingProgressTest {
    /** Logits that are progress() everywhere, plus a learnable head so that the trainer has weights to step. */
    static final String DEFINITION = """
            arch schedule
            model(tokens):
                x = embed(tokens, 8)
                return linear(x, vocab) * 0.0 + progress()
            """;

    static Task task() {
        return Tasks.create("mqar", Map.of("vocab", "32", "seq_len", "16", "pairs", "2"));
    }

    static ModelDefinition definition(Task task) throws Exception {
        return ModelDefinition.parse(DEFINITION, "schedule.arch", StandardLibrary.library(),
                Map.of("vocab", task.vocab(), "seq_len", task.seqLen()));
    }

    @Test
    void theTrainerFeedsStepOverStepsAndEndsAtOne() throws Exception {
        Task task = task();
        CompiledModel[] seen = new CompiledModel[1];
        List<Double> during = new ArrayList<>();
        ProgressListener listener = new ProgressListener() {
            @Override
            public void onStep(int step, int total, double loss, double lr, double elapsedSeconds) {
                during.add(seen[0].progress());
            }
        };
        TrainResult r = Trainer.train(definition(task), task, TrainConfig.builder().steps(5).batchSize(2).build(), 1,
                listener, model -> {
                    seen[0] = model;
                    return model::forward;
                });
        assertThat(r.ok()).as(String.valueOf(r.failure())).isTrue();
        assertThat(during).containsExactly(0.0, 0.25, 0.5, 0.75, 1.0);
    }

    @Test
    void aFreshModelReadsOneAndTheValueReachesTheLogits() throws Exception {
        Task task = task();
        try (NDManager root = Engines.pytorch(1).newBaseManager();
             CompiledModel model = CompiledModel.compile(definition(task).graph(), root, 1)) {
            assertThat(model.progress()).isEqualTo(1.0);
            try (NDManager step = root.newSubManager()) {
                NDArray tokens = step.zeros(new Shape(1, 4), ai.djl.ndarray.types.DataType.INT32);
                assertThat(model.forward(step, tokens).max().getFloat()).isEqualTo(1.0f);
                model.setProgress(0.25);
                assertThat(model.forward(step, tokens).max().getFloat()).isEqualTo(0.25f);
            }
            assertThatThrownBy(() -> model.setProgress(1.5)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("[0, 1]");
        }
    }
}
