package archlab.tools;

import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.DefinitionDiff;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Diagnostic;
import archlab.sandbox.lang.Library;
import archlab.sandbox.lang.StandardLibrary;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Tool: check a definition (parse, names, shapes, causality; docs/language.md) with the standard library and
 * the campaign's mined blocks, and diff two definitions structurally. The text for models shows at most
 * {@value #MAX_ERRORS} errors, {@value #MAX_WARNINGS} warnings and {@value #MAX_CHANGES} diff lines, in at
 * most {@value #MAX_CHARS} characters.
 */
public final class DefinitionChecker {
    public static final int MAX_ERRORS = 10;
    public static final int MAX_WARNINGS = 5;
    public static final int MAX_CHANGES = 40;
    public static final int MAX_CHARS = 4000;
    /** Longer sources are refused before parsing: no model of this language needs a megabyte. */
    public static final int MAX_SOURCE_CHARS = 200_000;

    /**
     * The checker's verdict. {@code definition} is the checked definition, null when it has errors; the
     * figures are null then too.
     */
    public record Check(String file, ModelDefinition definition, List<Diagnostic> errors, List<Diagnostic> warnings) {
        public Check {
            errors = List.copyOf(errors);
            warnings = List.copyOf(warnings);
        }

        public boolean ok() {
            return definition != null;
        }

        public Long params() {
            return ok() ? definition.parameterCount() : null;
        }

        public Double flopsPerToken() {
            return ok() ? definition.flopsPerToken() : null;
        }

        public String hash() {
            return ok() ? definition.canonicalHash() : null;
        }

        /** The first error as the compiler prints it, with its trace; null when ok. */
        public String firstError() {
            return errors.isEmpty() ? null : errors.get(0).render();
        }

        public String render() {
            BoundedText t = new BoundedText(MAX_CHARS);
            if (ok()) {
                t.line("ok: %s, %s parameters, %s FLOPs/token, hash %s", definition.name(),
                        BoundedText.count(params()), BoundedText.number(flopsPerToken()), hash().substring(0, 16));
            } else {
                t.line("invalid: %d error%s", errors.size(), errors.size() == 1 ? "" : "s");
            }
            errors.stream().limit(MAX_ERRORS).forEach(d -> t.line(BoundedText.clip(d.render(), 600)));
            if (errors.size() > MAX_ERRORS) {
                t.line("… %d more errors", errors.size() - MAX_ERRORS);
            }
            warnings.stream().limit(MAX_WARNINGS).forEach(d -> t.line(BoundedText.clip(d.render(), 300)));
            if (warnings.size() > MAX_WARNINGS) {
                t.line("… %d more warnings", warnings.size() - MAX_WARNINGS);
            }
            return t.toString();
        }
    }

    /** The structural difference between two checked definitions. */
    public record Diff(DefinitionDiff diff, String hashBefore, String hashAfter) {
        public boolean sameComputation() {
            return hashBefore.equals(hashAfter);
        }

        public String render() {
            BoundedText t = new BoundedText(MAX_CHARS);
            t.line("%d change%s (%d ops)%s", diff.changes().size(), diff.changes().size() == 1 ? "" : "s", diff.count(),
                    sameComputation() ? "; the same computation (equal canonical hash)" : "");
            diff.changes().stream().limit(MAX_CHANGES).forEach(c -> t.line(BoundedText.clip(c.render(), 240)));
            if (diff.changes().size() > MAX_CHANGES) {
                t.line("… %d more changes", diff.changes().size() - MAX_CHANGES);
            }
            return t.toString();
        }
    }

    private final Library library;

    /** Checks with the standard library only. */
    public DefinitionChecker() {
        this(StandardLibrary.library());
    }

    /** Checks with {@code library}: the standard library and, usually, the campaign's mined blocks. */
    public DefinitionChecker(Library library) {
        this.library = Objects.requireNonNull(library, "library");
    }

    public Library library() {
        return library;
    }

    /** Checks a definition; never throws for a bad one. {@code file} names it in diagnostics. */
    public Check check(String source, String file) {
        Objects.requireNonNull(source, "source");
        String name = file == null || file.isBlank() ? "candidate.arch" : file;
        if (source.length() > MAX_SOURCE_CHARS) {
            return new Check(name, null, List.of(Diagnostic.error("too-large", name, 1, 1, "the definition has "
                    + source.length() + " characters; at most " + MAX_SOURCE_CHARS + " are checked")), List.of());
        }
        try {
            ModelDefinition d = ModelDefinition.parse(source, name, library, Map.of());
            return new Check(name, d, List.of(), d.warnings());
        } catch (DefinitionException e) {
            return new Check(name, null, e.diagnostics(), List.of());
        }
    }

    public Check check(String source) {
        return check(source, "candidate.arch");
    }

    /**
     * The changes that turn {@code before} into {@code after}.
     *
     * @throws IllegalArgumentException naming the side and its first error when either does not check
     */
    public Diff diff(String before, String after) {
        Check a = check(before, "before.arch");
        Check b = check(after, "after.arch");
        if (!a.ok()) {
            throw new IllegalArgumentException("the first definition does not check: " + a.firstError());
        }
        if (!b.ok()) {
            throw new IllegalArgumentException("the second definition does not check: " + b.firstError());
        }
        return diff(a.definition(), b.definition());
    }

    public static Diff diff(ModelDefinition before, ModelDefinition after) {
        return new Diff(ModelDefinition.diff(before, after), before.canonicalHash(), after.canonicalHash());
    }

    @Tool(name = "check_definition", value = "Check a model definition in the archlab language: syntax, names, shapes"
            + " and causality. Returns its parameter count, FLOPs per token and canonical hash, or every error with"
            + " its line, column, op and shapes.")
    public String checkDefinition(
            @P(name = "definition", value = "the full model definition") String definition) {
        if (definition == null || definition.isBlank()) {
            return "error: the definition is empty";
        }
        return check(definition).render();
    }

    @Tool(name = "diff_definitions", value = "Compare two model definitions structurally: which ops were added,"
            + " removed or changed, and where (block path and line).")
    public String diffDefinitions(
            @P(name = "before", value = "the first (parent) definition") String before,
            @P(name = "after", value = "the second (child) definition") String after) {
        try {
            return diff(before == null ? "" : before, after == null ? "" : after).render();
        } catch (IllegalArgumentException e) {
            return "error: " + e.getMessage();
        }
    }
}
