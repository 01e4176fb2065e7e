package archlab.sandbox.train;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How one definition is trained. Every field is recorded with the result, so any number can be
 * reproduced: the same definition, task, config and thread count give the same losses, bit for bit.
 *
 * @param steps          optimisation steps
 * @param batchSize      sequences per step
 * @param learningRate   peak learning rate, reached after {@code warmupSteps}, then cosine to {@code minLrRatio} of it
 * @param weightDecay    AdamW's decoupled decay, on matrices only (not on gains, biases or free parameters)
 * @param gradClip       the global gradient norm is clipped to this (0 disables)
 * @param evalEvery      held-out evaluation interval in steps (the last step is always evaluated)
 * @param evalBatches    held-out batches per evaluation
 * @param curveEvery     a loss-curve point every this many steps
 * @param seed           seeds the weights and the data
 * @param divergenceLoss a training loss above this (or NaN/Inf anywhere) stops the run as diverged
 */
public record TrainConfig(
        @JsonProperty("steps") int steps,
        @JsonProperty("batch_size") int batchSize,
        @JsonProperty("learning_rate") double learningRate,
        @JsonProperty("warmup_steps") int warmupSteps,
        @JsonProperty("min_lr_ratio") double minLrRatio,
        @JsonProperty("weight_decay") double weightDecay,
        @JsonProperty("beta1") double beta1,
        @JsonProperty("beta2") double beta2,
        @JsonProperty("grad_clip") double gradClip,
        @JsonProperty("eval_every") int evalEvery,
        @JsonProperty("eval_batches") int evalBatches,
        @JsonProperty("curve_every") int curveEvery,
        @JsonProperty("seed") long seed,
        @JsonProperty("divergence_loss") double divergenceLoss) {

    public TrainConfig {
        require(steps >= 1, "steps must be at least 1, got " + steps);
        require(batchSize >= 1, "batch_size must be at least 1, got " + batchSize);
        require(learningRate > 0 && Double.isFinite(learningRate), "learning_rate must be positive, got " + learningRate);
        require(warmupSteps >= 0, "warmup_steps must be >= 0, got " + warmupSteps);
        require(minLrRatio >= 0 && minLrRatio <= 1, "min_lr_ratio must be in [0, 1], got " + minLrRatio);
        require(weightDecay >= 0, "weight_decay must be >= 0, got " + weightDecay);
        require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "beta1 and beta2 must be in [0, 1)");
        require(gradClip >= 0, "grad_clip must be >= 0, got " + gradClip);
        require(evalEvery >= 1, "eval_every must be at least 1, got " + evalEvery);
        require(evalBatches >= 1, "eval_batches must be at least 1, got " + evalBatches);
        require(curveEvery >= 1, "curve_every must be at least 1, got " + curveEvery);
        require(divergenceLoss > 0, "divergence_loss must be positive");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().steps(steps).batchSize(batchSize).learningRate(learningRate).warmupSteps(warmupSteps)
                .minLrRatio(minLrRatio).weightDecay(weightDecay).betas(beta1, beta2).gradClip(gradClip)
                .evalEvery(evalEvery).evalBatches(evalBatches).curveEvery(curveEvery).seed(seed)
                .divergenceLoss(divergenceLoss);
    }

    /** Defaults suit the small synthetic tasks: a few hundred steps of a ~100K-parameter model. */
    public static final class Builder {
        private int steps = 300;
        private int batchSize = 32;
        private double learningRate = 3e-3;
        private Integer warmupSteps;
        private double minLrRatio = 0.1;
        private double weightDecay = 0.1;
        private double beta1 = 0.9;
        private double beta2 = 0.98;
        private double gradClip = 1.0;
        private Integer evalEvery;
        private int evalBatches = 8;
        private int curveEvery = 10;
        private long seed;
        private double divergenceLoss = 1e4;

        public Builder steps(int v) {
            steps = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        /** Defaults to 10 % of the steps. */
        public Builder warmupSteps(int v) {
            warmupSteps = v;
            return this;
        }

        public Builder minLrRatio(double v) {
            minLrRatio = v;
            return this;
        }

        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Builder betas(double b1, double b2) {
            beta1 = b1;
            beta2 = b2;
            return this;
        }

        public Builder gradClip(double v) {
            gradClip = v;
            return this;
        }

        /** Defaults to a fifth of the steps. */
        public Builder evalEvery(int v) {
            evalEvery = v;
            return this;
        }

        public Builder evalBatches(int v) {
            evalBatches = v;
            return this;
        }

        public Builder curveEvery(int v) {
            curveEvery = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder divergenceLoss(double v) {
            divergenceLoss = v;
            return this;
        }

        public TrainConfig build() {
            int warm = warmupSteps != null ? warmupSteps : Math.max(1, steps / 10);
            int every = evalEvery != null ? evalEvery : Math.max(1, steps / 5);
            return new TrainConfig(steps, batchSize, learningRate, warm, minLrRatio, weightDecay, beta1, beta2,
                    gradClip, every, evalBatches, curveEvery, seed, divergenceLoss);
        }
    }
}
