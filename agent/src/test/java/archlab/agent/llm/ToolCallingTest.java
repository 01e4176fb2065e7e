package archlab.agent.llm;

import archlab.knowledge.store.LlmCall;
import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The model calls a typed tool, archlab runs it and feeds the result back, in bounded rounds. */
class ToolCallingTest extends WireMockLlmTest {

    /** A small stand-in for the tools module's paper search, with a real @Tool signature. */
    static final class PaperSearch {
        final List<String> queries = new ArrayList<>();

        @Tool("Searches archlab's paper notes; returns up to k titles, best first")
        String searchPapers(@P("what to look for") String query, @P("how many titles") int k) {
            queries.add(query + "/" + k);
            return "1. Parallelizing Linear Transformers with the Delta Rule (2024)\n2. Gated Delta Networks (2024)";
        }
    }

    LlmRequest lookup(PaperSearch tool) {
        return new LlmRequest(Role.PLANNER, "lookup", Map.of("topic", "the delta rule"), null, List.of(tool),
                null, null);
    }

    @Test
    void aToolCallRoundTripRunsTheToolAndSendsItsResultBack() {
        respond(OPENAI_PATH,
                ok(Wire.openAiToolCalls(OPENAI_MODEL, 420, 31,
                        new Wire.ToolCall("call_Xk2mP9", "searchPapers", "{\"query\":\"delta rule\",\"k\":2}"))),
                ok(Wire.openAiCompletion(OPENAI_MODEL, "Parallelizing Linear Transformers with the Delta Rule;"
                        + " Gated Delta Networks", 530, 22)));
        PaperSearch tool = new PaperSearch();
        LlmLayer llm = layer(openAi().build());

        LlmReply reply = llm.ask(lookup(tool));

        assertThat(reply.text()).contains("Gated Delta Networks");
        assertThat(reply.tokensIn()).isEqualTo(420 + 530);
        assertThat(tool.queries).containsExactly("delta rule/2");

        JsonNode first = body(received(OPENAI_PATH).get(0));
        assertThat(first.at("/tools/0/type").asText()).isEqualTo("function");
        assertThat(first.at("/tools/0/function/name").asText()).isEqualTo("searchPapers");
        assertThat(first.at("/tools/0/function/parameters/properties/query/description").asText())
                .isEqualTo("what to look for");
        JsonNode second = body(received(OPENAI_PATH).get(1)).get("messages");
        assertThat(second).hasSize(3);
        assertThat(second.at("/1/tool_calls/0/id").asText()).isEqualTo("call_Xk2mP9");
        assertThat(second.at("/2/role").asText()).isEqualTo("tool");
        assertThat(second.at("/2/tool_call_id").asText()).isEqualTo("call_Xk2mP9");
        assertThat(second.at("/2/content").asText()).contains("Gated Delta Networks (2024)");

        List<LlmCall> rows = ledger();
        assertThat(rows).extracting(LlmCall::outcome).containsExactly("tool-calls", "ok");
        assertThat(rows.get(0).response()).contains("\"name\":\"searchPapers\"").contains("call_Xk2mP9");
        assertThat(rows.get(0).tokensIn()).isEqualTo(420);
        assertThat(rows.get(1).prompt()).contains("### tool searchPapers\n1. Parallelizing Linear Transformers");

        // The whole exchange replays: the tool runs again (it is cheap and deterministic), the model is not asked.
        wm.resetRequests();
        LlmReply again = llm.ask(lookup(tool));
        assertThat(received(OPENAI_PATH)).isEmpty();
        assertThat(again.replayed()).isTrue();
        assertThat(again.text()).isEqualTo(reply.text());
    }

    @Test
    void anthropicToolUseRoundTrip() {
        respond(ANTHROPIC_PATH,
                ok(Wire.anthropicToolUse(ANTHROPIC_MODEL, "I'll search the notes.", "toolu_01A09q90qw90lq917835lq9",
                        "searchPapers", "{\"query\": \"delta rule\", \"k\": 1}", 610, 70)),
                ok(Wire.anthropicMessage(ANTHROPIC_MODEL, "Gated Delta Networks", 720, 12)));
        PaperSearch tool = new PaperSearch();

        LlmReply reply = layer(anthropic().build()).ask(lookup(tool));

        assertThat(reply.text()).isEqualTo("Gated Delta Networks");
        assertThat(tool.queries).containsExactly("delta rule/1");
        JsonNode messages = body(received(ANTHROPIC_PATH).get(1)).get("messages");
        assertThat(messages.at("/2/content/0/type").asText()).isEqualTo("tool_result");
        assertThat(messages.at("/2/content/0/tool_use_id").asText()).isEqualTo("toolu_01A09q90qw90lq917835lq9");
        assertThat(outcomes()).containsExactly("tool-calls", "ok");
    }

    @Test
    void aModelThatKeepsCallingToolsIsStoppedAfterTheConfiguredRounds() {
        respond(OPENAI_PATH, ok(Wire.openAiToolCalls(OPENAI_MODEL, 400, 30,
                new Wire.ToolCall("call_loop", "searchPapers", "{\"query\":\"more\",\"k\":1}"))));
        PaperSearch tool = new PaperSearch();
        LlmLayer llm = layer(openAi().toolRounds(2).build());

        assertThatThrownBy(() -> llm.ask(lookup(tool)))
                .isInstanceOfSatisfying(LlmException.class, e -> {
                    assertThat(e.kind()).isEqualTo("malformed");
                    assertThat(e.getMessage()).contains("still asked for tools after 2 rounds");
                });
        assertThat(tool.queries).hasSize(2);
        assertThat(outcomes()).containsExactly("tool-calls", "tool-calls", "tool-calls");
    }

    @Test
    void anUnknownToolIsReportedBackToTheModel() {
        respond(OPENAI_PATH,
                ok(Wire.openAiToolCalls(OPENAI_MODEL, 400, 30, new Wire.ToolCall("call_1", "deleteEverything", "{}"))),
                ok(Wire.openAiCompletion(OPENAI_MODEL, "Sorry, I will only search.", 500, 8)));

        layer(openAi().build()).ask(lookup(new PaperSearch()));

        JsonNode toolMessage = body(received(OPENAI_PATH).get(1)).at("/messages/2");
        assertThat(toolMessage.get("content").asText())
                .isEqualTo("error: there is no tool named 'deleteEverything'; the tools are [searchPapers]");
    }

    @Test
    void anObjectWithoutToolMethodsIsRejectedBeforeAnyCall() {
        LlmLayer llm = layer(openAi().build());

        assertThatThrownBy(() -> llm.ask(new LlmRequest(Role.PLANNER, "lookup", Map.of("topic", "x"), null,
                List.of("not a tool"), null, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.String was given as a tool but has no @Tool method");
        assertThat(received(OPENAI_PATH)).isEmpty();
    }
}
