package archlab.sandbox.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.CosineTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.training.tracker.WarmUpTracker;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.compile.CausalityProbe;
import archlab.sandbox.compile.CompiledModel;
import archlab.sandbox.compile.Engines;
import archlab.sandbox.task.Batch;
import archlab.sandbox.task.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Trains one model definition on one task and measures it. Read it top to bottom: set up, then the
 * training loop (batch, forward, loss, backward, clip, step), then evaluation and the result.
 *
 * <p>It runs in the current process. The sandbox runs it inside a worker process, which is what
 * isolates the campaign from crashes, hangs and memory blow-ups.
 */
public final class Trainer {
    /** The failure kind of a model the causality probe caught reading the future. */
    public static final String NON_CAUSAL = "non_causal";

    private Trainer() {
    }

    /** Signals a numerical blow-up; the run stops and is recorded as diverged. */
    private static final class Divergence extends RuntimeException {
        final int step;

        Divergence(int step, String message) {
            super(message, null, false, false);
            this.step = step;
        }
    }

    /**
     * Probes the compiled model's causality (see {@link CausalityProbe}), then trains it; a model the
     * probe catches comes back failed, kind {@value #NON_CAUSAL}, stage {@code probe}, untrained.
     */
    public static TrainResult train(ModelDefinition definition, Task task, TrainConfig config, int threads,
                                    ProgressListener progress) {
        return train(definition, task, config, threads, progress, null);
    }

    /**
     * As above, with the forward pass the probe sees ({@code null}: the model's own, with its float64
     * twin); tests give a leaky one to see the gate close.
     */
    static TrainResult train(ModelDefinition definition, Task task, TrainConfig config, int threads,
                             ProgressListener progress, Function<CompiledModel, CausalityProbe.Forward> probed) {
        resetPeakRss();
        long start = System.nanoTime();
        Engine engine = Engines.pytorch(threads);
        List<TrainResult.CurvePoint> curve = new ArrayList<>();
        Map<String, Double> last = null;
        Map<String, Double> best = null;
        int step = 0;
        try (NDManager root = engine.newBaseManager();
             CompiledModel model = CompiledModel.compile(definition.graph(), root, config.seed())) {

            // ---- the causality probe: a model that reads the future is never trained (docs/sandbox.md)
            CausalityProbe.Verdict probe = probed == null
                    ? CausalityProbe.probe(model, root, task.vocab(), task.seqLen(), config.seed())
                    : CausalityProbe.probe(probed.apply(model), null, root, task.vocab(), task.seqLen(), config.seed());
            if (!probe.causal()) {
                Failure failure = new Failure(NON_CAUSAL, probe.message(), null, "probe", null, null);
                return new TrainResult("failed", task.name(), task.primaryMetric(), null, null, curve, 0, 0,
                        seconds(start), peakRssMb(), model.parameterCount(), definition.flopsPerToken(), false,
                        threads, config, task.config(), failure);
            }

            // ---- optimiser: AdamW with linear warmup then cosine decay, decay only on matrices
            Tracker schedule = WarmUpTracker.builder()
                    .optWarmUpSteps(config.warmupSteps())
                    .setMainTracker(CosineTracker.builder()
                            .setBaseValue((float) config.learningRate())
                            .optFinalValue((float) (config.learningRate() * config.minLrRatio()))
                            .setMaxUpdates(Math.max(1, config.steps() - config.warmupSteps()))
                            .build())
                    .build();
            Optimizer decayed = Optimizer.adamW().optLearningRateTracker(schedule)
                    .optBeta1((float) config.beta1()).optBeta2((float) config.beta2())
                    .optWeightDecays((float) config.weightDecay()).build();
            Optimizer plain = Optimizer.adamW().optLearningRateTracker(schedule)
                    .optBeta1((float) config.beta1()).optBeta2((float) config.beta2())
                    .optWeightDecays(0f).build();

            // ---- the training loop
            int seqLen = task.seqLen();
            long tokensSeen = 0;
            double trainStart = seconds(start);
            for (step = 0; step < config.steps(); step++) {
                float lr = schedule.getNewValue(step);
                Batch batch = task.trainBatch(config.seed(), step, config.batchSize());
                // progress() runs from 0 at the first step to 1 at the last, which the final evaluation keeps
                model.setProgress(config.steps() > 1 ? step / (double) (config.steps() - 1) : 1.0);
                double loss;
                try (NDManager sm = root.newSubManager()) {
                    NDArray tokens = sm.create(batch.inputs(), new Shape(batch.size(), seqLen));
                    NDArray targets = sm.create(batch.targets(), new Shape(batch.size(), seqLen));
                    NDArray weights = sm.create(batch.weights(), new Shape(batch.size(), seqLen));
                    NDArray lossArray;
                    try (GradientCollector gc = engine.newGradientCollector()) {
                        NDArray logits = model.forward(sm, tokens);
                        lossArray = maskedCrossEntropy(logits, targets, weights, task.vocab(), sm);
                        gc.backward(lossArray);
                    }
                    loss = lossArray.getFloat();
                    if (!Double.isFinite(loss) || loss > config.divergenceLoss()) {
                        throw new Divergence(step, "training loss became " + loss + " at step " + step);
                    }

                    // global-norm clipping: DJL's clipGrad clamps each element, which is not the same
                    List<NDArray> grads = new ArrayList<>();
                    NDArray sumSquares = sm.zeros(new Shape());
                    for (CompiledModel.Weight w : model.weights()) {
                        NDArray g = w.array().getGradient();
                        g.attach(sm);
                        grads.add(g);
                        sumSquares = sumSquares.add(g.square().sum());
                    }
                    double norm = Math.sqrt(sumSquares.getFloat());
                    if (!Double.isFinite(norm)) {
                        throw new Divergence(step, "gradient norm became " + norm + " at step " + step
                                + " (loss " + loss + ")");
                    }
                    if (config.gradClip() > 0 && norm > config.gradClip()) {
                        NDArray scale = sm.create((float) (config.gradClip() / norm));
                        for (NDArray g : grads) {
                            g.muli(scale);
                        }
                    }
                    for (int i = 0; i < grads.size(); i++) {
                        CompiledModel.Weight w = model.weights().get(i);
                        (w.decay() ? decayed : plain).update(w.name(), w.array(), grads.get(i));
                    }
                }
                tokensSeen += (long) batch.size() * seqLen;
                progress.onStep(step + 1, config.steps(), loss, lr, seconds(start));

                boolean evalNow = (step + 1) % config.evalEvery() == 0 || step + 1 == config.steps();
                Map<String, Double> eval = null;
                if (evalNow) {
                    eval = evaluate(model, task, config, root);
                    last = eval;
                    if (best == null || better(task, eval, best)) {
                        best = eval;
                    }
                    progress.onEval(step + 1, eval);
                }
                if ((step + 1) % config.curveEvery() == 0 || eval != null || step == 0) {
                    curve.add(new TrainResult.CurvePoint(step + 1, loss, lr, eval));
                }
            }
            double trainSeconds = seconds(start) - trainStart;
            return new TrainResult("ok", task.name(), task.primaryMetric(), last, best, curve, step,
                    tokensSeen / Math.max(1e-9, trainSeconds), seconds(start), peakRssMb(),
                    model.parameterCount(), definition.flopsPerToken(), false, threads, config, task.config(), null);
        } catch (Divergence d) {
            Failure failure = new Failure("diverged", d.getMessage() + "; lower the learning rate, add a norm, "
                    + "or bound the op that blows up (exp, division, pow)", null, "train", d.step, null);
            return new TrainResult("failed", task.name(), task.primaryMetric(), last, best, curve, d.step, 0,
                    seconds(start), peakRssMb(), definition.parameterCount(), definition.flopsPerToken(), true,
                    threads, config, task.config(), failure);
        }
    }

