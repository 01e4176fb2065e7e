package archlab.agent.research.llm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON schemas of the roles' replies, built as Jackson trees. Every object lists all of its
 * properties as required and forbids others, which is what OpenAI's strict structured outputs accept.
 */
final class Schemas {
    static final ObjectMapper JSON = new ObjectMapper();

    private Schemas() {
    }

    /**
     * An object of the given properties, as name, schema, name, schema, ... in the order they are
     * written (a fixed order keeps the schema, and so the request, byte-identical between runs).
     */
    static ObjectNode object(Object... namesAndSchemas) {
        if (namesAndSchemas.length % 2 != 0) {
            throw new IllegalArgumentException("properties come as name, schema pairs");
        }
        ObjectNode o = JSON.createObjectNode().put("type", "object");
        ObjectNode props = o.putObject("properties");
        ArrayNode required = JSON.createArrayNode();
        for (int i = 0; i < namesAndSchemas.length; i += 2) {
            String name = (String) namesAndSchemas[i];
            props.set(name, (ObjectNode) namesAndSchemas[i + 1]);
            required.add(name);
        }
        o.set("required", required);
        o.put("additionalProperties", false);
        return o;
    }

    static ObjectNode string(String description) {
        return JSON.createObjectNode().put("type", "string").put("description", description);
    }

    static ObjectNode unit(String description) {
        return JSON.createObjectNode().put("type", "number").put("minimum", 0).put("maximum", 1)
                .put("description", description);
    }

    static ObjectNode array(ObjectNode items, String description) {
        ObjectNode a = JSON.createObjectNode().put("type", "array").put("description", description);
        a.set("items", items);
        return a;
    }

    static ObjectNode strings(String description) {
        return array(JSON.createObjectNode().put("type", "string"), description);
    }
}
