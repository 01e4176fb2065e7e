package archlab.tools;

import archlab.knowledge.store.Experiment;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an experiment measured, read from the store's JSON: metrics per task
 * ({@code {"mqar": {"accuracy": 0.91, "loss": 0.4}}}) and training curves per task
 * ({@code {"mqar": [{"step": 10, "loss": 2.1, "lr": 0.001, "eval": {...}}, ...]}}, the sandbox's
 * {@code TrainResult.curve}). A bare object of numbers, or a bare list of points, is read as the task
 * {@value #DEFAULT_TASK}. JSON that cannot be read is named in {@link #problems()}, never thrown:
 * one bad row must not stop an agent from reading the rest.
 *
 * @param metrics  task → metric → value, both sorted by name
 * @param curves   task → points in step order
 * @param problems what could not be read, one sentence each
 */
public record Measurements(Map<String, Map<String, Double>> metrics, Map<String, List<Point>> curves,
                           List<String> problems) {
    public static final String DEFAULT_TASK = "default";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One point of a training curve: the training loss at {@code step}, the learning rate, and the held-out
     * metrics when the run evaluated there (empty otherwise).
     */
    public record Point(int step, double loss, Double lr, Map<String, Double> eval) {
        public Point {
            eval = eval == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(eval));
        }
    }

    public Measurements {
        metrics = Collections.unmodifiableMap(new TreeMap<>(metrics));
        curves = Collections.unmodifiableMap(new TreeMap<>(curves));
        problems = List.copyOf(problems);
    }

    public static Measurements of(Experiment e) {
        return parse(e.metrics(), e.curves());
    }

    public static Measurements parse(String metricsJson, String curvesJson) {
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, Double>> metrics = new TreeMap<>();
        Map<String, List<Point>> curves = new TreeMap<>();
        JsonNode m = read(metricsJson, "metrics", problems);
        if (m != null && m.isObject()) {
            if (allNumbers(m)) {
                metrics.put(DEFAULT_TASK, numbers(m));
            } else {
                for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> task = it.next();
                    if (task.getValue().isObject()) {
                        metrics.put(task.getKey(), numbers(task.getValue()));
                    } else {
                        problems.add("metrics of task '" + task.getKey() + "' are not an object of numbers");
                    }
                }
            }
        } else if (m != null && !m.isNull()) {
            problems.add("metrics are not a JSON object");
        }
        JsonNode c = read(curvesJson, "curves", problems);
        if (c != null && c.isArray()) {
            curves.put(DEFAULT_TASK, points(c, DEFAULT_TASK, problems));
        } else if (c != null && c.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = c.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> task = it.next();
                JsonNode list = task.getValue().isObject() && task.getValue().has("curve")
                        ? task.getValue().get("curve") : task.getValue();
                if (list.isArray()) {
                    curves.put(task.getKey(), points(list, task.getKey(), problems));
                } else {
                    problems.add("curve of task '" + task.getKey() + "' is not a list of points");
                }
            }
        } else if (c != null && !c.isNull()) {
            problems.add("curves are neither a JSON object nor a list");
        }
        return new Measurements(metrics, curves, problems);
    }

    /** The tasks that have metrics or a curve, sorted. */
    public List<String> tasks() {
        TreeMap<String, Boolean> all = new TreeMap<>();
        metrics.keySet().forEach(t -> all.put(t, true));
        curves.keySet().forEach(t -> all.put(t, true));
        return List.copyOf(all.keySet());
    }

    /** A metric of a task; null when absent. */
    public Double metric(String task, String name) {
        Map<String, Double> m = metrics.get(task);
        return m == null ? null : m.get(name);
    }

    public List<Point> curve(String task) {
        return curves.getOrDefault(task, List.of());
    }

    public boolean isEmpty() {
        return metrics.isEmpty() && curves.isEmpty();
    }

    private static JsonNode read(String json, String what, List<String> problems) {
        if (json == null || json.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            problems.add(what + " are not valid JSON: " + BoundedText.clip(e.getOriginalMessage(), 120));
            return null;
        }
    }

    private static boolean allNumbers(JsonNode o) {
        if (o.isEmpty()) {
            return false;
        }
        for (JsonNode v : o) {
            if (!v.isNumber()) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, Double> numbers(JsonNode o) {
        Map<String, Double> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getValue().isNumber()) {
                out.put(f.getKey(), f.getValue().asDouble());
            }
        }
        return out;
    }

    private static List<Point> points(JsonNode list, String task, List<String> problems) {
        List<Point> out = new ArrayList<>();
        int skipped = 0;
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = list.get(i);
            JsonNode loss = p.has("loss") ? p.get("loss") : p.get("train_loss");
            if (!p.isObject() || loss == null || !(loss.isNumber() || loss.isTextual())) {
                skipped++;
                continue;
            }
            double l = loss.isNumber() ? loss.asDouble() : parseSpecial(loss.asText());
            int step = p.has("step") ? p.get("step").asInt() : i + 1;
            Double lr = p.hasNonNull("lr") && p.get("lr").isNumber() ? p.get("lr").asDouble() : null;
            Map<String, Double> eval = p.has("eval") && p.get("eval").isObject() ? numbers(p.get("eval")) : Map.of();
            out.add(new Point(step, l, lr, eval));
        }
        if (skipped > 0) {
            problems.add(skipped + " point" + (skipped == 1 ? "" : "s") + " of the curve of task '" + task
                    + "' have no loss and were skipped");
        }
        out.sort((a, b) -> Integer.compare(a.step(), b.step()));
        return out;
    }

    /** Jackson writes non-finite doubles as strings ("NaN", "Infinity") when asked to; read them back. */
    private static double parseSpecial(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
