package archlab.agent.cli;

import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.DefinitionDiff;
import archlab.sandbox.lang.DefinitionException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code archlab diff OLD NEW}: the structural difference between two definitions. */
@Command(
        name = "diff",
        description = {
            "Print the structural difference between two model definitions, computed on their"
                + " canonical graphs (renaming values or reordering independent lines is no difference).",
            "Exits 0 whether or not they differ; 1 if either is invalid.",
        })
final class DiffCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OLD", description = "The definition before the change.")
    Path before;

    @Parameters(index = "1", paramLabel = "NEW", description = "The definition after the change.")
    Path after;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String beforeSource = SourceFiles.read(before);
        String afterSource = SourceFiles.read(after);
        ModelDefinition oldDefinition = parse(beforeSource, before, err);
        ModelDefinition newDefinition = parse(afterSource, after, err);
        if (oldDefinition == null || newDefinition == null) {
            return ExitCodes.INVALID_INPUT;
        }
        DefinitionDiff diff = ModelDefinition.diff(oldDefinition, newDefinition);
        if (diff.isEmpty()) {
            out.println("no structural difference");
        } else {
            String text = diff.render();
            out.print(text);
            if (!text.endsWith("\n")) {
                out.println();
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The parsed definition, or null after printing its diagnostics. */
    private static ModelDefinition parse(String source, Path file, PrintWriter err) {
        try {
            return ModelDefinition.parse(source, file.toString());
        } catch (DefinitionException e) {
            Diagnostics.print(err, e.diagnostics());
            return null;
        }
    }
}
