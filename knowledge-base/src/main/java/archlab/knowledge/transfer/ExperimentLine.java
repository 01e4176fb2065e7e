package archlab.knowledge.transfer;

import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Note;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One experiment as a JSONL line, both ways. docs/store.md documents every field. The store keeps
 * fields it has no column for in the experiment's {@code extra} JSON: unknown top-level fields under
 * their own names, unknown fields of {@code hypothesis} and {@code failure} under the keys
 * {@code hypothesis} and {@code failure} (names that cannot clash, being known at the top level).
 */
final class ExperimentLine {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /**
     * The fitness in its parts at each stage ({@code {"verify": {"metric": "accuracy", "value": 0.93,
     * "baseline": 0.26, "relative": 2.52, "combined": 0.99, ...}}}). A campaign keeps it in the
     * experiment's {@code extra} under {@code fitness}, a name the number {@code fitness} already takes
     * at the top level of a line, so a line carries it under this name.
     */
    static final String FITNESS_BY_STAGE = "fitness_by_stage";
    /** The campaign's fidelity stages in order, on a campaign's first line: what ranks a later stage higher. */
    static final String CAMPAIGN_STAGES = "campaign_stages";

    static final Set<String> KNOWN = Set.of("id", "campaign", "parent", "name", "status", "stage", "fitness",
            "hypothesis", "definition", "definition_language", "definition_check", "definition_errors",
            "canonical_hash", "params", "flops_per_token", "metrics", "curves", "wall_s", "tokens", "money", "failure",
            "analysis", "evaluations", "created_at", "updated_at", FITNESS_BY_STAGE, CAMPAIGN_STAGES, "notes", "tags");
    private static final Set<String> HYPOTHESIS_KNOWN = Set.of("title", "motivation", "expected_effect");
    private static final Set<String> FAILURE_KNOWN = Set.of("kind", "message");
    private static final Set<String> EVALUATION_KNOWN = Set.of("stage", "seed", "status", "metrics", "curve", "result",
            "created_at", "updated_at");

    /** Status names other systems use, and ours for them. */
    static final Map<String, ExperimentStatus> STATUS_SYNONYMS = Map.ofEntries(
            Map.entry("complete", ExperimentStatus.DONE), Map.entry("completed", ExperimentStatus.DONE),
            Map.entry("finished", ExperimentStatus.DONE), Map.entry("success", ExperimentStatus.DONE),
            Map.entry("succeeded", ExperimentStatus.DONE), Map.entry("ok", ExperimentStatus.DONE),
            Map.entry("error", ExperimentStatus.FAILED), Map.entry("errored", ExperimentStatus.FAILED),
            Map.entry("fail", ExperimentStatus.FAILED), Map.entry("crashed", ExperimentStatus.FAILED),
            Map.entry("running", ExperimentStatus.TRAINING), Map.entry("pending", ExperimentStatus.QUEUED),
            Map.entry("waiting", ExperimentStatus.QUEUED), Map.entry("stopped", ExperimentStatus.PRUNED),
            Map.entry("killed", ExperimentStatus.PRUNED), Map.entry("cancelled", ExperimentStatus.PRUNED),
            Map.entry("canceled", ExperimentStatus.PRUNED), Map.entry("early_stopped", ExperimentStatus.PRUNED));

    private ExperimentLine() {
    }

    /** A line that cannot be imported, and why. */
    static final class BadLine extends Exception {
        BadLine(String reason) {
            super(reason, null, false, false);
        }
    }

    /** A parsed line: the experiment (definition not yet checked) and its evaluations. */
    record Parsed(Experiment experiment, List<Evaluation> evaluations, String campaignName, List<String> campaignStages,
                  List<Note> notes) {
    }

    // ------------------------------------------------------------------ export

    static ObjectNode toJson(Experiment e, String campaignName, List<Evaluation> evaluations) {
        return toJson(e, campaignName, null, evaluations, List.of());
    }

