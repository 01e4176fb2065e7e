package archlab.sandbox.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The worker protocol: JSON lines. The parent writes one {@link EvaluationRequest} per line to the
 * worker's stdin; the worker answers on stdout with
 * <pre>
 * {"type":"ready","pid":..,"threads":..,"start_s":..}                      once, when the engine is up
 * {"type":"started","id":..,"task":..,"primary_metric":..,"params":..,"flops_per_token":..}  definition checked
 * {"type":"progress","id":..,"step":..,"steps":..,"loss":..,"lr":..,"elapsed_s":..}   at most 5 a second
 * {"type":"eval","id":..,"step":..,"metrics":{..}}                          at each held-out evaluation
 * {"type":"result", ...the EvaluationResult fields...}                     one per request
 * </pre>
 * Nothing else may appear on stdout; logs go to stderr. See docs/sandbox.md, "The worker protocol".
 */
public final class Protocol {
    public static final String READY = "ready";
    public static final String STARTED = "started";
    public static final String PROGRESS = "progress";
    public static final String EVAL = "eval";
    public static final String RESULT = "result";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Protocol() {
    }

    /** The mapper both sides use: tolerant of unknown fields and of NaN/Infinity. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** A line the worker wrote, parsed. */
    public sealed interface Message permits Ready, Started, Progress, Eval, Result {
    }

    public record Ready(long pid, int threads, double startSeconds) implements Message {
    }

    /** The definition checked and the task built: what the model is, before training starts. */
    public record Started(String id, String task, String primaryMetric, long params, double flopsPerToken)
            implements Message {
    }

    public record Progress(String id, int step, int steps, double loss, double lr, double elapsedSeconds)
            implements Message {
    }

    public record Eval(String id, int step, Map<String, Double> metrics) implements Message {
    }

    public record Result(EvaluationResult result) implements Message {
    }

    /** A line that is not a protocol message; the message says why. */
    public static final class MalformedLine extends Exception {
        MalformedLine(String message) {
            super(message, null, false, false);
        }
    }

    public static String ready(long pid, int threads, double startSeconds) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("type", READY);
        n.put("pid", pid);
        n.put("threads", threads);
        n.put("start_s", startSeconds);
        return n.toString();
    }

    public static String started(String id, String task, String primaryMetric, long params, double flopsPerToken) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("type", STARTED);
        n.put("id", id);
        n.put("task", task);
        n.put("primary_metric", primaryMetric);
        n.put("params", params);
        n.put("flops_per_token", flopsPerToken);
        return write(n);
    }

    public static String progress(String id, int step, int steps, double loss, double lr, double elapsedSeconds) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("type", PROGRESS);
        n.put("id", id);
        n.put("step", step);
        n.put("steps", steps);
        n.put("loss", loss);
        n.put("lr", lr);
        n.put("elapsed_s", elapsedSeconds);
        return write(n);
    }

    public static String eval(String id, int step, Map<String, Double> metrics) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("type", EVAL);
        n.put("id", id);
        n.put("step", step);
        n.set("metrics", MAPPER.valueToTree(metrics));
        return write(n);
    }

    public static String result(EvaluationResult result) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("type", RESULT);
        n.setAll((ObjectNode) MAPPER.valueToTree(result));
        return write(n);
    }

    public static String request(EvaluationRequest request) {
        try {
            return MAPPER.writeValueAsString(request);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write request " + request.id(), e);
        }
    }

    private static String write(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses one line of worker output. */
    public static Message parse(String line) throws MalformedLine {
        JsonNode n;
        try {
            n = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new MalformedLine("not JSON");
        }
        if (n == null || !n.isObject()) {
            throw new MalformedLine("not a JSON object");
        }
        String type = n.path("type").asText("");
        try {
            return switch (type) {
                case READY -> new Ready(n.path("pid").asLong(), n.path("threads").asInt(), n.path("start_s").asDouble());
                case STARTED -> new Started(n.path("id").asText(null), n.path("task").asText(null),
                        n.path("primary_metric").asText(null), n.path("params").asLong(),
                        n.path("flops_per_token").asDouble());
                case PROGRESS -> new Progress(n.path("id").asText(null), n.path("step").asInt(), n.path("steps").asInt(),
                        n.path("loss").asDouble(), n.path("lr").asDouble(), n.path("elapsed_s").asDouble());
                case EVAL -> new Eval(n.path("id").asText(null), n.path("step").asInt(), metrics(n.path("metrics")));
                case RESULT -> new Result(MAPPER.treeToValue(n, EvaluationResult.class));
                default -> throw new MalformedLine(type.isEmpty() ? "no \"type\" field" : "unknown type \"" + type + "\"");
            };
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new MalformedLine("a malformed " + type + " message (" + e.getMessage().lines().findFirst().orElse("")
                    + ")");
        }
    }

    private static Map<String, Double> metrics(JsonNode node) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            out.put(e.getKey(), e.getValue().asDouble());
        }
        return out;
    }
}
