package archlab.agent.research.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.agent.llm.LlmException;
import archlab.agent.llm.Role;
import archlab.agent.research.Fixtures;
import archlab.agent.research.JudgeScore;
import archlab.agent.research.ResearchContext;
import archlab.agent.research.ScriptedLlm;
import org.junit.jupiter.api.Test;

class LlmJudgeTest {
    final ResearchContext context = Fixtures.context("cmp-1");
    final ScriptedLlm llm = new ScriptedLlm();
    final LlmJudge judge = new LlmJudge(llm, ContextRendering.defaults(), 1);

    @Test
    void scoresAndRationaleAreRead() {
        llm.reply("judge", """
                {"novelty": 0.3, "complexity": 0.2, "soundness": 0.9, "rationale": "A known trick, cleanly applied."}""");

        JudgeScore s = judge.judge(context, LlmAnalystTest.result());

        assertThat(s).isEqualTo(new JudgeScore(0.3, 0.2, 0.9, "A known trick, cleanly applied."));
        ScriptedLlm.Call call = llm.calls().get(0);
        assertThat(call.request().role()).isEqualTo(Role.JUDGE);
        assertThat(call.request().experimentId()).isEqualTo("exp-child");
        assertThat(call.prompt()).contains("Experiment exp-child \"Short conv on q and k\"")
                .contains("exp-old: similarity 0.77");
    }

    @Test
    void aScoreOutsideTheUnitIntervalIsAskedAgain() {
        // A provider without structured outputs: the schema's bounds were not enforced.
        llm.replyText("judge", "{\"novelty\": 7, \"complexity\": 0.2, \"soundness\": 0.9, \"rationale\": \"r\"}")
           .reply("judge", "{\"novelty\": 0.7, \"complexity\": 0.2, \"soundness\": 0.9, \"rationale\": \"r\"}");

        assertThat(judge.judge(context, LlmAnalystTest.result()).novelty()).isEqualTo(0.7);
        assertThat(llm.calls().get(1).prompt()).contains("novelty must be a number in [0, 1], was 7");
    }

    @Test
    void aBlankRationaleTwiceIsMalformed() {
        String blank = "{\"novelty\": 0.5, \"complexity\": 0.5, \"soundness\": 0.5, \"rationale\": \" \"}";
        llm.reply("judge", blank).reply("judge", blank);

        assertThatThrownBy(() -> judge.judge(context, LlmAnalystTest.result()))
                .isInstanceOfSatisfying(LlmException.class, e -> assertThat(e.kind()).isEqualTo("malformed"))
                .hasMessageContaining("the rationale is empty");
    }
}
