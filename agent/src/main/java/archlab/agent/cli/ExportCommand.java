package archlab.agent.cli;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Store;
import archlab.knowledge.transfer.CsvExport;
import archlab.knowledge.transfer.JsonlExport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code archlab export RUN [--format jsonl|csv] [--out FILE] [--campaign NAME]}. See docs/store.md. */
@Command(
        name = "export",
        description = {
            "Export the experiments of a run folder's store: JSONL (one experiment per line, the format"
                + " archlab import reads) or CSV (flat columns, metrics as JSON text).",
            "RUN may also be a JDBC URL (jdbc:postgresql://host/db?user=..&password=..) of a shared store.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:exported",
            "1:RUN holds no store, or no campaign has that name, or FILE cannot be written",
            "2:usage error",
        })
final class ExportCommand implements Callable<Integer> {

    /** The export formats. */
    enum Format { JSONL, CSV }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "A run folder (holding archlab.mv.db), or a JDBC URL.")
    String run;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "jsonl",
            description = "jsonl or csv (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--out", paramLabel = "FILE", description = "Write to FILE instead of stdout.")
    Path out;

    @Option(names = "--campaign", paramLabel = "NAME",
            description = "Only this campaign (its name or id); default: every campaign in the store.")
    String campaign;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        try (Store store = RunStores.open(run, true)) {
            String campaignId = null;
            if (campaign != null) {
                Optional<Campaign> c = store.campaigns().find(campaign).or(() -> store.campaigns().findByName(campaign));
                campaignId = c.map(Campaign::id).orElseThrow(() -> new InvalidInputException(
                        run + ": no campaign named " + campaign));
            }
            if (out == null) {
                PrintWriter stdout = spec.commandLine().getOut();
                write(store, campaignId, stdout);
                stdout.flush();
                return ExitCodes.OK;
            }
            // write beside the target and move it into place: a failed export leaves no half file
            Path target = out.toAbsolutePath();
            Path dir = target.getParent();
            Path tmp;
            try {
                Files.createDirectories(dir);
                tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            } catch (IOException e) {
                throw new InvalidInputException(out + ": cannot be written (" + e.getMessage() + ")");
            }
            int n;
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                n = write(store, campaignId, w);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            err.println("exported " + n + " experiment" + (n == 1 ? "" : "s") + " to " + out);
            err.flush();
            return ExitCodes.OK;
        }
    }

    private int write(Store store, String campaignId, Writer w) throws IOException {
        return format == Format.CSV ? CsvExport.write(store, campaignId, w) : JsonlExport.write(store, campaignId, w);
    }
}
