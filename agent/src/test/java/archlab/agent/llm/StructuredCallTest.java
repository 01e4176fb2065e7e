package archlab.agent.llm;

import archlab.knowledge.store.LlmCall;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Structured output on both wire formats: schemas, tolerant parsing, repair prompts and semantic checks. */
class StructuredCallTest extends WireMockLlmTest {

    @Test
    void openAiCallSendsTheSchemaAsResponseFormatAndRecordsTokensAndCost() {
        respond(OPENAI_PATH, ok(Wire.openAiCompletion(OPENAI_MODEL, GOOD_HYPOTHESES, 812, 96)));
        LlmLayer llm = layer(openAi().build());

        LlmReply reply = llm.ask(hypotheses(Role.PLANNER));

        assertThat(reply.json().at("/hypotheses/0/title").asText()).isEqualTo("Short conv before q/k");
        assertThat(reply.text()).isEqualTo(GOOD_HYPOTHESES);
        assertThat(reply.tokensIn()).isEqualTo(812);
        assertThat(reply.tokensOut()).isEqualTo(96);
        assertThat(reply.cost()).isCloseTo((812 * 0.15 + 96 * 0.60) / 1e6, within(1e-12));
        assertThat(reply.replayed()).isFalse();

        LoggedRequest sent = received(OPENAI_PATH).get(0);
        assertThat(sent.getHeader("Authorization")).isEqualTo("Bearer " + OPENAI_KEY);
        JsonNode body = body(sent);
        assertThat(body.get("model").asText()).isEqualTo(OPENAI_MODEL);
        assertThat(body.get("max_tokens").asInt()).isEqualTo(512);
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.2);
        assertThat(body.at("/response_format/type").asText()).isEqualTo("json_schema");
        assertThat(body.at("/response_format/json_schema/name").asText()).isEqualTo("hypotheses");
        assertThat(body.at("/response_format/json_schema/schema")).isEqualTo(HYPOTHESES_SCHEMA);
        String prompt = body.at("/messages/0/content").asText();
        assertThat(prompt).startsWith("You are testing archlab's LLM layer. Propose 1 hypotheses for a model on the task mqar.")
                .contains("return linear(embed(tokens, 64), vocab)")
                .contains("Reply with one JSON value that satisfies this JSON schema")
                .contains("\"expected_effect\"");

