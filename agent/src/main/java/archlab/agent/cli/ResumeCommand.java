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
        Files.deleteIfExists(folder.stopFile());
        if (!Files.exists(idFile) && config.store() == null) {
            setAsideUnopenable(folder);
        }
        try (Store store = RunCommand.open(config, folder)) {
            String id;
            if (Files.exists(idFile)) {
                id = Files.readString(idFile).strip();
                if (store.campaigns().find(id).isEmpty()) {
                    throw new InvalidInputException(run + ": the store has no campaign " + id);
                }
                spec.commandLine().getErr().println("resuming " + folder.dir());
            } else {
                id = unstarted(store, config, folder);
            }
            return RunCommand.drive(spec, config, folder, store, id, !noProgress && CampaignDisplay.stderrIsTerminal());
        }
    }

    /**
     * A run killed while its new store was being created (between the run folder and the campaign id)
     * can leave a schema half made, which no later open accepts. Nothing was stored in it yet, so it is
     * moved aside (kept, for a post-mortem) and the resume starts with a fresh store.
     */
    private void setAsideUnopenable(RunFolder folder) throws IOException {
        if (!Store.existsInRunFolder(folder.dir())) {
            return;
        }
        try (Store probe = Store.openRunFolder(folder.dir())) {
            return;
        } catch (RuntimeException e) {
            Path db = folder.dir().resolve(Store.RUN_DB_NAME + ".mv.db");
            Path aside = folder.dir().resolve(Store.RUN_DB_NAME + ".mv.db.unfinished-" + System.currentTimeMillis());
            Files.move(db, aside);
            spec.commandLine().getErr().println("the store of " + folder.dir() + " was left half made by a kill before"
                    + " the campaign started (" + e.getMessage() + "); it is kept as " + aside.getFileName()
                    + " and a fresh one is made");
        }
    }

    /**
     * A run killed before its campaign id reached the folder: the run folder's own store holds the
     * campaign (adopted) or none yet (started now). A shared store may hold other campaigns, so there
     * the id file is required.
     */
    private String unstarted(Store store, CampaignConfig config, RunFolder folder) throws IOException {
        if (config.store() != null) {
            throw new InvalidInputException(run + ": the campaign never started (no " + RunCommand.CAMPAIGN_ID_FILE
                    + "); start it again with archlab run");
        }
        var all = store.campaigns().list();
        if (all.size() > 1) {
            throw new InvalidInputException(run + ": no " + RunCommand.CAMPAIGN_ID_FILE + " and " + all.size()
                    + " campaigns in the store; cannot tell which to resume");
        }
        if (all.size() == 1) {
            RunFolder.writeAtomically(folder.dir().resolve(RunCommand.CAMPAIGN_ID_FILE), all.get(0).id() + "\n");
            spec.commandLine().getErr().println("resuming " + folder.dir() + " (its campaign id is recorded again)");
            return all.get(0).id();
        }
        spec.commandLine().getErr().println("resuming " + folder.dir() + ": it was killed before it started; starting it");
        return RunCommand.start(store, config, folder);
    }
}
