package archlab.agent.llm;

import archlab.knowledge.store.LlmCall;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Budgets enforced before a call, the replay cache, and prices, all read back from the store. */
class LedgerTest extends WireMockLlmTest {

    @Test
    void anExhaustedTokenBudgetRefusesTheCallWithoutSendingIt() {
        respond(OPENAI_PATH, ok(Wire.openAiCompletion(OPENAI_MODEL, GOOD_HYPOTHESES, 800, 96)));
        // max_tokens alone (512) exceeds what is left.
        LlmLayer llm = layer(openAi().budget(new LlmConfig.Budget(400L, null)).build());

        assertThatThrownBy(() -> llm.ask(hypotheses(Role.PLANNER)))
                .isInstanceOfSatisfying(LlmException.class, e -> {
                    assertThat(e.kind()).isEqualTo("budget");
                    assertThat(e.getMessage()).contains("token budget exhausted: 0 of 400 tokens spent")
                            .contains("max_tokens 512").endsWith("no call was made");
                });
        assertThat(received(OPENAI_PATH)).isEmpty();
        List<LlmCall> rows = ledger();
        assertThat(rows).extracting(LlmCall::outcome).containsExactly("budget");
        assertThat(rows.get(0).tokensIn() + rows.get(0).tokensOut()).isZero();
    }

    @Test
    void aBudgetExhaustedMidStepStopsBeforeTheCallThatWouldCrossIt() {
        // The first reply is malformed and costs 3,000 tokens; the repair prompt (about 400 tokens)
        // plus max_tokens (512) would cross the 3,600 budget, so it is never sent.
        respond(OPENAI_PATH, ok(Wire.openAiCompletion(OPENAI_MODEL, "not json", 2_500, 500)),
                ok(Wire.openAiCompletion(OPENAI_MODEL, GOOD_HYPOTHESES, 800, 96)));
        LlmLayer llm = layer(openAi().budget(new LlmConfig.Budget(3_600L, null)).build());

        assertThatThrownBy(() -> llm.ask(hypotheses(Role.PLANNER)))
                .isInstanceOfSatisfying(LlmException.class, e -> {
                    assertThat(e.kind()).isEqualTo("budget");
                    assertThat(e.getMessage()).contains("3,000 of 3,600 tokens spent");
                });
        assertThat(received(OPENAI_PATH)).hasSize(1);
        assertThat(outcomes()).containsExactly("malformed", "budget");
        assertThat(store.llmCalls().spend(campaign).tokensIn()).isEqualTo(2_500);
    }

    @Test
    void aMoneyBudgetIsCheckedAgainstThePriceTableBeforeTheCall() {
        respond(OPENAI_PATH, ok(Wire.openAiCompletion(OPENAI_MODEL, GOOD_HYPOTHESES, 800_000, 100_000)));
        // 800k in + 100k out at 0.15/0.60 per 1M = $0.18 for the first call. The second may cost up to
        // max_tokens 512 x $0.60/1M + its prompt = $0.0003 or so, which would cross $0.1802.
        LlmLayer llm = layer(openAi().budget(new LlmConfig.Budget(null, 0.1802)).build());

        LlmReply first = llm.ask(hypotheses(Role.PLANNER));
        assertThat(first.cost()).isEqualTo(0.18, org.assertj.core.api.Assertions.within(1e-9));

        assertThatThrownBy(() -> llm.ask(new LlmRequest(Role.ANALYST, "summary",
                java.util.Map.of("experiment", "exp-2"), null, null, null, null)))
                .isInstanceOfSatisfying(LlmException.class, e -> {
                    assertThat(e.kind()).isEqualTo("budget");
                    assertThat(e.getMessage()).contains("money budget exhausted: $0.1800 of $0.1802 spent");
                });
        assertThat(received(OPENAI_PATH)).hasSize(1);
        assertThat(outcomes()).containsExactly("ok", "budget");
    }

