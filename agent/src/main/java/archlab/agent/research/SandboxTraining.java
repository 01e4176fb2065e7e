package archlab.agent.research;

import archlab.sandbox.train.TrainConfig;
import archlab.sandbox.worker.EvaluationRequest;
import archlab.sandbox.worker.EvaluationResult;
import archlab.sandbox.worker.Limits;
import archlab.sandbox.worker.Sandbox;
import java.util.Map;
import java.util.Objects;

/**
 * {@link Training} in a {@link Sandbox} worker process: one task with its options, one training
 * config, limits and thread count for every definition. The sandbox is borrowed, not owned: whoever
 * built it closes it.
 *
 * <pre>{@code
 * Training t = SandboxTraining.builder(sandbox, "mqar")
 *         .options(Map.of("vocab", "32", "seq_len", "32", "pairs", "4"))
 *         .config(TrainConfig.builder().steps(400).build())
 *         .limits(Limits.UNSET.withWallSeconds(600))
 *         .build();
 * }</pre>
 */
public final class SandboxTraining implements Training {
    private final Sandbox sandbox;
    private final String task;
    private final Map<String, String> options;
    private final TrainConfig config;
    private final Limits limits;
    private final int threads;

    private SandboxTraining(Builder b) {
        this.sandbox = b.sandbox;
        this.task = b.task;
        this.options = Map.copyOf(b.options);
        this.config = b.config;
        this.limits = b.limits;
        this.threads = b.threads;
    }

    public static Builder builder(Sandbox sandbox, String task) {
        return new Builder(sandbox, task);
    }

    @Override
    public EvaluationResult train(String experimentId, String definition) {
        EvaluationRequest request = new EvaluationRequest(experimentId, definition, fileName(experimentId), task,
                options, config, limits, threads);
        return sandbox.evaluate(request);
    }

    public String task() {
        return task;
    }

    public TrainConfig config() {
        return config;
    }

    /** What diagnostics call the definition: the experiment's id, so an error names what failed. */
    private static String fileName(String experimentId) {
        return (experimentId == null || experimentId.isBlank() ? "candidate" : experimentId) + ".arch";
    }

    public static final class Builder {
        private final Sandbox sandbox;
        private final String task;
        private Map<String, String> options = Map.of();
        private TrainConfig config = TrainConfig.builder().build();
        private Limits limits = Limits.UNSET;
        private int threads;

        private Builder(Sandbox sandbox, String task) {
            this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
            if (task == null || task.isBlank()) {
                throw new IllegalArgumentException("a task name is needed, such as mqar");
            }
            this.task = task;
        }

        /** The task's options, such as {@code pairs=4}; default none. */
        public Builder options(Map<String, String> v) {
            options = Objects.requireNonNull(v, "options");
            return this;
        }

        /** How to train; default {@code TrainConfig.builder().build()}. */
        public Builder config(TrainConfig v) {
            config = Objects.requireNonNull(v, "config");
            return this;
        }

        /** Limits per run; unset fields take the sandbox's defaults. */
        public Builder limits(Limits v) {
            limits = Objects.requireNonNull(v, "limits");
            return this;
        }

        /** Intra-op threads per run; 0 (the default) takes the sandbox's. */
        public Builder threads(int v) {
            if (v < 0) {
                throw new IllegalArgumentException("threads must be >= 0 (0: the sandbox's default), got " + v);
            }
            threads = v;
            return this;
        }

        public SandboxTraining build() {
            return new SandboxTraining(this);
        }
    }
}
