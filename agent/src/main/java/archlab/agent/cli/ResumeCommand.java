package archlab.agent.cli;

import archlab.agent.campaign.CampaignConfig;
import archlab.agent.campaign.CampaignConfigException;
import archlab.agent.campaign.CampaignFile;
import archlab.agent.campaign.RunFolder;
import archlab.knowledge.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code archlab resume RUN}: continues a killed or stopped campaign from its store. */
@Command(
        name = "resume",
        description = "Continue a campaign that was killed (even with kill -9) or stopped: finished experiments are"
                + " kept, runs that were in flight train again from the start, LLM calls already made come from the"
                + " replay cache, and the search continues from its stored statistics.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the campaign finished (or stopped on request)", "1:RUN is not a campaign run folder",
            "2:usage error", "70:internal error"})
final class ResumeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "The run folder.")
    Path run;

    @Option(names = "--no-progress", description = "Do not draw the live progress bar.")
    boolean noProgress;

    @Override
    public Integer call() throws IOException, InterruptedException {
        RunFolder folder;
        CampaignConfig config;
        try {
            folder = RunFolder.open(run);
            config = CampaignFile.parse(Files.readString(folder.campaignFile(), StandardCharsets.UTF_8),
                    folder.campaignFile());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        } catch (CampaignConfigException e) {
            throw new InvalidInputException("the run's campaign file is invalid:\n  " + String.join("\n  ", e.problems()));
        }
        Path idFile = folder.dir().resolve(RunCommand.CAMPAIGN_ID_FILE);
        if (!Files.exists(idFile)) {
            throw new InvalidInputException(run + ": the campaign never started (no " + RunCommand.CAMPAIGN_ID_FILE + ")");
        }
        String id = Files.readString(idFile).strip();
        Files.deleteIfExists(folder.stopFile());
        try (Store store = RunCommand.open(config, folder)) {
            if (store.campaigns().find(id).isEmpty()) {
                throw new InvalidInputException(run + ": the store has no campaign " + id);
            }
            spec.commandLine().getErr().println("resuming " + folder.dir());
            return RunCommand.drive(spec, config, folder, store, id, !noProgress);
        }
    }
}
