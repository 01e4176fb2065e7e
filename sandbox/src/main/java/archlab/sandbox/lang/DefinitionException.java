package archlab.sandbox.lang;

import java.util.List;
import java.util.stream.Collectors;

/** A model definition that does not parse, validate or type-check. Carries every error found. */
public final class DefinitionException extends Exception {
    private final List<Diagnostic> diagnostics;

    public DefinitionException(List<Diagnostic> diagnostics) {
        super(diagnostics.stream().map(Diagnostic::render).collect(Collectors.joining("\n")));
        this.diagnostics = List.copyOf(diagnostics);
    }

    public DefinitionException(Diagnostic diagnostic) {
        this(List.of(diagnostic));
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    public Diagnostic first() {
        return diagnostics.get(0);
    }
}