    /** The line of {@code e}; {@code campaignStages} non-null on a campaign's first line. */
    static ObjectNode toJson(Experiment e, String campaignName, List<String> campaignStages,
                             List<Evaluation> evaluations, List<Note> notes) {
        ObjectNode extra = parseObject(e.extra());
        ObjectNode o = NODES.objectNode();
        o.put("id", e.id());
        putText(o, "campaign", campaignName);
        if (campaignStages != null && !campaignStages.isEmpty()) {
            ArrayNode stages = o.putArray(CAMPAIGN_STAGES);
            campaignStages.forEach(stages::add);
        }
        putText(o, "parent", e.parentId());
        putText(o, "name", e.name());
        o.put("status", e.status().dbValue());
        putText(o, "stage", e.stage());
        if (e.fitness() != null) {
            o.put("fitness", e.fitness());
        }
        JsonNode parts = extra.remove("fitness");
        if (parts != null) {
            o.set(FITNESS_BY_STAGE, parts);
        }
        ObjectNode h = NODES.objectNode();
        putText(h, "title", e.hypothesis().title());
        putText(h, "motivation", e.hypothesis().motivation());
        putText(h, "expected_effect", e.hypothesis().expectedEffect());
        mergeUnknown(h, extra.remove("hypothesis"));
        if (!h.isEmpty()) {
            o.set("hypothesis", h);
        }
        putText(o, "definition", e.definition());
        putText(o, "definition_language", e.definitionLanguage());
        putText(o, "definition_check", e.definitionCheck());
        putText(o, "definition_errors", e.definitionErrors());
        putText(o, "canonical_hash", e.canonicalHash());
        if (e.params() != null) {
            o.put("params", e.params());
        }
        if (e.flopsPerToken() != null) {
            o.put("flops_per_token", e.flopsPerToken());
        }
        putJson(o, "metrics", e.metrics());
        putJson(o, "curves", e.curves());
        if (e.wallSeconds() != null) {
            o.put("wall_s", e.wallSeconds());
        }
        if (e.tokens() != null) {
            o.put("tokens", e.tokens());
        }
        if (e.money() != null) {
            o.put("money", e.money());
        }
        ObjectNode f = NODES.objectNode();
        putText(f, "kind", e.failureKind());
        putText(f, "message", e.failureMessage());
        mergeUnknown(f, extra.remove("failure"));
        if (!f.isEmpty()) {
            o.set("failure", f);
        }
        putText(o, "analysis", e.analysis());
        if (!evaluations.isEmpty()) {
            ArrayNode evals = o.putArray("evaluations");
            for (Evaluation ev : evaluations) {
                ObjectNode x = evals.addObject();
                x.put("stage", ev.stage());
                x.put("seed", ev.seed());
                x.put("status", ev.status());
                putJson(x, "metrics", ev.metrics());
                putJson(x, "curve", ev.curve());
                putJson(x, "result", ev.result());
                putText(x, "created_at", ev.createdAt() == null ? null : ev.createdAt().toString());
                putText(x, "updated_at", ev.updatedAt() == null ? null : ev.updatedAt().toString());
            }
        }
        ArrayNode tags = NODES.arrayNode();
        ArrayNode noted = NODES.arrayNode();
        for (Note n : notes) {
            if (n.kind() == Note.Kind.TAG) {
                tags.add(n.text());
            } else {
                ObjectNode x = noted.addObject();
                x.put("text", n.text());
                putText(x, "created_at", n.createdAt() == null ? null : n.createdAt().toString());
            }
        }
        if (!tags.isEmpty()) {
            o.set("tags", tags);
        }
        if (!noted.isEmpty()) {
            o.set("notes", noted);
        }
        putText(o, "created_at", e.createdAt() == null ? null : e.createdAt().toString());
        putText(o, "updated_at", e.updatedAt() == null ? null : e.updatedAt().toString());
        // unknown fields come back where they were: at the top level
        for (Map.Entry<String, JsonNode> entry : extra.properties()) {
            o.set(entry.getKey(), entry.getValue());
        }
        return o;
    }

    private static void putText(ObjectNode o, String key, String value) {
        if (value != null) {
            o.put(key, value);
        }
    }

    /** JSON text from the store, embedded as JSON (or as a string, should the text not parse). */
    private static void putJson(ObjectNode o, String key, String json) {
        if (json == null) {
            return;
        }
        try {
            o.set(key, JSON.readTree(json));
        } catch (JsonProcessingException ex) {
            o.put(key, json);
        }
    }

    private static void mergeUnknown(ObjectNode target, JsonNode unknown) {
        if (unknown instanceof ObjectNode u) {
            for (Map.Entry<String, JsonNode> entry : u.properties()) {
                target.set(entry.getKey(), entry.getValue());
            }
        }
    }

