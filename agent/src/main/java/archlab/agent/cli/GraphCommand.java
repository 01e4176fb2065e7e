package archlab.agent.cli;

import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.DefinitionException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code archlab graph FILE [--format dot]}: prints the canonical graph of a definition. */
@Command(
        name = "graph",
        description = {
            "Print the canonical graph of a model definition (blocks inlined, primitive ops only).",
            "Render it with Graphviz, e.g. archlab graph model.arch | dot -Tsvg > model.svg",
        })
final class GraphCommand implements Callable<Integer> {

    enum Format { dot }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "A model definition file (.arch).")
    Path file;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "dot",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format = Format.dot;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ModelDefinition definition;
        try {
            definition = ModelDefinition.parse(SourceFiles.read(file), file.toString());
        } catch (DefinitionException e) {
            Diagnostics.print(spec.commandLine().getErr(), e.diagnostics());
            return ExitCodes.INVALID_INPUT;
        }
        String dot = definition.toDot();
        out.print(dot);
        if (!dot.endsWith("\n")) {
            out.println();
        }
        out.flush();
        return ExitCodes.OK;
    }
}
