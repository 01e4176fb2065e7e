package archlab.agent.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code archlab help [COMMAND [SUBCOMMAND...]]}: the help of any command, nested ones included
 * ({@code help kb search}). picocli's own help command takes one name only and showed {@code kb}'s
 * help for {@code help kb search}.
 */
@Command(name = "help", helpCommand = true, description = "Show the help of a command: help kb, help kb search.")
final class HelpCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command, and its subcommands in turn.")
    List<String> path = new ArrayList<>();

    @Override
    public void run() {
        CommandLine at = spec.commandLine().getParent();
        StringBuilder walked = new StringBuilder(at.getCommandName());
        for (String name : path) {
            CommandLine next = at.getSubcommands().get(name);
            if (next == null || next.getCommandSpec().helpCommand()) {
                List<String> known = at.getSubcommands().entrySet().stream()
                        .filter(e -> !e.getValue().getCommandSpec().helpCommand()).map(java.util.Map.Entry::getKey).toList();
                throw new CommandLine.ParameterException(spec.commandLine(), walked + " has no command '" + name + "'"
                        + (known.isEmpty() ? "" : "; its commands: " + String.join(", ", known)));
            }
            walked.append(' ').append(name);
            at = next;
        }
        at.usage(spec.commandLine().getOut(), at.getColorScheme());
        spec.commandLine().getOut().flush();
    }
}