    /** Mean cross-entropy over the positions whose weight is non-zero. */
    static NDArray maskedCrossEntropy(NDArray logits, NDArray targets, NDArray weights, int vocab, NDManager sm) {
        NDArray logp = logits.logSoftmax(-1);
        NDArray picked = logp.mul(targets.oneHot(vocab)).sum(new int[] {-1});
        return picked.neg().mul(weights).sum().div(weights.sum().maximum(sm.create(1e-9f)));
    }

    /** Held-out loss and accuracy over the task's eval batches, turned into the task's metrics. */
    private static Map<String, Double> evaluate(CompiledModel model, Task task, TrainConfig config, NDManager root) {
        double lossSum = 0;
        double correct = 0;
        double weightSum = 0;
        for (int i = 0; i < config.evalBatches(); i++) {
            Batch batch = task.evalBatch(config.seed(), i, config.batchSize());
            try (NDManager sm = root.newSubManager()) {
                NDArray tokens = sm.create(batch.inputs(), new Shape(batch.size(), task.seqLen()));
                NDArray targets = sm.create(batch.targets(), new Shape(batch.size(), task.seqLen()));
                NDArray weights = sm.create(batch.weights(), new Shape(batch.size(), task.seqLen()));
                NDArray logits = model.forward(sm, tokens);
                NDArray nll = logits.logSoftmax(-1).mul(targets.oneHot(task.vocab())).sum(new int[] {-1}).neg();
                lossSum += nll.mul(weights).sum().getFloat();
                NDArray hits = logits.argMax(-1).toType(DataType.INT32, false).eq(targets).toType(DataType.FLOAT32, false);
                correct += hits.mul(weights).sum().getFloat();
                weightSum += weights.sum().getFloat();
            }
        }
        double meanLoss = lossSum / Math.max(1e-9, weightSum);
        if (!Double.isFinite(meanLoss)) {
            throw new Divergence(-1, "held-out loss is " + meanLoss);
        }
        return new LinkedHashMap<>(task.metrics(meanLoss, correct / Math.max(1e-9, weightSum)));
    }

    private static boolean better(Task task, Map<String, Double> a, Map<String, Double> b) {
        double x = a.get(task.primaryMetric());
        double y = b.get(task.primaryMetric());
        return task.higherIsBetter() ? x > y : x < y;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Linux keeps a per-process peak RSS; writing 5 to clear_refs resets it, so a reused worker measures one run. */
    private static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException ignored) {
            // not Linux, or not permitted: the peak then covers the process's whole life
        }
    }

    /** The process's peak resident memory (heap and native) in MB, or 0 where /proc is unavailable. */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // fall through
        }
        return 0;
    }
}