    @Test
    void anIdenticalRequestIsAnsweredFromTheStoreWithNoHttpCallAndNoCost() {
        respond(OPENAI_PATH, ok(Wire.openAiCompletion(OPENAI_MODEL, GOOD_HYPOTHESES, 812, 96)));
        LlmLayer llm = layer(openAi().build());

        LlmReply first = llm.ask(hypotheses(Role.PLANNER));
        LlmReply second = llm.ask(hypotheses(Role.PLANNER));

        assertThat(received(OPENAI_PATH)).hasSize(1);
        assertThat(second.replayed()).isTrue();
        assertThat(second.cost()).isZero();
        assertThat(second.tokensIn()).isZero();
        assertThat(second.json()).isEqualTo(first.json());
        assertThat(second.text()).isEqualTo(first.text());
        List<LlmCall> rows = ledger();
        assertThat(rows).extracting(LlmCall::outcome).containsExactly("ok", "replayed");
        assertThat(rows.get(1).promptHash()).isEqualTo(rows.get(0).promptHash());
        assertThat(rows.get(1).cost()).isZero();
        assertThat(rows.get(1).response()).isEqualTo(GOOD_HYPOTHESES);
        assertThat(store.llmCalls().spend(campaign).cost()).isEqualTo(first.cost());
    }

    @Test
    void aRerunThroughARepairIsReplayedWholeByANewLayerOnTheSameStore() {
        respond(ANTHROPIC_PATH, ok(Wire.anthropicMessage(ANTHROPIC_MODEL, "{\"hypotheses\": [", 700, 5)),
                ok(Wire.anthropicMessage(ANTHROPIC_MODEL, GOOD_HYPOTHESES, 760, 96)));
        LlmReply first = layer(anthropic().build()).ask(hypotheses(Role.PLANNER));
        assertThat(received(ANTHROPIC_PATH)).hasSize(2);

        // A resumed campaign builds a new layer; the same prompts make no HTTP call at all.
        wm.resetRequests();
        LlmReply rerun = layer(anthropic().build()).ask(hypotheses(Role.PLANNER));

        assertThat(received(ANTHROPIC_PATH)).isEmpty();
        assertThat(rerun.replayed()).isTrue();
        assertThat(rerun.cost()).isZero();
        assertThat(rerun.json()).isEqualTo(first.json());
        assertThat(outcomes()).containsExactly("malformed", "ok", "replayed", "replayed");
    }

    @Test
    void changingAParameterThatChangesTheAnswerMissesTheCache() {
        respond(OPENAI_PATH, ok(Wire.openAiCompletion(OPENAI_MODEL, GOOD_HYPOTHESES, 812, 96)));
        layer(openAi().build()).ask(hypotheses(Role.PLANNER));
        LlmConfig hotter = openAi().build();
        hotter = hotter.toBuilder().defaults(hotter.defaults().toBuilder().temperature(0.9).build()).build();

        layer(hotter).ask(hypotheses(Role.PLANNER));

        assertThat(received(OPENAI_PATH)).hasSize(2);
        assertThat(outcomes()).containsExactly("ok", "ok");
    }

    @Test
    void replayCanBeTurnedOff() {
        respond(OPENAI_PATH, ok(Wire.openAiCompletion(OPENAI_MODEL, GOOD_HYPOTHESES, 812, 96)));
        LlmLayer llm = layer(openAi().replay(false).build());

        llm.ask(hypotheses(Role.PLANNER));
        llm.ask(hypotheses(Role.PLANNER));

        assertThat(received(OPENAI_PATH)).hasSize(2);
    }

    @Test
    void aModelMissingFromThePriceTableCostsNothingAndIsWarnedAboutOnce() {
        String local = "qwen2.5-coder:14b";
        respond(OPENAI_PATH, ok(Wire.openAiCompletion(local, GOOD_HYPOTHESES, 812, 96)));
        LlmConfig config = openAi().build();
        config = config.toBuilder().defaults(config.defaults().toBuilder().model(local).build()).build();
        LlmLayer llm = layer(config);

        llm.ask(hypotheses(Role.PLANNER));
        llm.ask(new LlmRequest(Role.ANALYST, "summary", java.util.Map.of("experiment", "exp-2"), null, null, null,
                null));

        assertThat(ledger()).allSatisfy(r -> {
            assertThat(r.cost()).isZero();
            assertThat(r.tokensIn()).isEqualTo(812);
        });
        assertThat(llm.warnings()).containsExactly("no price for model 'qwen2.5-coder:14b' in test prices: its calls"
                + " are recorded at cost 0 and the money budget cannot limit them");
    }
}
