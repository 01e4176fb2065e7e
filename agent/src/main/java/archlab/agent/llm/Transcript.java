package archlab.agent.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * How a conversation is written to the ledger and keyed in the replay cache. The prompt hash covers
 * everything that changes the answer (provider, model, sampling parameters, every message, the schema
 * and the tool specifications) and nothing that does not (server address, key, timeouts).
 */
final class Transcript {
    /** Bump when the hashed layout changes, so old entries stop matching rather than match wrongly. */
    private static final int LAYOUT = 1;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper SORTED = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private Transcript() {
    }

    /** The ledger's prompt column: the text itself for a single message, else each message under a header. */
    static String text(List<ChatMessage> messages) {
        if (messages.size() == 1 && messages.get(0) instanceof UserMessage u) {
            return u.singleText();
        }
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            JsonNode j = encode(m);
            sb.append("### ").append(j.get("role").asText());
            if (j.has("name")) {
                sb.append(' ').append(j.get("name").asText());
            }
            sb.append('\n');
            if (j.hasNonNull("text")) {
                sb.append(j.get("text").asText()).append('\n');
            }
            if (j.has("tool_calls")) {
                for (JsonNode call : j.get("tool_calls")) {
                    sb.append("call ").append(call.get("name").asText()).append(' ')
                            .append(call.get("arguments").asText()).append('\n');
                }
            }
            sb.append('\n');
        }
        return sb.toString().stripTrailing();
    }

    static String hash(ModelSettings s, List<ChatMessage> messages, JsonNode schema, List<ToolSpecification> tools) {
        ObjectNode key = JSON.createObjectNode();
        key.put("layout", LAYOUT);
        key.put("provider", s.provider().id());
        key.put("model", s.model());
        if (s.temperature() != null) {
            key.put("temperature", s.temperature());
        }
        key.put("max_tokens", s.maxTokens());
        key.put("json_schema", s.jsonSchema());
        ArrayNode ms = key.putArray("messages");
        messages.forEach(m -> ms.add(encode(m)));
        if (schema != null) {
            key.set("schema", schema);
        }
        ArrayNode ts = key.putArray("tools");
        for (ToolSpecification t : tools) {
            ts.addObject().put("name", t.name()).put("description", t.description())
                    .put("parameters", String.valueOf(t.parameters()));
        }
        try {
            byte[] canonical = SORTED.writeValueAsBytes(JSON.convertValue(key, Object.class));
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash a prompt", e);
        }
    }

    /** The ledger's response column for a reply: its text, or for tool calls a JSON object that {@link #reply} reads back. */
    static String response(AiMessage ai) {
        if (!ai.hasToolExecutionRequests()) {
            return ai.text();
        }
        return encode(ai).toString();
    }

    static AiMessage reply(String response, boolean toolCalls) {
        if (!toolCalls) {
            return AiMessage.from(response == null ? "" : response);
        }
        try {
            JsonNode j = JSON.readTree(response);
            List<ToolExecutionRequest> calls = new ArrayList<>();
            for (JsonNode c : j.path("tool_calls")) {
                calls.add(ToolExecutionRequest.builder().id(c.path("id").asText(null)).name(c.path("name").asText())
                        .arguments(c.path("arguments").asText()).build());
            }
            String text = j.hasNonNull("text") ? j.get("text").asText() : null;
            return text == null ? AiMessage.from(calls) : AiMessage.from(text, calls);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored tool-call reply is not the JSON archlab writes: " + e.getMessage(), e);
        }
    }

    private static ObjectNode encode(ChatMessage m) {
        ObjectNode j = JSON.createObjectNode();
        if (m instanceof UserMessage u) {
            j.put("role", "user").put("text", u.singleText());
        } else if (m instanceof SystemMessage s) {
            j.put("role", "system").put("text", s.text());
        } else if (m instanceof AiMessage a) {
            j.put("role", "assistant").put("text", a.text());
            if (a.hasToolExecutionRequests()) {
                ArrayNode calls = j.putArray("tool_calls");
                for (ToolExecutionRequest r : a.toolExecutionRequests()) {
                    calls.addObject().put("id", r.id()).put("name", r.name()).put("arguments", r.arguments());
                }
            }
        } else if (m instanceof ToolExecutionResultMessage t) {
            j.put("role", "tool").put("name", t.toolName()).put("id", t.id()).put("text", t.text());
        } else {
            throw new IllegalArgumentException("unexpected message type " + m.type());
        }
        return j;
    }
}
