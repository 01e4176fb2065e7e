package archlab.agent.research;

import archlab.agent.llm.Llm;
import archlab.agent.llm.LlmException;
import archlab.agent.llm.LlmReply;
import archlab.agent.llm.LlmRequest;
import archlab.agent.llm.Role;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test {@link Llm} that does what the real layer does with a request's prompt, strictly, and answers
 * from a script. It reads {@code prompts/<name>.txt} from the repository, fills its {@code {{name}}}
 * placeholders (a placeholder without a value, or a value the template never uses, fails the test),
 * keeps the rendered prompt, and replies with the next scripted answer for that template. A scripted
 * JSON answer is validated against the request's schema with a real JSON Schema validator, so the
 * roles' schemas are proven valid and the script honest; {@link #replyText} stands for a provider
 * without structured outputs (text only, no parsed JSON, no validation).
 */
public final class ScriptedLlm implements Llm {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z_]+)}}");
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    /** One request as the model saw it. */
    public record Call(LlmRequest request, String prompt) {
    }

    private sealed interface Answer permits Json, Text, Failure {
    }

    private record Json(String json) implements Answer {
    }

    private record Text(String text) implements Answer {
    }

    private record Failure(LlmException e) implements Answer {
    }

    private final Path prompts;
    private final Map<String, Deque<Answer>> script = new HashMap<>();
    private final List<Call> calls = new ArrayList<>();

    public ScriptedLlm() {
        this(promptsFolder());
    }

    public ScriptedLlm(Path prompts) {
        this.prompts = prompts;
    }

    /** The repository's {@code prompts/} folder, found from the working directory upwards. */
    public static Path promptsFolder() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("prompts/README.md"))) {
                return p.resolve("prompts");
            }
        }
        throw new IllegalStateException("no prompts/ folder above " + Path.of("").toAbsolutePath());
    }

    /** The next answer to template {@code prompt}: JSON satisfying the request's schema. */
    public ScriptedLlm reply(String prompt, String json) {
        script.computeIfAbsent(prompt, k -> new ArrayDeque<>()).add(new Json(json));
        return this;
    }

    /** The next answer as bare text, as from a provider without structured outputs. */
    public ScriptedLlm replyText(String prompt, String text) {
        script.computeIfAbsent(prompt, k -> new ArrayDeque<>()).add(new Text(text));
        return this;
    }

    /** The next request for {@code prompt} fails with {@code e}. */
    public ScriptedLlm fail(String prompt, LlmException e) {
        script.computeIfAbsent(prompt, k -> new ArrayDeque<>()).add(new Failure(e));
        return this;
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<Call> calls(String prompt) {
        return calls.stream().filter(c -> c.request().prompt().equals(prompt)).toList();
    }

    /** Answers not used yet, per template. */
    public int unused() {
        return script.values().stream().mapToInt(Deque::size).sum();
    }

    @Override
    public LlmReply ask(LlmRequest request) throws LlmException {
        String rendered = render(request.prompt(), request.values());
        calls.add(new Call(request, rendered));
        Deque<Answer> answers = script.get(request.prompt());
        if (answers == null || answers.isEmpty()) {
            throw new AssertionError("no scripted answer left for " + request.prompt() + " (call " + calls.size() + ")");
        }
        Answer a = answers.poll();
        if (a instanceof Failure f) {
            throw f.e();
        }
        if (a instanceof Text t) {
            return new LlmReply(t.text(), null, rendered.length() / 4, t.text().length() / 4, 0, false);
        }
        String json = ((Json) a).json();
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError("scripted reply for " + request.prompt() + " is not JSON: " + json, e);
        }
        if (request.schema() == null) {
            throw new AssertionError(request.prompt() + " was asked without a schema");
        }
        Schema schema = SCHEMAS.getSchema(request.schema());
        List<Error> errors = schema.validate(node);
        if (!errors.isEmpty()) {
            throw new AssertionError("scripted reply for " + request.prompt() + " breaks its schema: " + errors);
        }
        return new LlmReply(json, node, rendered.length() / 4, json.length() / 4, 0, false);
    }

    @Override
    public String describe(Role role) {
        return "scripted/" + role.id();
    }

    /** The template with every placeholder filled; fails on a missing or an unused value. */
    public String render(String name, Map<String, String> values) {
        String template;
        try {
            template = Files.readString(prompts.resolve(name + ".txt"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<String> used = new TreeSet<>();
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String key = m.group(1);
            String v = values.get(key);
            if (v == null) {
                throw new AssertionError("prompt " + name + " has {{" + key + "}} but the request gives no value; "
                        + "values: " + new TreeSet<>(values.keySet()));
            }
            used.add(key);
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        Set<String> unused = new TreeSet<>(values.keySet());
        unused.removeAll(used);
        if (!unused.isEmpty()) {
            throw new AssertionError("prompt " + name + " never uses the values " + unused);
        }
        return out.toString();
    }

    /** The placeholders of a template, sorted. */
    public Set<String> placeholders(String name) throws IOException {
        Matcher m = PLACEHOLDER.matcher(Files.readString(prompts.resolve(name + ".txt"), StandardCharsets.UTF_8));
        Set<String> out = new TreeSet<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
