package archlab.agent.llm;

import dev.langchain4j.model.input.PromptTemplate;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prompt templates by name: {@code NAME.txt} with {@code {{placeholder}}}s, read from a folder users
 * edit without recompiling, else from the copy of {@code prompts/} bundled in the jar
 * ({@code archlab/prompts/NAME.txt}). Files are read at every use, so an edit applies to the next call.
 * Rendering is LangChain4j's {@link PromptTemplate}; every placeholder needs a value.
 */
public final class Prompts {
    static final String BUNDLED = "archlab/prompts/";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*(.+?)\\s*}}");
    // PromptTemplate fills these in itself; they change with the clock and would defeat the replay cache.
    private static final List<String> CLOCK_VARIABLES = List.of("current_date", "current_time", "current_date_time");

    private final Path directory;

    private Prompts(Path directory) {
        this.directory = directory;
    }

    /** Templates from {@code directory} (null: none), then the bundled ones. */
    public static Prompts in(Path directory) {
        return new Prompts(directory);
    }

    /** The installation's {@code prompts/} folder when archlab runs from a checkout, then the bundled copies. */
    public static Prompts standard() {
        return new Prompts(Installation.root().map(r -> r.resolve("prompts")).orElse(null));
    }

    public Optional<Path> directory() {
        return Optional.ofNullable(directory);
    }

    /** The template's text, unrendered. */
    public String template(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("prompt template name '" + name
                    + "': use lower-case letters, digits, '-' and '_' (the file is prompts/NAME.txt)");
        }
        if (directory != null) {
            Path file = directory.resolve(name + ".txt");
            if (Files.isRegularFile(file)) {
                try {
                    return Files.readString(file, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read prompt template " + file, e);
                }
            }
        }
        try (InputStream in = Prompts.class.getClassLoader().getResourceAsStream(BUNDLED + name + ".txt")) {
            if (in != null) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled prompt template " + name, e);
        }
        throw new IllegalArgumentException("unknown prompt template '" + name + "': no "
                + (directory != null ? directory.resolve(name + ".txt") + " and no " : "")
                + "bundled " + BUNDLED + name + ".txt");
    }

    /** The template with every {@code {{name}}} replaced by its value. */
    public String render(String name, Map<String, String> values) {
        String text = template(name);
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            String variable = m.group(1);
            if (CLOCK_VARIABLES.contains(variable)) {
                throw new IllegalArgumentException("prompt template '" + name + "' uses {{" + variable
                        + "}}: it changes with the clock, so the same request would never be replayed");
            }
            if (!values.containsKey(variable) || values.get(variable) == null) {
                throw new IllegalArgumentException("prompt template '" + name + "' needs a value for {{" + variable
                        + "}}; given: " + new java.util.TreeSet<>(values.keySet()));
            }
        }
        if (text.isBlank()) {
            throw new IllegalArgumentException("prompt template '" + name + "' is empty");
        }
        return PromptTemplate.from(text, name).apply(new HashMap<String, Object>(values)).text();
    }
}
