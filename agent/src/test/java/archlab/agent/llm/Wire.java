package archlab.agent.llm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Response bodies as OpenAI's chat-completions API and Anthropic's messages API send them, field for
 * field (ids, usage details, error envelopes), for the WireMock servers of the LLM tests.
 */
public final class Wire {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static int counter;

    private Wire() {
    }

    /** A tool the OpenAI model asks for: {@code arguments} is a JSON string, as OpenAI sends it. */
    record ToolCall(String id, String name, String arguments) {
    }

    public static String openAiCompletion(String model, String content, int promptTokens, int completionTokens) {
        ObjectNode body = openAiEnvelope(model, promptTokens, completionTokens);
        ObjectNode choice = ((ArrayNode) body.get("choices")).addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant").put("content", content).putNull("refusal");
        message.putArray("annotations");
        choice.putNull("logprobs");
        choice.put("finish_reason", "stop");
        return body.toString();
    }

    static String openAiToolCalls(String model, int promptTokens, int completionTokens, ToolCall... calls) {
        ObjectNode body = openAiEnvelope(model, promptTokens, completionTokens);
        ObjectNode choice = ((ArrayNode) body.get("choices")).addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant").putNull("content");
        ArrayNode toolCalls = message.putArray("tool_calls");
        for (ToolCall c : calls) {
            ObjectNode t = toolCalls.addObject();
            t.put("id", c.id()).put("type", "function");
            t.putObject("function").put("name", c.name()).put("arguments", c.arguments());
        }
        message.putNull("refusal");
        message.putArray("annotations");
        choice.putNull("logprobs");
        choice.put("finish_reason", "tool_calls");
        return body.toString();
    }

    private static ObjectNode openAiEnvelope(String model, int promptTokens, int completionTokens) {
        ObjectNode body = JSON.createObjectNode();
        body.put("id", "chatcmpl-B" + (100000 + ++counter) + "xYz");
        body.put("object", "chat.completion");
        body.put("created", 1732850000L + counter);
        body.put("model", model);
        body.putArray("choices");
        ObjectNode usage = body.putObject("usage");
        usage.put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
        usage.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
        usage.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
        body.put("service_tier", "default");
        body.put("system_fingerprint", "fp_7fcd609668");
        return body;
    }

    /** OpenAI's error envelope, e.g. ("Rate limit reached for gpt-4o-mini ...", "requests", "rate_limit_exceeded"). */
    static String openAiError(String message, String type, String code) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", message).put("type", type).putNull("param");
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        return body.toString();
    }

    static String anthropicMessage(String model, String text, int inputTokens, int outputTokens) {
        ObjectNode body = anthropicEnvelope(model, inputTokens, outputTokens, "end_turn");
        ((ArrayNode) body.get("content")).addObject().put("type", "text").put("text", text);
        return body.toString();
    }

    static String anthropicToolUse(String model, String text, String id, String name, String inputJson,
                                   int inputTokens, int outputTokens) {
        ObjectNode body = anthropicEnvelope(model, inputTokens, outputTokens, "tool_use");
        ArrayNode content = (ArrayNode) body.get("content");
        content.addObject().put("type", "text").put("text", text);
        try {
            content.addObject().put("type", "tool_use").put("id", id).put("name", name)
                    .set("input", JSON.readTree(inputJson));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
        return body.toString();
    }

    private static ObjectNode anthropicEnvelope(String model, int inputTokens, int outputTokens, String stop) {
        ObjectNode body = JSON.createObjectNode();
        body.put("id", "msg_01" + "XFDUDYJgAACzvnptvVoYEL".substring(0, 18) + (++counter));
        body.put("type", "message");
        body.put("role", "assistant");
        body.put("model", model);
        body.putArray("content");
        body.put("stop_reason", stop);
        body.putNull("stop_sequence");
        body.putObject("usage").put("input_tokens", inputTokens).put("cache_creation_input_tokens", 0)
                .put("cache_read_input_tokens", 0).put("output_tokens", outputTokens).put("service_tier", "standard");
        return body;
    }

    /** Anthropic's error envelope, e.g. ("overloaded_error", "Overloaded"). */
    static String anthropicError(String type, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.put("type", "error");
        body.putObject("error").put("type", type).put("message", message);
        body.put("request_id", "req_011CSHoEeqs5C35K2UUqR7Fy");
        return body.toString();
    }
}
