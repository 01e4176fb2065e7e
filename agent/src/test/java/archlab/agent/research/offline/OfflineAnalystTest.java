package archlab.agent.research.offline;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.research.Analysis;
import archlab.agent.research.Analyst;
import archlab.agent.research.ResearchContext;
import archlab.agent.research.SmokeTrainer;
import archlab.agent.research.TestLab;
import archlab.agent.research.ToolContextSource;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Ids;
import archlab.tools.Symptoms;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The analyst's diagnoses and sentences on crafted results. */
class OfflineAnalystTest {
    @TempDir
    Path run;

    static Analyst analyst(TestLab lab) {
        return OfflinePolicy.create(lab.tools, SmokeTrainer.SKIP, 0).analyst();
    }

    static ResearchContext parentContext(TestLab lab, Experiment parent) {
        return ToolContextSource.builder(lab.tools).task("mqar").build().contextFor(lab.id(), parent);
    }

    static Experiment.Builder child(TestLab lab, Experiment parent, String def, String title, String expected) {
        return Experiment.builder(Ids.next("exp"), lab.id()).parentId(parent.id()).name(title)
                .hypothesis(new Hypothesis(title, "why " + title, expected)).checkedDefinition(def);
    }

    static void allFilled(Analysis a) {
        assertThat(a.designEvaluation()).isNotBlank();
        assertThat(a.results()).isNotBlank();
        assertThat(a.expectationVsReality()).isNotBlank();
        assertThat(a.explanation()).isNotBlank();
    }

    @Test
    void divergedAfterWarmup() {
        try (TestLab lab = new TestLab(run)) {
            Experiment parent = lab.done(null, "transformer", TestLab.architecture("transformer"), 0.7, "baseline");
            Experiment result = lab.insert(child(lab, parent, TestLab.architecture("gla"), "decay gates",
                    "higher accuracy").status(ExperimentStatus.FAILED)
                    .failure("diverged", "training loss became NaN at step 120; lower the learning rate")
                    .curves(TestLab.curve(12, 5, 3, 50, i -> 5 - 0.1 * i)).build());
            Analysis a = analyst(lab).analyse(parentContext(lab, parent), result);
            allFilled(a);
            assertThat(a.diagnoses()).startsWith(Symptoms.DIVERGED_AFTER_WARMUP, Symptoms.NAN);
            assertThat(a.results()).contains("The run failed (diverged)").contains("after warmup ended at step 50");
            assertThat(a.expectationVsReality()).isEqualTo("Expected: higher accuracy. The run failed, so the expectation"
                    + " could not be tested.");
            assertThat(a.explanation()).contains("after the learning rate peaked");
            assertThat(a.insight()).isEqualTo("decay gates made training diverge after warmup on mqar: retry it with a"
                    + " norm on the new part or a bounded map before judging the idea.");
            assertThat(a.paperIds()).hasSize(3).containsAnyOf("rmsnorm", "pre-layer-norm", "performer", "linear-attention");
            assertThat(a.designEvaluation()).contains("edits transformer (" + parent.id() + ")").contains("ops of the parent");
        }
    }

    @Test
    void betterThanItsParentAndItsSiblings() {
        try (TestLab lab = new TestLab(run)) {
            Experiment parent = lab.done(null, "linear", TestLab.architecture("linear_attention"), 0.6, "baseline");
            lab.done(parent.id(), "sibling", TestLab.architecture("retnet"), 0.65, "fixed decay");
            Experiment result = lab.done(parent.id(), "delta", TestLab.architecture("deltanet"), 0.8, "delta rule");
            Analysis a = analyst(lab).analyse(parentContext(lab, parent), result);
            allFilled(a);
            assertThat(a.diagnoses()).containsExactly(Diagnosis.BETTER_THAN_PARENT,
                    Diagnosis.BEST_AMONG_SIBLINGS);
            assertThat(a.results()).startsWith("On mqar it reached accuracy 0.8 (fitness 0.8).")
                    .contains("Findings: accuracy 0.8 against the parent's 0.6 (+0.2) on mqar; ")
                    .contains("against the best sibling sibling's 0.65")
                    .contains("Note: mqar reports only its overall accuracy and loss");
            assertThat(a.expectationVsReality()).isEqualTo("Expected: higher accuracy. Observed: accuracy 0.6 → 0.8 (+0.2)"
                    + " against the parent: as expected.");
            assertThat(a.insight()).startsWith("delta rule helped on mqar: accuracy 0.8 against the parent's 0.6");
            assertThat(a.paperIds()).isEmpty(); // nothing wrong: nothing to look up
        }
    }

