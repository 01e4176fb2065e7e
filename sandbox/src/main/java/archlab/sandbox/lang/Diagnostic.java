package archlab.sandbox.lang;

import java.util.List;

/**
 * One finding of the checker, located in the user's file. Messages are written for an LLM coder to
 * act on: they name the op, the shapes and what was expected.
 *
 * @param code  a stable kebab-case kind, for example {@code shape-mismatch}, used by tests and tools
 * @param trace where the error sits in the block expansion, innermost first, such as
 *              "in block mixer, called at 19:13"
 */
public record Diagnostic(Severity severity, String code, String file, int line, int col, String message,
                         List<String> trace) {

    public enum Severity { ERROR, WARNING }

    public Diagnostic {
        trace = List.copyOf(trace);
    }

    public static Diagnostic error(String code, String file, int line, int col, String message) {
        return new Diagnostic(Severity.ERROR, code, file, line, col, message, List.of());
    }

    public static Diagnostic warning(String code, String file, int line, int col, String message) {
        return new Diagnostic(Severity.WARNING, code, file, line, col, message, List.of());
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** The compiler-style form: {@code file:line:col: error [code]: message}, then the trace. */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append(file).append(':').append(line).append(':').append(col).append(": ")
           .append(severity == Severity.ERROR ? "error" : "warning")
           .append(" [").append(code).append("]: ").append(message);
        for (String frame : trace) {
            out.append("\n    ").append(frame);
        }
        return out.toString();
    }
}
