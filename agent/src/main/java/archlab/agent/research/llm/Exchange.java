package archlab.agent.research.llm;

import archlab.agent.llm.Llm;
import archlab.agent.llm.LlmException;
import archlab.agent.llm.LlmReply;
import archlab.agent.llm.LlmRequest;
import archlab.agent.llm.Role;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One structured exchange with a role's model. The LLM layer guarantees a reply that satisfies the
 * schema; this adds the check it cannot make, that the reply means something (hypotheses that are
 * there, an explanation that is not blank). An unusable reply is asked again with the problem in the
 * template's {@code {{feedback}}} placeholder, a bounded number of times; then the request fails as
 * {@code malformed}. The first ask has an empty feedback, so a reask is a different prompt and is
 * never answered from the replay cache with the same unusable reply.
 */
final class Exchange {
    static final String FEEDBACK = "feedback";

    private Exchange() {
    }

    /**
     * @param problem what is wrong with a parsed reply, or null when it is usable
     * @param reasks  how many times an unusable reply is asked again
     */
    static JsonNode ask(Llm llm, Role role, String prompt, Map<String, String> values, ObjectNode schema,
                        String campaignId, String experimentId, Function<JsonNode, String> problem, int reasks) {
        String feedback = "";
        String last = null;
        for (int attempt = 0; attempt <= reasks; attempt++) {
            Map<String, String> v = new HashMap<>(values);
            v.put(FEEDBACK, feedback);
            LlmReply reply = llm.ask(new LlmRequest(role, prompt, v, schema.deepCopy(), List.of(), campaignId,
                    experimentId));
            JsonNode json = json(reply);
            last = json == null ? "the reply is not a JSON object" : problem.apply(json);
            if (last == null) {
                return json;
            }
            feedback = last;
        }
        throw new LlmException("malformed", role.id() + " reply to " + prompt + " is unusable after "
                + (reasks + 1) + " tries: " + last);
    }

    /** The reply's JSON: the layer's parse, or the text read tolerantly (a fenced block, surrounding prose). */
    static JsonNode json(LlmReply reply) {
        if (reply.json() != null && reply.json().isObject()) {
            return reply.json();
        }
        String text = reply.text();
        if (text == null) {
            return null;
        }
        int start = text.indexOf('{');
        int end = text.lastIndexOf('}');
        if (start < 0 || end < start) {
            return null;
        }
        try {
            JsonNode n = Schemas.JSON.readTree(text.substring(start, end + 1));
            return n.isObject() ? n : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** A string field, stripped; empty when absent or not text. */
    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? "" : v.asText("").strip();
    }

    /** A list of non-blank strings, stripped, in order. */
    static List<String> strings(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            String s = e.asText("").strip();
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }
}