    private static ObjectNode parseObject(String json) {
        if (json == null || json.isBlank()) {
            return NODES.objectNode();
        }
        try {
            JsonNode n = JSON.readTree(json);
            return n instanceof ObjectNode o ? o : NODES.objectNode();
        } catch (JsonProcessingException ex) {
            return NODES.objectNode();
        }
    }

    // ------------------------------------------------------------------ import

    /** Reads one line's object. The definition is kept as given; the importer checks it. */
    static Parsed parse(JsonNode node, String campaignId) throws BadLine {
        if (!(node instanceof ObjectNode o)) {
            throw new BadLine("expected a JSON object, found " + describe(node));
        }
        String id = idText(o.get("id"), "id");
        if (id == null) {
            throw new BadLine("missing id (every line needs an \"id\", a string or an integer)");
        }
        if (id.isBlank()) {
            throw new BadLine("id is empty");
        }
        Experiment.Builder b = Experiment.builder(limit(id, 200, "id"), campaignId)
                .parentId(limit(idText(o.get("parent"), "parent"), 200, "parent"))
                .name(limit(text(o, "name"), 200, "name"))
                .stage(limit(text(o, "stage"), 40, "stage"))
                .fitness(number(o, "fitness"))
                .metrics(jsonText(o, "metrics", true))
                .curves(jsonText(o, "curves", false))
                .wallSeconds(number(o, "wall_s"))
                .tokens(integer(o, "tokens"))
                .money(number(o, "money"))
                .params(integer(o, "params"))
                .flopsPerToken(number(o, "flops_per_token"))
                .analysis(text(o, "analysis"))
                .createdAt(time(o.get("created_at"), "created_at"))
                .updatedAt(time(o.get("updated_at"), "updated_at"));
        b.status(status(o));

        ObjectNode extra = NODES.objectNode();
        JsonNode h = o.get("hypothesis");
        if (h == null || h.isNull()) {
            b.hypothesis(Hypothesis.NONE);
        } else if (h.isTextual()) {
            b.hypothesis(Hypothesis.titled(h.asText()));
        } else if (h instanceof ObjectNode ho) {
            b.hypothesis(new Hypothesis(text(ho, "title", "hypothesis.title"),
                    text(ho, "motivation", "hypothesis.motivation"),
                    text(ho, "expected_effect", "hypothesis.expected_effect")));
            ObjectNode unknown = unknownFields(ho, HYPOTHESIS_KNOWN);
            if (!unknown.isEmpty()) {
                extra.set("hypothesis", unknown);
            }
        } else {
            throw new BadLine("hypothesis must be a string (its title), an object or null, found " + describe(h));
        }

        JsonNode f = o.get("failure");
        if (f == null || f.isNull()) {
            b.failure(null, null);
        } else if (f.isTextual()) {
            b.failure(null, f.asText());
        } else if (f instanceof ObjectNode fo) {
            b.failure(limit(text(fo, "kind", "failure.kind"), 40, "failure.kind"),
                    text(fo, "message", "failure.message"));
            ObjectNode unknown = unknownFields(fo, FAILURE_KNOWN);
            if (!unknown.isEmpty()) {
                extra.set("failure", unknown);
            }
        } else {
            throw new BadLine("failure must be a string (its message), an object or null, found " + describe(f));
        }

        String definition = text(o, "definition");
        String language = limit(text(o, "definition_language"), 40, "definition_language");
        if (language != null) {
            language = language.trim().toLowerCase(Locale.ROOT);
        }
        if (definition != null && language == null) {
            language = Experiment.LANGUAGE_ARCHLAB;
        }
        b.definition(definition, language, null, null);

        for (Map.Entry<String, JsonNode> entry : o.properties()) {
            if (!KNOWN.contains(entry.getKey())) {
                extra.set(entry.getKey(), entry.getValue());
            }
        }
        JsonNode parts = o.get(FITNESS_BY_STAGE);
        if (parts != null && !parts.isNull()) {
            if (!parts.isObject()) {
                throw new BadLine(FITNESS_BY_STAGE + " must be an object (stage → fitness parts) or null, found "
                        + describe(parts));
            }
            extra.set("fitness", parts);
        }
        b.extra(extra.isEmpty() ? null : extra.toString());
        String campaignName = text(o, "campaign");
        return new Parsed(b.build(), evaluations(o.get("evaluations"), id), campaignName, stages(o.get(CAMPAIGN_STAGES)),
                notes(o, id, campaignId));
    }

