package archlab.agent.research.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.agent.llm.LlmException;
import archlab.agent.llm.Role;
import archlab.agent.research.Analysis;
import archlab.agent.research.Fixtures;
import archlab.agent.research.ResearchContext;
import archlab.agent.research.ScriptedLlm;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import org.junit.jupiter.api.Test;

class LlmAnalystTest {
    final ResearchContext context = Fixtures.context("cmp-1");
    final ScriptedLlm llm = new ScriptedLlm();
    final LlmAnalyst analyst = new LlmAnalyst(llm, ContextRendering.defaults(), 1);

    static Experiment result() {
        return Experiment.builder("exp-child", "cmp-1").parentId("exp-parent")
                .hypothesis(new Hypothesis("Short conv on q and k", "Sharper keys", "accuracy +0.2 (metric: accuracy)"))
                .checkedDefinition(Fixtures.CHILD_CONV).status(ExperimentStatus.DONE)
                .metrics("{\"mqar\": {\"accuracy\": 0.5625, \"loss\": 1.4}}")
                .curves("{\"mqar\": [{\"step\": 10, \"loss\": 3.3, \"lr\": 0.003},"
                        + " {\"step\": 20, \"loss\": 1.5, \"lr\": 0.002, \"eval\": {\"accuracy\": 0.5625, \"loss\": 1.4}}]}")
                .wallSeconds(2.5).build();
    }

    static final String ANALYSIS = """
            {"design_evaluation": "A clean single change.", "results": "accuracy 0.5625 against the parent's 0.3125",
             "expectation_vs_reality": "Expected +0.2, got +0.25.", "explanation": "Convolved keys carry their value's position.",
             "insight": "Short convolutions on q and k help recall in linear attention.",
             "paper_ids": ["short-conv", "[deltanet]", "invented-2031"], "diagnoses": ["recall-improved"]}""";

    @Test
    void theResultIsReadAgainstItsParentGrandparentAndTwoBestSiblings() {
        llm.reply("analyst", ANALYSIS);

        Analysis a = analyst.analyse(context, result());

        assertThat(a.designEvaluation()).isEqualTo("A clean single change.");
        assertThat(a.results()).contains("0.5625");
        assertThat(a.expectationVsReality()).isEqualTo("Expected +0.2, got +0.25.");
        assertThat(a.explanation()).startsWith("Convolved keys");
        assertThat(a.insight()).startsWith("Short convolutions");
        // only notes the context retrieved; brackets removed
        assertThat(a.paperIds()).containsExactly("short-conv", "deltanet");
        assertThat(a.diagnoses()).containsExactly("recall-improved");

        ScriptedLlm.Call call = llm.calls().get(0);
        assertThat(call.request().role()).isEqualTo(Role.ANALYST);
        assertThat(call.request().experimentId()).isEqualTo("exp-child");
        assertThat(call.prompt())
                .contains("Experiment exp-child \"Short conv on q and k\" [done]; mqar: accuracy 0.5625, loss 1.4000")
                .contains("Training: loss 3.3000 -> 1.5000 over 20 steps (lowest 1.5000 at step 20); held-out accuracy 0.5625, loss 1.4000 at step 20")
                .contains("Change against the parent tiny_la:\n+ ") // the structural diff
                .contains("short_conv")
                .contains("Grandparent: none")
                .contains("Siblings (3, best 2):\n- exp-sib-a \"Wider state\" [done] fitness 0.510")
                .contains("- exp-sib-c \"Two heads more\" [done] fitness 0.470")
                .doesNotContain("exp-sib-b")
                .contains("[short-conv] Short convolutions for recall")
                .doesNotContain("In archlab:"); // the analyst does not need the notes' code
    }

    @Test
    void anEmptyExplanationIsAskedAgainThenFails() {
        String empty = """
                {"design_evaluation": "", "results": "", "expectation_vs_reality": "", "explanation": "",
                 "insight": "", "paper_ids": [], "diagnoses": []}""";
        llm.reply("analyst", empty).reply("analyst", empty);

        assertThatThrownBy(() -> analyst.analyse(context, result()))
                .isInstanceOfSatisfying(LlmException.class, e -> assertThat(e.kind()).isEqualTo("malformed"))
                .hasMessageContaining("the results and the explanation must not be empty");
        assertThat(llm.calls().get(1).prompt()).contains("the results and the explanation must not be empty");
    }
}
