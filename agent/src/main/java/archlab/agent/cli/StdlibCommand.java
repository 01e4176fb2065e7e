package archlab.agent.cli;

import archlab.sandbox.lang.StandardLibrary;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code archlab stdlib [NAME]}: lists the standard library, or prints one of its files. */
@Command(
        name = "stdlib",
        description = {
            "List the standard-library files and the blocks they define.",
            "With NAME (a block name such as mlp, or a file name such as attention.arch),"
                + " print that file's source so it can be copied and changed.",
        })
final class StdlibCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "NAME", description = "A block name or a standard-library file name.")
    String name;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, String> sources = StandardLibrary.sources();
        if (name == null) {
            int width = sources.keySet().stream().mapToInt(String::length).max().orElse(0);
            for (String file : sources.keySet()) {
                List<String> blocks = StandardLibrary.blockNames(file);
                out.println(String.format("%-" + Math.max(width, 1) + "s  %s", file, String.join(", ", blocks)));
            }
            out.flush();
            return ExitCodes.OK;
        }
        String file = find(sources, name);
        if (file == null) {
            throw new InvalidInputException("no standard-library file or block named '" + name
                    + "'; run 'archlab stdlib' to list them");
        }
        String text = sources.get(file);
        out.print(text);
        if (!text.endsWith("\n")) {
            out.println();
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The file named {@code name} (with or without ".arch"), else the file defining block {@code name}. */
    private static String find(Map<String, String> sources, String name) {
        if (sources.containsKey(name)) {
            return name;
        }
        if (sources.containsKey(name + ".arch")) {
            return name + ".arch";
        }
        for (String file : sources.keySet()) {
            if (StandardLibrary.blockNames(file).contains(name)) {
                return file;
            }
        }
        return null;
    }
}