    @Test
    void worseBiggerAndSlowerThanItsParent() {
        try (TestLab lab = new TestLab(run)) {
            Experiment parent = lab.done(null, "transformer", TestLab.architecture("transformer"), 0.9, "baseline");
            String wide = TestLab.architecture("transformer").replace("param d = 64", "param d = 128");
            Experiment result = lab.store.experiments().update(lab.done(parent.id(), "wide", wide, 0.85,
                    "wider model").toBuilder().wallSeconds(25.0).build());
            Analysis a = analyst(lab).analyse(parentContext(lab, parent), result);
            assertThat(a.diagnoses()).containsExactly(Diagnosis.WORSE_THAN_PARENT, Diagnosis.BIGGER_FOR_NO_GAIN,
                    Diagnosis.SLOWER_THAN_PARENT);
            // By FLOPs, not by the measured time, which varies with the machine's load.
            assertThat(a.results()).contains("× the parent's FLOPs per token").doesNotContain("25 s");
            assertThat(a.expectationVsReality()).endsWith(": the opposite of what was expected.");
            assertThat(a.insight()).startsWith("wider model hurt on mqar").endsWith("do not repeat it on this family.");
            assertThat(a.designEvaluation()).contains("3.").contains("× against the parent");
        }
    }

    @Test
    void plateauWithLowRecallAndItsOwnContext() {
        try (TestLab lab = new TestLab(run)) {
            Experiment parent = lab.done(null, "hyena", TestLab.architecture("hyena"), 0.305, "baseline");
            Experiment result = lab.insert(child(lab, parent, TestLab.architecture("mamba"), "selective ssm",
                    "similar accuracy at lower cost").status(ExperimentStatus.DONE).fitness(0.3)
                    .metrics("{\"mqar\": {\"accuracy\": 0.3, \"loss\": 2.4}}")
                    .curves(TestLab.curve(20, 5, 2.5, 30, i -> i < 6 ? 5 - 0.4 * i : 2.6)).build());
            // given the result's own context, the analyst finds the parent in the store
            ResearchContext own = ToolContextSource.builder(lab.tools).task("mqar").build().contextFor(lab.id(), result);
            Analysis a = analyst(lab).analyse(own, result);
            assertThat(a.diagnoses()).containsExactly(Symptoms.PLATEAU, Symptoms.RECALL_LOW, Diagnosis.ON_PAR_WITH_PARENT);
            assertThat(a.expectationVsReality()).endsWith(": as expected, no loss.");
            assertThat(a.explanation()).contains("the mechanism, not the training length").contains("too small a state");
            assertThat(a.insight()).isEmpty(); // on par, nothing failed: no lesson
            assertThat(a.paperIds()).isNotEmpty();
        }
    }

    @Test
    void stillImprovingAndOverfittingOnAHeldOutLoss() {
        try (TestLab lab = new TestLab(run)) {
            Experiment parent = lab.done(null, "transformer", TestLab.architecture("transformer"), 0.5, "baseline");
            StringBuilder curve = new StringBuilder("{\"charlm\": [");
            for (int i = 0; i < 24; i++) {
                double train = 4 * Math.exp(-i / 16.0) + 0.5;
                double val = i < 12 ? 3 - 0.2 * i : 0.6 + 0.1 * (i - 11);
                curve.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT,
                        "{\"step\": %d, \"loss\": %.4f, \"lr\": 0.001%s}", 10 * (i + 1), train,
                        (i + 1) % 4 == 0 ? String.format(Locale.ROOT, ", \"eval\": {\"val_loss\": %.4f}", val) : ""));
            }
            Experiment result = lab.insert(child(lab, parent, TestLab.architecture("retnet"), "retention", "lower loss")
                    .status(ExperimentStatus.DONE).metrics("{\"charlm\": {\"val_loss\": 1.7, \"bpc\": 2.4}}")
                    .curves(curve.append("]}").toString()).build());
            Analysis a = analyst(lab).analyse(ToolContextSource.builder(lab.tools).build().contextFor(lab.id(), parent),
                    result);
            assertThat(a.diagnoses()).contains(Symptoms.STILL_IMPROVING, Symptoms.OVERFITTING);
            assertThat(a.results()).contains("the held-out val_loss rose from its best");
            assertThat(a.expectationVsReality()).contains("cannot be measured"); // charlm against an mqar parent
        }
    }
}
