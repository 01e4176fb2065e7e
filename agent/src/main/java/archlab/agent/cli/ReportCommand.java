package archlab.agent.cli;

import archlab.agent.report.CampaignReport;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code archlab report RUN [--out DIR]}: writes report.md and its PNG figures. */
@Command(
        name = "report",
        description = "Write report.md with PNG figures (best fitness over time, Pareto front, lineage of the best"
                + " design, loss curves of the top five), the top designs and the spend.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:written", "1:RUN holds no store or no campaign, or the report cannot be written", "2:usage error"})
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "A run folder, or a JDBC URL of a shared store.")
    String run;

    @Option(names = "--campaign", paramLabel = "NAME", description = "The campaign, when the store holds several.")
    String campaign;

    @Option(names = "--out", paramLabel = "DIR", description = "Where to write (default: the run folder).")
    Path out;

    @Override
    public Integer call() {
        PrintWriter w = spec.commandLine().getOut();
        Path dir = out != null ? out : run.startsWith("jdbc:") ? Path.of(".") : Path.of(run);
        try (Store store = RunStores.open(run, true)) {
            Campaign c = RunStores.campaign(store, run, campaign);
            Files.createDirectories(dir);
            Path report = CampaignReport.write(store, c.id(), dir);
            w.println("wrote " + report + " and its figures in " + dir.resolve("figures"));
            w.flush();
            return ExitCodes.OK;
        } catch (IOException e) {
            throw new InvalidInputException("cannot write the report in " + dir + ": " + e.getMessage());
        }
    }
}
