package archlab.agent.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.knowledge.store.LlmCall;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The provider faults of the reliability matrix not covered elsewhere: a reply truncated at max_tokens,
 * and a refusal, over the OpenAI and Anthropic wire formats.
 */
class ProviderFaultsTest extends WireMockLlmTest {
    @Test
    void aReplyCutOffAtTheTokenLimitIsRepairedWithThatReason() {
        String cut = "{\"hypotheses\": [{\"title\": \"Short conv\", \"motivation\": \"local mixing";
        ObjectNode truncated = (ObjectNode) json(Wire.openAiCompletion(OPENAI_MODEL, cut, 800, 512));
        ((ObjectNode) truncated.get("choices").get(0)).put("finish_reason", "length");
        respond(OPENAI_PATH, ok(truncated.toString()), ok(Wire.openAiCompletion(OPENAI_MODEL, GOOD_HYPOTHESES, 900, 96)));
        LlmReply reply = layer(openAi().build()).ask(hypotheses(Role.PLANNER));
        assertThat(reply.json().at("/hypotheses/0/title").asText()).isNotBlank();
        String repair = body(received(OPENAI_PATH).get(1)).get("messages").get(2).get("content").asText();
        assertThat(repair).contains("cut off at the token limit", "answer more briefly");
        assertThat(ledger()).extracting(LlmCall::outcome).containsExactly("malformed", "ok");
    }

    @Test
    void anOpenAiRefusalIsRecordedAsRefusedAndNotAskedAgain() {
        ObjectNode refusal = (ObjectNode) json(Wire.openAiCompletion(OPENAI_MODEL, "", 700, 12));
        ObjectNode message = (ObjectNode) refusal.get("choices").get(0).get("message");
        message.putNull("content");
        message.put("refusal", "I'm sorry, I can't help with that request.");
        respond(OPENAI_PATH, ok(refusal.toString()));
        LlmLayer llm = layer(openAi().repairs(1).build());
        assertThatThrownBy(() -> llm.ask(hypotheses(Role.PLANNER))).isInstanceOf(LlmException.class)
                .satisfies(e -> assertThat(((LlmException) e).kind()).as(e.getMessage()).isEqualTo("refused"))
                .hasMessageContaining("I'm sorry, I can't help with that request.");
        assertThat(ledger()).extracting(LlmCall::outcome).containsExactly("refused");
        assertThat(received(OPENAI_PATH)).as("a refusal is not retried").hasSize(1);
    }

    @Test
    void anAnthropicRefusalIsRecordedAndAskedAgainThenFailsAsMalformed() {
        ObjectNode refusal = (ObjectNode) json(Wire.anthropicMessage(ANTHROPIC_MODEL, "", 700, 5));
        refusal.put("stop_reason", "refusal");
        refusal.putArray("content");
        respond(ANTHROPIC_PATH, ok(refusal.toString()));
        LlmLayer llm = layer(anthropic().repairs(1).build());
        assertThatThrownBy(() -> llm.ask(hypotheses(Role.PLANNER))).isInstanceOf(LlmException.class)
                .satisfies(e -> assertThat(((LlmException) e).kind()).isEqualTo("malformed"));
        assertThat(ledger()).extracting(LlmCall::outcome).containsOnly("malformed");
        assertThat(received(ANTHROPIC_PATH)).hasSize(2);
    }
}