    /** {@code tags: ["keep"]} and {@code notes: [{"text": ..., "created_at": ...}]} (a note may be a plain string). */
    private static List<Note> notes(ObjectNode o, String experimentId, String campaignId) throws BadLine {
        List<Note> out = new ArrayList<>();
        JsonNode tags = o.get("tags");
        if (tags != null && !tags.isNull()) {
            if (!tags.isArray()) {
                throw new BadLine("tags must be an array of words, found " + describe(tags));
            }
            for (JsonNode t : tags) {
                String problem = t.isTextual() ? Note.problem(Note.Kind.TAG, t.asText()) : "found " + describe(t);
                if (problem != null) {
                    throw new BadLine("tags: " + problem);
                }
                out.add(Note.tag(experimentId, campaignId, t.asText()));
            }
        }
        JsonNode notes = o.get("notes");
        if (notes != null && !notes.isNull()) {
            if (!notes.isArray()) {
                throw new BadLine("notes must be an array, found " + describe(notes));
            }
            for (int i = 0; i < notes.size(); i++) {
                JsonNode n = notes.get(i);
                String text = n.isTextual() ? n.asText() : n instanceof ObjectNode no ? text(no, "text", "notes[" + i + "].text")
                        : null;
                String problem = text == null ? "must be a string or an object with text, found " + describe(n)
                        : Note.problem(Note.Kind.NOTE, text);
                if (problem != null) {
                    throw new BadLine("notes[" + i + "]: " + problem);
                }
                Instant at = n instanceof ObjectNode no ? time(no.get("created_at"), "notes[" + i + "].created_at") : null;
                out.add(new Note(null, experimentId, campaignId, Note.Kind.NOTE, text.strip(), at));
            }
        }
        return out;
    }

