package archlab.agent.cli;

import archlab.agent.campaign.RunFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code archlab stop RUN}: asks a running campaign to stop gracefully. */
@Command(
        name = "stop",
        description = "Ask a running campaign to stop at its next step boundary: it plans nothing new, lets the"
                + " runs in flight finish and records them, and exits with status stopped. archlab resume RUN"
                + " continues it.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:asked", "1:RUN is not a campaign run folder", "2:usage error"})
final class StopCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "The run folder.")
    Path run;

    @Override
    public Integer call() throws IOException {
        RunFolder folder;
        try {
            folder = RunFolder.open(run);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
        Files.writeString(folder.stopFile(), "stop requested\n");
        spec.commandLine().getOut().println("asked " + folder.dir() + " to stop; in-flight runs finish first");
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
