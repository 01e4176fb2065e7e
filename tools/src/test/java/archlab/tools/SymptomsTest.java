package archlab.tools;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import java.util.List;
import java.util.Locale;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/** Each rule on a crafted result that shows it, and on one that does not. */
class SymptomsTest {

    /** A curve of {@code n} points every 10 steps; warmup over the first 50 steps. */
    static String curve(int n, IntToDoubleFunction loss, IntToDoubleFunction heldOutLoss, IntToDoubleFunction acc) {
        StringBuilder b = new StringBuilder("{\"mqar\": [");
        for (int i = 0; i < n; i++) {
            int step = 10 * (i + 1);
            double lr = step <= 50 ? 0.001 * step / 50 : 0.001 * (1 - (step - 50) / (10.0 * n));
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "{\"step\": %d, \"loss\": %s, \"lr\": %s",
                    step, loss.applyAsDouble(i), lr));
            if (heldOutLoss != null && (i + 1) % 4 == 0) {
                b.append(String.format(Locale.ROOT, ", \"eval\": {\"loss\": %s, \"accuracy\": %s}",
                        heldOutLoss.applyAsDouble(i), acc.applyAsDouble(i)));
            }
            b.append('}');
        }
        return b.append("]}").toString();
    }

    static Experiment.Builder experiment() {
        return Experiment.builder("exp-1", "c").status(ExperimentStatus.DONE);
    }

    static List<String> labels(Experiment e) {
        return Symptoms.of(e).stream().map(Symptom::label).toList();
    }

    @Test
    void divergedAfterWarmupNamesTheStepAndTheWarmupEnd() {
        Experiment e = experiment().status(ExperimentStatus.FAILED)
                .failure("diverged", "training loss became NaN at step 120; lower the learning rate")
                .curves(curve(12, i -> 5 - 0.2 * i, null, null)).build();
        List<Symptom> s = Symptoms.of(e);
        assertThat(s).extracting(Symptom::label).containsExactly(Symptoms.DIVERGED_AFTER_WARMUP, Symptoms.NAN);
        assertThat(s.get(0).evidence()).contains("step 120").contains("warmup ended at step 50");
    }

    @Test
    void divergedDuringWarmup() {
        Experiment e = experiment().status(ExperimentStatus.FAILED)
                .failure("diverged", "gradient norm became Infinity at step 30")
                .curves(curve(3, i -> 5, null, null)).build();
        assertThat(labels(e)).containsExactly(Symptoms.DIVERGED_DURING_WARMUP, Symptoms.NAN);
    }

    @Test
    void divergedWithoutACurveSaysSo() {
        Experiment e = experiment().status(ExperimentStatus.FAILED).failure("diverged", "loss 1e9 at step 3").build();
        assertThat(Symptoms.of(e)).singleElement().satisfies(s -> {
            assertThat(s.label()).isEqualTo(Symptoms.DIVERGED);
            assertThat(s.evidence()).contains("does not say where warmup ended");
        });
    }

    @Test
    void otherFailureKinds() {
        assertThat(labels(experiment().status(ExperimentStatus.FAILED).failure("oom", "rss 9 GB").build()))
                .containsExactly(Symptoms.OUT_OF_MEMORY);
        assertThat(labels(experiment().status(ExperimentStatus.FAILED).failure("timeout", "600 s").build()))
                .containsExactly(Symptoms.TIMED_OUT);
        assertThat(labels(experiment().status(ExperimentStatus.FAILED).failure("crash", "exit 134").build()))
                .containsExactly(Symptoms.CRASHED);
        assertThat(labels(experiment().status(ExperimentStatus.FAILED).failure("non_causal",
                "non-causal (empirical): the logits at position 3 changed when tokens after 5 changed").build()))
                .containsExactly(Symptoms.NON_CAUSAL);
        assertThat(labels(experiment().checkedDefinition("model(tokens):\n    return nothing\n").build()))
                .containsExactly(Symptoms.INVALID_DEFINITION);
    }

    @Test
    void noLearningWhenTheLossStaysPut() {
        Experiment e = experiment().curves(curve(20, i -> 5.5 + 0.01 * Math.sin(i), null, null)).build();
        assertThat(labels(e)).containsExactly(Symptoms.NO_LEARNING);
    }

    @Test
    void plateauWhenTheSecondHalfIsFlatAndTheScoreIsPoor() {
        Experiment e = experiment().curves(curve(20, i -> i < 5 ? 5 - 0.5 * i : 2.5, null, null))
                .metrics("{\"mqar\": {\"accuracy\": 0.3}}").build();
        assertThat(labels(e)).containsExactly(Symptoms.PLATEAU, Symptoms.RECALL_LOW);
        // the same flat end at a solved task is convergence, not a plateau
        Experiment solved = experiment().curves(curve(20, i -> i < 5 ? 5 - 0.9 * i : 0.5, null, null))
                .metrics("{\"mqar\": {\"accuracy\": 0.99}}").build();
        assertThat(labels(solved)).containsExactly(Symptoms.RECALL_SOLVED);
    }

    @Test
    void stillImprovingWhenTheLastFifthStillFalls() {
        Experiment e = experiment().curves(curve(20, i -> 5 - 0.2 * i, null, null)).build();
        List<Symptom> s = Symptoms.of(e);
        assertThat(s).extracting(Symptom::label).containsExactly(Symptoms.STILL_IMPROVING);
        assertThat(s.get(0).evidence()).contains("undertrained");
    }

    @Test
    void overfittingWhenHeldOutLossTurnsUpWhileTrainingLossFalls() {
        Experiment e = experiment().curves(curve(24, i -> 4 * Math.exp(-i / 8.0) + 0.2 - 0.002 * i,
                i -> i < 12 ? 3 - 0.2 * i : 0.6 + 0.1 * (i - 11), i -> 0.5)).build();
        assertThat(labels(e)).contains(Symptoms.OVERFITTING);
        Experiment fine = experiment().curves(curve(24, i -> 4 * Math.exp(-i / 8.0) + 0.2,
                i -> 4 * Math.exp(-i / 8.0) + 0.25, i -> 0.5)).build();
        assertThat(labels(fine)).doesNotContain(Symptoms.OVERFITTING);
    }

    @Test
    void lossSpikes() {
        Experiment e = experiment().curves(curve(20, i -> i == 12 ? 6 : 5 * Math.exp(-i / 5.0) + 0.3, null, null))
                .build();
        assertThat(labels(e)).contains(Symptoms.LOSS_SPIKES);
    }

    @Test
    void recallByLengthWhenTheTaskReportsIt() {
        Experiment e = experiment().metrics("{\"mqar\": {\"accuracy\": 0.6, \"accuracy_len_64\": 0.95,"
                + " \"accuracy_len_256\": 0.4, \"recall@gap=8\": 0.9, \"recall@gap=64\": 0.85}}").build();
        List<Symptom> s = Symptoms.of(e);
        assertThat(s).extracting(Symptom::label).containsExactly(Symptoms.RECALL_FALLS_WITH_LENGTH);
        assertThat(s.get(0).evidence()).isEqualTo("recall falls from 0.95 at length 64 to 0.4 at length 256");
        assertThat(Symptoms.recallBreakdownNote("mqar", Measurements.of(e))).isNull();
    }

    @Test
    void saysWhenMqarReportsOnlyItsOverallAccuracy() {
        Experiment e = experiment().metrics("{\"mqar\": {\"accuracy\": 0.6, \"loss\": 1.2}}").build();
        assertThat(Symptoms.recallBreakdownNote("mqar", Measurements.of(e)))
                .contains("reports only its overall accuracy").contains("cannot be read from this run");
        assertThat(Symptoms.recallBreakdownNote("charlm", Measurements.of(e))).isNull();
    }

    @Test
    void aHealthyRunHasNoSymptoms() {
        Experiment e = experiment().curves(curve(20, i -> 5 * Math.exp(-i / 3.0) + 0.1, null, null))
                .metrics("{\"mqar\": {\"accuracy\": 0.8}}").build();
        assertThat(labels(e)).isEmpty();
    }
}
