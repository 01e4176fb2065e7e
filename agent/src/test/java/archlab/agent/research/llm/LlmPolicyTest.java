package archlab.agent.research.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.agent.research.CodingGate;
import archlab.agent.research.ResearchPolicy;
import archlab.agent.research.ScriptedLlm;
import archlab.agent.research.SmokeTrainer;
import org.junit.jupiter.api.Test;

class LlmPolicyTest {
    final ScriptedLlm llm = new ScriptedLlm();
    final CodingGate gate = new CodingGate(SmokeTrainer.SKIP, null);
    final String language = LlmPolicy.readLanguageReference(ScriptedLlm.promptsFolder());

    @Test
    void thePolicyIsNamedAfterThePlannersModelAndHasEveryRole() {
        ResearchPolicy p = LlmPolicy.create(llm, gate, language);

        assertThat(p.name()).isEqualTo("llm:scripted/planner");
        assertThat(p.planner()).isInstanceOf(LlmPlanner.class);
        assertThat(p.coder()).isInstanceOf(LlmCoder.class);
        assertThat(p.analyst()).isInstanceOf(LlmAnalyst.class);
        assertThat(p.optionalJudge()).containsInstanceOf(LlmJudge.class);
    }

    @Test
    void theJudgeIsOptionalAndTheLanguageReferenceIsNot() {
        assertThat(LlmPolicy.builder(llm, gate).languageReference(language).judge(false).build().optionalJudge())
                .isEmpty();
        assertThatThrownBy(() -> LlmPolicy.builder(llm, gate).build())
                .hasMessageContaining("the coder needs the language reference");
        assertThatThrownBy(() -> LlmPolicy.builder(llm, gate).languageReference(language).reasks(-1).build())
                .hasMessageContaining("reasks must be >= 0");
    }
}
