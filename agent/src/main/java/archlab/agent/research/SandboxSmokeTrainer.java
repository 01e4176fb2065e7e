package archlab.agent.research;

import archlab.sandbox.train.Failure;
import archlab.sandbox.train.TrainConfig;
import archlab.sandbox.worker.EvaluationResult;
import archlab.sandbox.worker.Limits;
import archlab.sandbox.worker.Sandbox;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The coder's last gate, in the sandbox: a few dozen steps of training on the campaign's task, with
 * a small batch, one held-out evaluation and a wall-clock limit. It catches what checking cannot:
 * a definition that compiles but diverges, runs out of memory or is far too slow. The failure comes
 * back as one line the coder can act on: kind, step, the op where it happened, the message.
 */
public final class SandboxSmokeTrainer implements SmokeTrainer {
    /** Steps of a smoke run: enough for a bad learning dynamic to blow up, far too few to learn much. */
    public static final int DEFAULT_STEPS = 30;
    public static final int DEFAULT_BATCH = 8;
    public static final double DEFAULT_WALL_SECONDS = 120;

    private final Training training;

    /** Smoke runs through any {@link Training}, which should be configured short. */
    public SandboxSmokeTrainer(Training training) {
        this.training = Objects.requireNonNull(training, "training");
    }

    /**
     * {@value #DEFAULT_STEPS} steps of batch {@value #DEFAULT_BATCH} on {@code task} with its options,
     * one thread, at most {@value #DEFAULT_WALL_SECONDS} s including the worker's start.
     */
    public static SandboxSmokeTrainer forTask(Sandbox sandbox, String task, Map<String, String> options) {
        TrainConfig config = TrainConfig.builder().steps(DEFAULT_STEPS).batchSize(DEFAULT_BATCH)
                .evalEvery(DEFAULT_STEPS).evalBatches(1).build();
        return new SandboxSmokeTrainer(SandboxTraining.builder(sandbox, task).options(options).config(config)
                .limits(Limits.UNSET.withWallSeconds(DEFAULT_WALL_SECONDS)).threads(1).build());
    }

    @Override
    public Optional<String> smoke(String definition) {
        EvaluationResult r = training.train("smoke", definition);
        return r.ok() ? Optional.empty() : Optional.of(describe(r.failure()));
    }

    /** {@code diverged at step 12 in layer[0]/mixer: exp at 7:12: the training loss is NaN}. */
    static String describe(Failure f) {
        StringBuilder s = new StringBuilder(f.kind());
        if (f.step() != null) {
            s.append(" at step ").append(f.step());
        } else if (f.stage() != null) {
            s.append(" during ").append(f.stage());
        }
        if (f.node() != null && !f.node().isBlank()) {
            s.append(" in ").append(f.node());
        }
        s.append(": ").append(f.message());
        if (EvaluationResult.CRASH.equals(f.kind()) && f.stderrTail() != null && !f.stderrTail().isBlank()) {
            // The last few lines name the native error; the whole tail would drown the coder's prompt.
            var lines = f.stderrTail().strip().lines().toList();
            s.append("\nlast worker output:\n")
             .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size())));
        }
        return s.toString();
    }
}
