package archlab.agent.research.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.agent.llm.LlmException;
import archlab.agent.llm.Role;
import archlab.agent.research.CodingGate;
import archlab.agent.research.Direction;
import archlab.agent.research.Fixtures;
import archlab.agent.research.Move;
import archlab.agent.research.Proposal;
import archlab.agent.research.ResearchContext;
import archlab.agent.research.ScriptedLlm;
import java.util.List;
import org.junit.jupiter.api.Test;

class LlmPlannerTest {
    final ResearchContext context = Fixtures.context("cmp-1");
    final ScriptedLlm llm = new ScriptedLlm();
    final LlmPlanner planner = new LlmPlanner(llm, ContextRendering.defaults(), 1);

    static final String THREE = """
            {"hypotheses": [
              {"title": "Short conv on q and k", "motivation": "Local context sharpens keys, which the parent's saturated state needs",
               "expected_effect": "accuracy +0.2", "metric": "accuracy", "risk": "slower early training", "requires": ["short_conv"]},
              {"title": "Delta rule memory", "motivation": "Replacing stored values avoids interference between pairs",
               "expected_effect": "accuracy +0.4", "metric": "accuracy", "risk": "scan is slow", "requires": ["delta_rule", "scan"]},
              {"title": "Gated output", "motivation": "A SiLU gate lets the mixer suppress noise from the state",
               "expected_effect": "loss -0.1", "metric": "loss", "risk": "little effect on recall", "requires": []}
            ]}""";

    @Test
    void theDirectionPromptShowsTheContextAndTheMove() {
        llm.reply("planner-direction", """
                {"summary": "Apply short convolutions from [short-conv] to q and k.", "references": ["short-conv", "[exp-sib-a]", "made-up-paper"]}""");

        Direction d = planner.direct(context, Move.APPLY_INSIGHT);

        assertThat(d.move()).isEqualTo(Move.APPLY_INSIGHT);
        assertThat(d.summary()).isEqualTo("Apply short convolutions from [short-conv] to q and k.");
        // ids the context shows are kept (brackets removed); an invented one is dropped
        assertThat(d.references()).containsExactly("short-conv", "exp-sib-a");
        ScriptedLlm.Call call = llm.calls().get(0);
        assertThat(call.request().role()).isEqualTo(Role.PLANNER);
        assertThat(call.request().campaignId()).isEqualTo("cmp-1");
        assertThat(call.request().schema().get("required").toString()).isEqualTo("[\"summary\",\"references\"]");
        assertThat(call.prompt())
                .contains("Move chosen by the search: apply_insight")
                .contains("Task: mqar")
                .contains("Experiment tiny_la \"Linear attention baseline\" [done] fitness 0.420; mqar: accuracy 0.3125")
                .contains("q = elu1(split_heads(linear(x, d), heads))") // the parent's definition
                .contains("The state saturates") // its analysis
                .contains("exp-sib-a \"Wider state\" [done] fitness 0.510")
                .contains("[short-conv] Short convolutions for recall (2024), relevance 0.82")
                .contains("exp-old: similarity 0.77 (graph 0.80, motivation 0.70) -> failed, diverged: NaN at step 9")
                .contains("gated_norm (found in 3 experiments, mean fitness 0.600 with it vs 0.400 without")
                .contains("- Keep parameters under 20k.")
                .doesNotContain("{{");
    }

    @Test
    void hypothesesBecomeProposalsWithTheirRequiredOpsInThePlan() {
        llm.reply("planner-hypotheses", THREE);
        Direction direction = new Direction(Move.MUTATE, "Sharpen recall", List.of("short-conv"));

        List<Proposal> ps = planner.propose(context, direction, 3);

        assertThat(ps).extracting(Proposal::title)
                .containsExactly("Short conv on q and k", "Delta rule memory", "Gated output");
        Proposal first = ps.get(0);
        assertThat(first.motivation()).startsWith("Local context sharpens keys");
        assertThat(first.expectedEffect()).isEqualTo("accuracy +0.2");
        assertThat(first.metric()).isEqualTo("accuracy");
        assertThat(first.risk()).isEqualTo("slower early training");
        assertThat(first.direction()).isEqualTo(direction);
        assertThat(first.plan()).containsEntry(CodingGate.REQUIRES, "short_conv");
        assertThat(ps.get(1).plan()).containsEntry(CodingGate.REQUIRES, "delta_rule, scan");
        assertThat(ps.get(2).plan()).isEmpty();
        assertThat(llm.calls().get(0).prompt()).contains("Write up to 3 distinct")
                .contains("Direction: Sharpen recall").contains("The direction leans on: short-conv");
    }

