package archlab.agent.cli;

import archlab.sandbox.lang.Diagnostic;
import java.io.PrintWriter;
import java.util.List;

/** Prints checker diagnostics in their compiler-style form. */
final class Diagnostics {
    private Diagnostics() {
    }

    static void print(PrintWriter err, List<Diagnostic> diagnostics) {
        for (Diagnostic d : diagnostics) {
            err.println(d.render());
        }
        err.flush();
    }

    static String plural(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
