package archlab.agent.llm;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One request to the role's model: a prompt template by name (from {@code prompts/}) with its
 * placeholder values, and, for structured output, a JSON schema the reply must satisfy. {@code tools}
 * are objects with LangChain4j {@code @Tool} methods the model may call (bounded rounds).
 * {@code campaignId}/{@code experimentId} key the ledger row. {@code check} rejects replies that are
 * valid but unusable (semantically empty, ...), which triggers a repair like invalid output does.
 */
public record LlmRequest(Role role, String prompt, Map<String, String> values, JsonNode schema,
                         List<Object> tools, String campaignId, String experimentId, ReplyCheck check) {
    public LlmRequest {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(prompt, "prompt");
        values = values == null ? Map.of() : Map.copyOf(values);
        tools = tools == null ? List.of() : List.copyOf(tools);
        check = check == null ? ReplyCheck.ANY : check;
    }

    /** A request that accepts any reply that satisfies the schema. */
    public LlmRequest(Role role, String prompt, Map<String, String> values, JsonNode schema,
                      List<Object> tools, String campaignId, String experimentId) {
        this(role, prompt, values, schema, tools, campaignId, experimentId, null);
    }

    public LlmRequest withCheck(ReplyCheck newCheck) {
        return new LlmRequest(role, prompt, values, schema, tools, campaignId, experimentId, newCheck);
    }
}