    @Test
    void atMostKAreKeptAndRepeatedTitlesOnce() {
        llm.reply("planner-hypotheses", """
                {"hypotheses": [
                  {"title": "A", "motivation": "m1", "expected_effect": "", "metric": "", "risk": "", "requires": []},
                  {"title": "a", "motivation": "m2", "expected_effect": "", "metric": "", "risk": "", "requires": []},
                  {"title": "", "motivation": "no title", "expected_effect": "", "metric": "", "risk": "", "requires": []},
                  {"title": "B", "motivation": "m3", "expected_effect": "", "metric": "", "risk": "", "requires": []},
                  {"title": "C", "motivation": "m4", "expected_effect": "", "metric": "", "risk": "", "requires": []}
                ]}""");

        List<Proposal> ps = planner.propose(context, new Direction(Move.MUTATE, "x", null), 2);

        assertThat(ps).extracting(Proposal::title).containsExactly("A", "B");
    }

    @Test
    void zeroHypothesesAreAskedAgainWithTheProblemThenAccepted() {
        llm.reply("planner-hypotheses", "{\"hypotheses\": []}").reply("planner-hypotheses", THREE);

        List<Proposal> ps = planner.propose(context, new Direction(Move.MUTATE, "x", null), 3);

        assertThat(ps).hasSize(3);
        List<ScriptedLlm.Call> calls = llm.calls("planner-hypotheses");
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).request().values().get("feedback")).isEmpty();
        assertThat(calls.get(1).prompt()).contains("could not be used, for this reason:\n"
                + "the reply has no hypotheses: write at least one");
    }

    @Test
    void semanticallyEmptyRepliesEndAsMalformedAfterTheReask() {
        llm.reply("planner-hypotheses", "{\"hypotheses\": []}")
           .reply("planner-hypotheses", """
                   {"hypotheses": [{"title": " ", "motivation": "", "expected_effect": "", "metric": "", "risk": "", "requires": []}]}""");

        assertThatThrownBy(() -> planner.propose(context, new Direction(Move.MUTATE, "x", null), 3))
                .isInstanceOf(LlmException.class)
                .hasMessageContaining("planner reply to planner-hypotheses is unusable after 2 tries")
                .hasMessageContaining("every hypothesis lacks a title or a motivation")
                .satisfies(e -> assertThat(((LlmException) e).kind()).isEqualTo("malformed"));
        assertThat(llm.calls()).hasSize(2);
    }

    @Test
    void aBlankDirectionIsAskedAgain() {
        llm.reply("planner-direction", "{\"summary\": \"\", \"references\": []}")
           .reply("planner-direction", "{\"summary\": \"Refine the gate.\", \"references\": []}");

        assertThat(planner.direct(context, Move.REFINE).summary()).isEqualTo("Refine the gate.");
        assertThat(llm.calls().get(1).prompt()).contains("the summary is empty");
    }

    @Test
    void aReplyInTextIsReadTolerantly() {
        llm.replyText("planner-direction", "Sure! Here it is:\n```json\n{\"summary\": \"Widen the state.\", "
                + "\"references\": []}\n```");

        assertThat(planner.direct(context, Move.MUTATE).summary()).isEqualTo("Widen the state.");
    }

    @Test
    void failuresOfTheLayerPassThrough() {
        llm.fail("planner-direction", new LlmException("budget", "token budget spent"));

        assertThatThrownBy(() -> planner.direct(context, Move.MUTATE)).isInstanceOf(LlmException.class)
                .hasMessage("token budget spent");
    }
}
