package archlab.agent.cli;

import archlab.knowledge.store.Store;
import archlab.knowledge.transfer.ImportException;
import archlab.knowledge.transfer.ImportReport;
import archlab.knowledge.transfer.JsonlImport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code archlab import FILE.jsonl --out RUN [--campaign NAME]}. See docs/store.md. */
@Command(
        name = "import",
        description = {
            "Import experiments from a JSONL file (one experiment per line; docs/store.md) into a new campaign"
                + " of RUN's store, to browse them. All or nothing: a malformed line stops the import with its"
                + " line number and reason, and nothing is imported.",
            "Definitions in the archlab language are checked: those that check are trainable; those that do"
                + " not are imported but flagged (definition_check = invalid). Other languages are kept as text.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:imported",
            "1:FILE is missing, unreadable or malformed (nothing was imported)",
            "2:usage error",
        })
final class ImportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The JSONL file.")
    Path file;

    @Option(names = "--out", required = true, paramLabel = "RUN",
            description = "The run folder to import into (created when missing), or a JDBC URL.")
    String run;

    @Option(names = "--campaign", paramLabel = "NAME",
            description = "The new campaign's name (default: the first line's \"campaign\" field, else FILE's name).")
    String campaign;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(file + ": is a directory, not a JSONL file");
        }
        if (!Files.exists(file)) {
            throw new InvalidInputException(file + ": no such file");
        }
        // Read and check the whole file first: a malformed one is refused before any store is opened.
        JsonlImport.Prepared prepared;
        try {
            prepared = JsonlImport.read(file);
        } catch (ImportException e) {
            throw failed(err, e);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new InvalidInputException(file + ": permission denied");
        }
        try (Store store = RunStores.open(run, false)) {
            ImportReport r;
            try {
                r = prepared.into(store, campaign);
            } catch (ImportException e) {
                throw failed(err, e);
            }
            r.warnings().forEach(w -> err.println("warning: " + w));
            err.flush();
            out.printf(Locale.ROOT, "imported %d experiment%s and %d evaluation%s into campaign %s (%s) in %s in %.1f s%n",
                    r.experiments(), r.experiments() == 1 ? "" : "s", r.evaluations(), r.evaluations() == 1 ? "" : "s",
                    r.campaign().name(), r.campaign().id(), run.startsWith("jdbc:") ? RunStores.redacted(run) : run,
                    r.millis() / 1000.0);
            out.printf(Locale.ROOT, "definitions: %d trainable, %d invalid (flagged), %d duplicate, %d in another"
                            + " language, %d missing%n", r.trainable(), r.invalid(), r.duplicates(), r.foreign(),
                    r.withoutDefinition());
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** Prints the problems and returns the exception that ends the command with exit code 1. */
    private static InvalidInputException failed(PrintWriter err, ImportException e) {
        e.problems().forEach(err::println);
        if (e.total() > e.problems().size()) {
            err.println("... and " + (e.total() - e.problems().size()) + " more");
        }
        err.flush();
        return new InvalidInputException("import failed; nothing was imported");
    }
}
