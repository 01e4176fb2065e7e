package archlab.agent.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The price table users edit: USD per million input and output tokens, by model name
 * ({@code prices.yaml}). A name ending in {@code *} matches every model that starts with the rest
 * ({@code claude-sonnet-4-5*} covers dated snapshots); an exact name wins, then the longest prefix.
 */
public final class Prices {
    static final String BUNDLED = "archlab/prices.yaml";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** What one model costs, per million tokens. */
    public record Price(double inputPerMillion, double outputPerMillion) {
        public double cost(long tokensIn, long tokensOut) {
            return (tokensIn * inputPerMillion + tokensOut * outputPerMillion) / 1_000_000.0;
        }
    }

    private final Map<String, Price> models;
    private final String source;

    private Prices(Map<String, Price> models, String source) {
        this.models = Map.copyOf(models);
        this.source = source;
    }

    /**
     * The table a configuration names ({@code llm.prices}, relative to the working directory), else
     * the installation's {@code prices.yaml}, else the copy bundled in the jar.
     */
    public static Prices resolve(String configured) {
        if (configured != null) {
            return load(Path.of(configured));
        }
        Optional<Path> installed = Installation.root().map(r -> r.resolve("prices.yaml")).filter(Files::isRegularFile);
        if (installed.isPresent()) {
            return load(installed.get());
        }
        try (InputStream in = Prices.class.getClassLoader().getResourceAsStream(BUNDLED)) {
            if (in == null) {
                return new Prices(Map.of(), "no price table");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "bundled " + BUNDLED);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled price table", e);
        }
    }

    public static Prices load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("llm.prices: no price table at " + file.toAbsolutePath());
        }
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the price table " + file, e);
        }
    }

    /** Parses {@code models: {NAME: {input: USD per 1M, output: USD per 1M}}}; {@code source} names it in errors. */
    public static Prices parse(String yaml, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid YAML: " + e.getOriginalMessage(), e);
        }
        Map<String, Price> models = new LinkedHashMap<>();
        JsonNode table = root == null ? null : root.get("models");
        if (table == null || !table.isObject()) {
            throw new IllegalArgumentException(source + ": expected a 'models:' map of NAME: {input: ..., output: ...}");
        }
        for (Map.Entry<String, JsonNode> e : table.properties()) {
            String where = source + ": models." + e.getKey();
            JsonNode p = e.getValue();
            if (p == null || !p.isObject()) {
                throw new IllegalArgumentException(where + ": expected {input: USD per 1M tokens, output: USD per 1M tokens}");
            }
            for (Iterator<String> keys = p.fieldNames(); keys.hasNext(); ) {
                String key = keys.next();
                if (!key.equals("input") && !key.equals("output")) {
                    throw new IllegalArgumentException(where + "." + key + ": unknown key; known: input, output");
                }
            }
            models.put(e.getKey(), new Price(perMillion(p.get("input"), where + ".input"),
                    perMillion(p.get("output"), where + ".output")));
        }
        return new Prices(models, source);
    }

    private static double perMillion(JsonNode n, String where) {
        if (n == null || !n.isNumber() || n.doubleValue() < 0) {
            throw new IllegalArgumentException(where + ": expected a price in USD per million tokens (a number >= 0)");
        }
        return n.doubleValue();
    }

    public Optional<Price> find(String model) {
        Price exact = models.get(model);
        if (exact != null) {
            return Optional.of(exact);
        }
        String best = null;
        for (String name : models.keySet()) {
            if (name.endsWith("*") && model.startsWith(name.substring(0, name.length() - 1))
                    && (best == null || name.length() > best.length())) {
                best = name;
            }
        }
        return Optional.ofNullable(best == null ? null : models.get(best));
    }

    /** Where the table came from, for messages. */
    public String source() {
        return source;
    }
}
