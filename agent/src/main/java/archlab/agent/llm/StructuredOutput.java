package archlab.agent.llm;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns a model's reply into JSON that satisfies the request's schema, or says precisely why not
 * (the message goes back to the model in the repair prompt). Parsing is tolerant: a reply may wrap
 * the object in prose or a code fence, as models without constrained decoding often do.
 * Validation is networknt's json-schema-validator (draft 2020-12 unless the schema says otherwise).
 */
final class StructuredOutput {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Map<JsonNode, Schema> COMPILED = new ConcurrentHashMap<>();
    private static final Pattern FENCE = Pattern.compile("```[a-zA-Z0-9_-]*\\s*\\n(.*?)```", Pattern.DOTALL);
    private static final int MAX_ERRORS = 5;
    private static final int MAX_STARTS = 50;

    /** The JSON value found, or the problem that the repair prompt quotes. */
    record Parsed(JsonNode json, String problem) {
        boolean ok() {
            return problem == null;
        }
    }

    private StructuredOutput() {
    }

    /** Compiles a request's schema once; a schema that is not one fails before any call is made. */
    static Schema compile(JsonNode schema) {
        return COMPILED.computeIfAbsent(schema, s -> {
            if (!s.isObject()) {
                throw new IllegalArgumentException("the request's schema must be a JSON object, got " + s.getNodeType());
            }
            try {
                return SCHEMAS.getSchema(s);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("the request's schema is not a valid JSON schema: " + e.getMessage(), e);
            }
        });
    }

    static Parsed parse(String reply, Schema schema) {
        if (reply == null || reply.isBlank()) {
            return new Parsed(null, "the reply was empty; expected a JSON value");
        }
        List<String> candidates = new ArrayList<>();
        candidates.add(reply.strip());
        Matcher fence = FENCE.matcher(reply);
        while (fence.find()) {
            candidates.add(fence.group(1).strip());
        }
        String firstSyntaxError = null;
        for (String candidate : candidates) {
            try {
                return validate(readWhole(candidate), schema);
            } catch (JsonProcessingException e) {
                if (firstSyntaxError == null) {
                    firstSyntaxError = e.getOriginalMessage() + location(e);
                }
            }
        }
        // Prose around the object: read the first complete JSON value that starts at a brace or bracket.
        int tried = 0;
        for (int i = 0; i < reply.length() && tried < MAX_STARTS; i++) {
            char c = reply.charAt(i);
            if (c != '{' && c != '[') {
                continue;
            }
            tried++;
            try (JsonParser p = JSON.getFactory().createParser(reply.substring(i))) {
                JsonNode node = JSON.readTree(p);
                if (node != null && node.isContainerNode()) {
                    return validate(node, schema);
                }
            } catch (IOException ignored) {
                // not a complete value from here; try the next opening brace
            }
        }
        return new Parsed(null, "the reply is not valid JSON: " + (firstSyntaxError != null ? firstSyntaxError
                : "no JSON object found"));
    }

    private static JsonNode readWhole(String text) throws JsonProcessingException {
        return JSON.readTree(text);
    }

    private static Parsed validate(JsonNode node, Schema schema) {
        List<Error> errors = schema.validate(node);
        if (errors.isEmpty()) {
            return new Parsed(node, null);
        }
        String listed = errors.stream().limit(MAX_ERRORS).map(Error::toString).collect(Collectors.joining("; "));
        String more = errors.size() > MAX_ERRORS ? " (and " + (errors.size() - MAX_ERRORS) + " more)" : "";
        return new Parsed(node, "the JSON does not satisfy the schema: " + listed + more);
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }
}
