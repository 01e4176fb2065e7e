package archlab.agent.llm;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A reply: the text, and when the request had a schema, the parsed JSON that satisfies it.
 * {@code replayed} is true when it came from the replay cache and cost nothing.
 */
public record LlmReply(String text, JsonNode json, long tokensIn, long tokensOut, double cost, boolean replayed) {
}
