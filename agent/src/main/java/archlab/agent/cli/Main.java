package archlab.agent.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code archlab} command line. Each subcommand is its own class in this package; this class
 * wires them together and decides the exit codes (see {@link ExitCodes}).
 */
@Command(
        name = "archlab",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT,
        version = "archlab 0.1.0",
        description = "An autonomous research agent that invents neural-network architectures.",
        subcommands = {
            CheckCommand.class,
            StdlibCommand.class,
            GraphCommand.class,
            DiffCommand.class,
            TrainCommand.class,
            ExportPytorchCommand.class,
            ImportCommand.class,
            ExportCommand.class,
            KbCommand.class,
            SubroutinesCommand.class,
            StatusCommand.class,
            LeaderboardCommand.class,
            ShowCommand.class,
            ReportCommand.class,
            BenchSearchCommand.class,
            RunCommand.class,
            ResumeCommand.class,
            StopCommand.class,
            ConsoleCommand.class,
            BrowseCommand.class,
            WorkerCommand.class,
            HelpCommand.class,
        },
        exitCodeOnInvalidInput = ExitCodes.USAGE,
        exitCodeOnExecutionException = ExitCodes.INTERNAL,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success (for check: every file is valid)",
            "1:invalid input: a definition with errors, a missing or unreadable file",
            "2:usage error: unknown option or command, missing argument",
            "70:internal error in archlab (set ARCHLAB_DEBUG=1 for the stack trace)",
            "75:the store could not be written or reached (disk full, database down); resume when fixed",
        },
        footer = {"", "The language is documented in docs/language.md, the standard library in docs/stdlib.md."})
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /** The configured command line, writing to System.out and System.err. */
    public static CommandLine newCommandLine() {
        return newCommandLine(null, null);
    }

    /**
     * The configured command line. Tests pass their own writers; {@code null} keeps picocli's
     * default (System.out / System.err).
     */
    public static CommandLine newCommandLine(PrintWriter out, PrintWriter err) {
        System.setProperty("archlab.task-steps", TrainCommand.defaultSteps());
        CommandLine cli = new CommandLine(new Main());
        if (out != null) {
            cli.setOut(out);
        }
        if (err != null) {
            cli.setErr(err);
        }
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        // picocli already answers parse errors with the command's exitCodeOnInvalidInput (2, set
        // above); the handler is explicit so that no later configuration can change that silently.
        CommandLine.IParameterExceptionHandler usageHandler = cli.getParameterExceptionHandler();
        cli.setParameterExceptionHandler((ex, args) -> {
            usageHandler.handleParseException(ex, args);
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter e = commandLine.getErr();
            if (ex instanceof InvalidInputException) {
                e.println("archlab: " + ex.getMessage());
                e.flush();
                return ExitCodes.INVALID_INPUT;
            }
            Throwable store = storeFailure(ex);
            if (store != null) {
                // Disk full, a database that went away: what finished is committed; the run can resume.
                e.println("archlab: the store could not be written or reached: " + store.getMessage());
                e.println("archlab: everything that finished is kept; fix the cause (free disk space, restart the"
                        + " database) and continue with archlab resume RUN");
                e.flush();
                return ExitCodes.STORE_UNAVAILABLE;
            }
            e.println("archlab: internal error: " + ex);
            String debug = System.getenv("ARCHLAB_DEBUG");
            if (debug != null && !debug.isEmpty()) {
                ex.printStackTrace(e);
            } else {
                e.println("archlab: set ARCHLAB_DEBUG=1 to see the stack trace");
            }
            e.flush();
            return ExitCodes.INTERNAL;
        });
        return cli;
    }

    /** The store failure behind an exception, if that is what it is. */
    static Throwable storeFailure(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof archlab.knowledge.store.StoreException) {
                return t;
            }
        }
        return null;
    }
}