        List<LlmCall> rows = ledger();
        assertThat(rows).hasSize(1);
        LlmCall row = rows.get(0);
        assertThat(row.role()).isEqualTo("planner");
        assertThat(row.provider()).isEqualTo("openai");
        assertThat(row.model()).isEqualTo(OPENAI_MODEL);
        assertThat(row.experimentId()).isEqualTo("exp-1");
        assertThat(row.promptHash()).matches("[0-9a-f]{64}");
        assertThat(row.prompt()).isEqualTo(prompt);
        assertThat(row.response()).isEqualTo(GOOD_HYPOTHESES);
        assertThat(row.tokensIn()).isEqualTo(812);
        assertThat(row.tokensOut()).isEqualTo(96);
        assertThat(row.cost()).isCloseTo(reply.cost(), within(1e-12));
        assertThat(row.latencyMs()).isGreaterThanOrEqualTo(0);
        assertThat(row.outcome()).isEqualTo("ok");
        assertThat(llm.warnings()).isEmpty();
    }

    @Test
    void anthropicReplyInProseAndACodeFenceIsParsedTolerantly() {
        String prose = "Here are the hypotheses you asked for:\n\n```json\n" + GOOD_HYPOTHESES
                + "\n```\n\nLet me know if you want more.";
        respond(ANTHROPIC_PATH, ok(Wire.anthropicMessage(ANTHROPIC_MODEL, prose, 1020, 140)));
        LlmLayer llm = layer(anthropic().build());

        LlmReply reply = llm.ask(hypotheses(Role.CODER));

        assertThat(reply.json()).isEqualTo(json(GOOD_HYPOTHESES));
        assertThat(reply.text()).isEqualTo(prose);
        assertThat(reply.cost()).isCloseTo((1020 * 3.0 + 140 * 15.0) / 1e6, within(1e-12));

        LoggedRequest sent = received(ANTHROPIC_PATH).get(0);
        assertThat(sent.getHeader("x-api-key")).isEqualTo(ANTHROPIC_KEY);
        assertThat(sent.getHeader("anthropic-version")).isNotBlank();
        JsonNode body = body(sent);
        assertThat(body.get("model").asText()).isEqualTo(ANTHROPIC_MODEL);
        assertThat(body.get("max_tokens").asInt()).isEqualTo(512);
        // No native schema by default for Anthropic: it is stated in the prompt instead.
        assertThat(body.has("output_config")).isFalse();
        assertThat(body.at("/messages/0/content/0/text").asText()).contains("\"hypotheses\"");

        LlmCall row = ledger().get(0);
        assertThat(row.provider()).isEqualTo("anthropic");
        assertThat(row.role()).isEqualTo("coder");
        assertThat(row.tokensIn()).isEqualTo(1020);
        assertThat(row.tokensOut()).isEqualTo(140);
        assertThat(row.outcome()).isEqualTo("ok");
    }

    @Test
    void anthropicStructuredOutputsCanBeSwitchedOnPerModel() {
        respond(ANTHROPIC_PATH, ok(Wire.anthropicMessage(ANTHROPIC_MODEL, GOOD_HYPOTHESES, 900, 100)));
        LlmConfig config = anthropic().build();
        config = config.toBuilder().defaults(config.defaults().toBuilder().jsonSchema(true).build()).build();

        LlmReply reply = layer(config).ask(hypotheses(Role.JUDGE));

        assertThat(reply.json()).isEqualTo(json(GOOD_HYPOTHESES));
        JsonNode body = body(received(ANTHROPIC_PATH).get(0));
        assertThat(body.at("/output_config/format/type").asText()).isEqualTo("json_schema");
        assertThat(body.at("/output_config/format/schema")).isEqualTo(HYPOTHESES_SCHEMA);
    }

    @Test
    void malformedJsonGetsARepairPromptThatQuotesTheErrorAndTheSecondReplyIsUsed() {
        String broken = "{\"hypotheses\": [{\"title\": \"Short conv\", \"motivation\": ";
        respond(OPENAI_PATH, ok(Wire.openAiCompletion(OPENAI_MODEL, broken, 800, 20)),
                ok(Wire.openAiCompletion(OPENAI_MODEL, GOOD_HYPOTHESES, 900, 96)));
        LlmLayer llm = layer(openAi().build());

        LlmReply reply = llm.ask(hypotheses(Role.PLANNER));

        assertThat(reply.json().at("/hypotheses/0/risk").asText()).isEqualTo("slower per step");
        assertThat(reply.tokensIn()).isEqualTo(800 + 900);
        assertThat(reply.tokensOut()).isEqualTo(20 + 96);

        List<LoggedRequest> sent = received(OPENAI_PATH);
        assertThat(sent).hasSize(2);
        JsonNode messages = body(sent.get(1)).get("messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.get(1).get("role").asText()).isEqualTo("assistant");
        assertThat(messages.get(1).get("content").asText()).isEqualTo(broken);
        String repair = messages.get(2).get("content").asText();
        assertThat(repair).startsWith("Your last reply could not be used.")
                .contains("the reply is not valid JSON: Unexpected end-of-input");

        List<LlmCall> rows = ledger();
        assertThat(rows).extracting(LlmCall::outcome).containsExactly("malformed", "ok");
        assertThat(rows.get(0).response()).isEqualTo(broken);
        assertThat(rows.get(0).tokensIn()).isEqualTo(800);
        assertThat(rows.get(1).prompt()).contains("### assistant\n" + broken).contains("Your last reply could not be used.");
        assertThat(rows.get(0).promptHash()).isNotEqualTo(rows.get(1).promptHash());
    }

    @Test
    void aReplyThatBreaksTheSchemaIsRepairedWithTheValidatorsMessage() {
        String missingRisk = "{\"hypotheses\": [{\"title\": \"t\", \"motivation\": \"m\", \"expected_effect\": \"e\"}]}";
        respond(ANTHROPIC_PATH, ok(Wire.anthropicMessage(ANTHROPIC_MODEL, missingRisk, 500, 30)),
                ok(Wire.anthropicMessage(ANTHROPIC_MODEL, GOOD_HYPOTHESES, 600, 60)));
        LlmLayer llm = layer(anthropic().build());

        llm.ask(hypotheses(Role.PLANNER));

        JsonNode messages = body(received(ANTHROPIC_PATH).get(1)).get("messages");
        String repair = messages.get(2).at("/content/0/text").asText();
        assertThat(repair).contains("the JSON does not satisfy the schema").contains("risk");
        assertThat(outcomes()).containsExactly("malformed", "ok");
    }

    @Test
    void anEmptyReplyIsRepairedWithoutSendingAnEmptyAssistantTurn() {
        respond(ANTHROPIC_PATH, ok(Wire.anthropicMessage(ANTHROPIC_MODEL, "", 500, 1)),
                ok(Wire.anthropicMessage(ANTHROPIC_MODEL, GOOD_HYPOTHESES, 560, 96)));

        LlmReply reply = layer(anthropic().build()).ask(hypotheses(Role.PLANNER));

        assertThat(reply.json()).isNotNull();
        JsonNode messages = body(received(ANTHROPIC_PATH).get(1)).get("messages");
        assertThat(messages.findValuesAsText("role")).doesNotContain("assistant");
        assertThat(messages.toString()).contains("the reply was empty; expected a JSON value");
        assertThat(outcomes()).containsExactly("malformed", "ok");
    }

    @Test
    void afterTheConfiguredRepairsTheRequestFailsAsMalformed() {
        respond(OPENAI_PATH, ok(Wire.openAiCompletion(OPENAI_MODEL, "I cannot answer in JSON, sorry.", 300, 10)));
        LlmLayer llm = layer(openAi().repairs(2).build());

        assertThatThrownBy(() -> llm.ask(hypotheses(Role.PLANNER)))
                .isInstanceOfSatisfying(LlmException.class, e -> {
                    assertThat(e.kind()).isEqualTo("malformed");
                    assertThat(e.getMessage()).contains("planner (openai/gpt-4o-mini)")
                            .contains("no usable reply after 2 repair prompt(s)").contains("not valid JSON");
                });
        assertThat(received(OPENAI_PATH)).hasSize(3);
        assertThat(outcomes()).containsExactly("malformed", "malformed", "malformed");
    }

    @Test
    void aSemanticallyEmptyReplyIsRejectedByTheCallersCheckAndRepaired() {
        respond(OPENAI_PATH, ok(Wire.openAiCompletion(OPENAI_MODEL, "{\"hypotheses\": []}", 700, 8)),
                ok(Wire.openAiCompletion(OPENAI_MODEL, GOOD_HYPOTHESES, 760, 96)));
        LlmLayer llm = layer(openAi().build());
        ReplyCheck nonEmpty = reply -> reply.json().get("hypotheses").isEmpty()
                ? Optional.of("the list of hypotheses is empty; propose at least one") : Optional.empty();

        LlmReply reply = llm.ask(hypotheses(Role.PLANNER).withCheck(nonEmpty));

        assertThat(reply.json().get("hypotheses")).hasSize(1);
        String repair = body(received(OPENAI_PATH).get(1)).at("/messages/2/content").asText();
        assertThat(repair).contains("the list of hypotheses is empty; propose at least one");
        assertThat(outcomes()).containsExactly("rejected", "ok");
    }

    @Test
    void aPlainTextRequestNeedsNoSchema() {
        respond(OPENAI_PATH, ok(Wire.openAiCompletion(OPENAI_MODEL, "The short conv helped recall.", 40, 8)));
        LlmLayer llm = layer(openAi().build());

        LlmReply reply = llm.ask(new LlmRequest(Role.ANALYST, "summary", java.util.Map.of("experiment", "exp-7"),
                null, null, null, null));

        assertThat(reply.text()).isEqualTo("The short conv helped recall.");
        assertThat(reply.json()).isNull();
        JsonNode body = body(received(OPENAI_PATH).get(0));
        assertThat(body.has("response_format")).isFalse();
        assertThat(body.at("/messages/0/content").asText()).isEqualTo("Summarise in one sentence what exp-7 showed.\n");
        assertThat(ledger().get(0).role()).isEqualTo("analyst");
    }

    @Test
    void aMissingPlaceholderValueFailsBeforeAnyCallAndNamesIt() {
        LlmLayer llm = layer(openAi().build());

        assertThatThrownBy(() -> llm.ask(new LlmRequest(Role.ANALYST, "summary", java.util.Map.of(), null, null,
                null, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prompt template 'summary' needs a value for {{experiment}}");
        assertThat(received(OPENAI_PATH)).isEmpty();
        assertThat(ledger()).isEmpty();
    }
}