    private static List<String> stages(JsonNode node) throws BadLine {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw new BadLine(CAMPAIGN_STAGES + " must be an array of stage names, found " + describe(node));
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : node) {
            if (!s.isTextual() || s.asText().isBlank() || s.asText().length() > 40) {
                throw new BadLine(CAMPAIGN_STAGES + " must hold stage names (strings of 1 to 40 characters), found "
                        + describe(s));
            }
            out.add(s.asText());
        }
        return out;
    }

    private static List<Evaluation> evaluations(JsonNode node, String experimentId) throws BadLine {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new BadLine("evaluations must be an array, found " + describe(node));
        }
        List<Evaluation> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String where = "evaluations[" + i + "]";
            if (!(node.get(i) instanceof ObjectNode e)) {
                throw new BadLine(where + " must be an object, found " + describe(node.get(i)));
            }
            for (Map.Entry<String, JsonNode> property : e.properties()) {
                String name = property.getKey();
                if (!EVALUATION_KNOWN.contains(name)) {
                    throw new BadLine(where + ": unknown field \"" + name + "\" (an evaluation has "
                            + String.join(", ", EVALUATION_KNOWN.stream().sorted().toList()) + ")");
                }
            }
            String stage = limit(text(e, "stage", where + ".stage"), 40, where + ".stage");
            if (stage == null) {
                throw new BadLine(where + ": missing stage");
            }
            JsonNode seedNode = e.get("seed");
            if (seedNode == null || !seedNode.canConvertToInt() || !seedNode.canConvertToExactIntegral()) {
                throw new BadLine(where + ": seed must be an integer, found " + describe(seedNode));
            }
            int seed = seedNode.asInt();
            if (!seen.add(stage + "\u0000" + seed)) {
                throw new BadLine(where + ": a second evaluation of stage " + stage + " with seed " + seed);
            }
            String status = limit(text(e, "status", where + ".status"), 20, where + ".status");
            out.add(new Evaluation(null, experimentId, stage, seed, status == null ? "ok" : status,
                    jsonText(e, "metrics", where + ".metrics", true), jsonText(e, "curve", where + ".curve", false),
                    jsonText(e, "result", where + ".result", false), time(e.get("created_at"), where + ".created_at"),
                    time(e.get("updated_at"), where + ".updated_at")));
        }
        return out;
    }

    private static ExperimentStatus status(ObjectNode o) throws BadLine {
        JsonNode n = o.get("status");
        if (n == null || n.isNull()) {
            // a line without status: done when it has results, proposed otherwise
            boolean results = o.hasNonNull("fitness") || o.hasNonNull("metrics");
            return results ? ExperimentStatus.DONE : ExperimentStatus.PROPOSED;
        }
        if (!n.isTextual()) {
            throw new BadLine("status must be a string, found " + describe(n));
        }
        String s = n.asText().trim().toLowerCase(Locale.ROOT);
        for (ExperimentStatus st : ExperimentStatus.values()) {
            if (st.dbValue().equals(s)) {
                return st;
            }
        }
        ExperimentStatus synonym = STATUS_SYNONYMS.get(s);
        if (synonym != null) {
            return synonym;
        }
        throw new BadLine("unknown status \"" + n.asText() + "\" (expected proposed, coding, queued, training, done,"
                + " failed or pruned, or a synonym listed in docs/store.md)");
    }

    private static ObjectNode unknownFields(ObjectNode o, Set<String> known) {
        ObjectNode unknown = NODES.objectNode();
        for (Map.Entry<String, JsonNode> entry : o.properties()) {
            if (!known.contains(entry.getKey())) {
                unknown.set(entry.getKey(), entry.getValue());
            }
        }
        return unknown;
    }

    private static String idText(JsonNode n, String field) throws BadLine {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isIntegralNumber()) {
            return n.asText();
        }
        throw new BadLine(field + " must be a string or an integer, found " + describe(n));
    }

    private static String text(ObjectNode o, String field) throws BadLine {
        return text(o, field, field);
    }

    private static String text(ObjectNode o, String field, String label) throws BadLine {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new BadLine(label + " must be a string or null, found " + describe(n));
        }
        return n.asText();
    }

    private static String limit(String value, int max, String field) throws BadLine {
        if (value != null && value.length() > max) {
            throw new BadLine(field + " is longer than " + max + " characters");
        }
        return value;
    }

    private static Double number(ObjectNode o, String field) throws BadLine {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            throw new BadLine(field + " must be a number or null, found " + describe(n));
        }
        return n.asDouble();
    }

    private static Long integer(ObjectNode o, String field) throws BadLine {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber() || !n.canConvertToExactIntegral() || !n.canConvertToLong()) {
            throw new BadLine(field + " must be an integer or null, found " + describe(n));
        }
        return n.asLong();
    }

    private static String jsonText(ObjectNode o, String field, boolean objectOnly) throws BadLine {
        return jsonText(o, field, field, objectOnly);
    }

    /** A JSON value kept as text: an object (or, unless {@code objectOnly}, an array). */
    private static String jsonText(ObjectNode o, String field, String label, boolean objectOnly) throws BadLine {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject() && (objectOnly || !n.isArray())) {
            throw new BadLine(label + " must be " + (objectOnly ? "an object" : "an object or an array")
                    + " or null, found " + describe(n));
        }
        return n.toString();
    }

    private static Instant time(JsonNode n, String field) throws BadLine {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            double seconds = n.asDouble();
            // Years 0 to 9999, as the store's timestamps allow; beyond that Instant arithmetic overflows.
            if (!Double.isFinite(seconds) || seconds < -62_167_219_200.0 || seconds > 253_402_300_799.0) {
                throw new BadLine(field + " is " + n + " seconds since 1970, outside the years 0 to 9999");
            }
            long whole = (long) Math.floor(seconds);
            return Instant.ofEpochSecond(whole, Math.round((seconds - whole) * 1e9)).truncatedTo(ChronoUnit.MICROS);
        }
        if (n.isTextual()) {
            String s = n.asText().trim();
            try {
                return OffsetDateTime.parse(s).toInstant().truncatedTo(ChronoUnit.MICROS);
            } catch (DateTimeParseException e) {
                try {
                    return Instant.parse(s).truncatedTo(ChronoUnit.MICROS);
                } catch (DateTimeParseException e2) {
                    throw new BadLine(field + " is not an ISO-8601 time such as 2025-01-31T12:00:00Z: \"" + s + "\"");
                }
            }
        }
        throw new BadLine(field + " must be an ISO-8601 string or seconds since 1970, found " + describe(n));
    }

    static String describe(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "nothing";
        }
        return switch (n.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> n.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }
}
