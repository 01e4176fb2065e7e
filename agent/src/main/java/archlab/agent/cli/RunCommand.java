package archlab.agent.cli;

import archlab.agent.campaign.CampaignConfig;
import archlab.agent.campaign.CampaignConfigException;
import archlab.agent.campaign.CampaignFile;
import archlab.agent.campaign.RunFolder;
import archlab.agent.campaign.Standings;
import archlab.agent.report.CampaignReport;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.Store;
import archlab.sandbox.CheckReport;
import archlab.sandbox.ModelDefinition;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code archlab run FILE}: starts a campaign; {@code archlab resume RUN} continues one. */
@Command(
        name = "run",
        description = {
            "Start a research campaign from a campaign file (docs/campaigns.md): a run folder"
                + " runs/<name>-<timestamp>/ is made, the search explores until the budget is spent, the"
                + " best designs are verified, and report.md is written.",
            "Kill it at any moment and continue with archlab resume RUN; nothing finished is lost.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the campaign finished (or stopped on request); the winner and the report are printed;"
                + " with --verify-replay, the replay made the same experiments",
            "1:the campaign file is invalid (no run folder is made), or the baseline failed",
            "2:usage error",
            "3:with --verify-replay, the replay diverged; the first difference is printed",
            "70:internal error"})
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "The campaign file (YAML).")
    Path file;

    @Option(names = "--verify-replay", paramLabel = "RUN", description = "Run a finished campaign again from the"
            + " campaign file frozen in its run folder, in a new run folder beside it, and print the first point"
            + " where the two differ, if any (docs/campaigns.md, \"Reproducing a campaign\").")
    Path replayOf;

    @Option(names = "--no-progress", description = "Do not draw the live progress bar (events are still printed).")
    boolean noProgress;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if ((file == null) == (replayOf == null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "give either a campaign FILE or --verify-replay RUN");
        }
        if (replayOf != null) {
            return verifyReplay();
        }
        CampaignConfig config;
        String frozen;
        try {
            config = CampaignFile.load(file);
            frozen = CampaignFile.frozen(config, Files.readString(file, StandardCharsets.UTF_8));
        } catch (CampaignConfigException e) {
            throw new InvalidInputException("the campaign file is invalid:\n  " + String.join("\n  ", e.problems()));
        }
        CampaignAssembly.settings(config);
        CampaignAssembly.checkExecutor(config);
        if (CampaignConfig.LLM.equals(config.policy())) {
            CampaignAssembly.llmConfig(config);
        }
        checkDefinitions(config);
        RunFolder folder = RunFolder.create(config.output(), config.name(), frozen, LocalDateTime.now());
        PrintWriter err = spec.commandLine().getErr();
        err.println("run folder " + folder.dir());
        try (Store store = open(config, folder)) {
            return drive(spec, config, folder, store, start(store, config, folder), !noProgress && CampaignDisplay.stderrIsTerminal());
        }
    }

    /**
     * The baseline and the seeds must check before anything is created: a campaign whose baseline
     * does not check would fail at once and leave an empty run folder behind. Each error names its file.
     */
    static void checkDefinitions(CampaignConfig config) {
        List<String> problems = new ArrayList<>();
        List<CampaignConfig.Definition> all = new ArrayList<>();
        all.add(config.baseline());
        all.addAll(config.seeds());
        for (CampaignConfig.Definition d : all) {
            if (d == null) {
                continue;
            }
            CheckReport r = ModelDefinition.check(d.source(), d.origin());
            if (!r.ok()) {
                String role = d == config.baseline() ? "the baseline " : "the seed ";
                problems.add(role + d.origin() + " does not check (" + Diagnostics.plural(r.errors().size(), "error")
                        + "; archlab check " + d.origin() + " shows them all):");
                r.errors().stream().limit(5).forEach(x -> problems.add("  " + x.render().strip().replace("\n", "\n  ")));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(String.join("\n", problems));
        }
    }

    /** Runs the frozen campaign of {@code replayOf} again beside it and compares the two. */
    private int verifyReplay() throws IOException, InterruptedException {
        RunFolder original = RunFolder.open(replayOf);
        Path frozenFile = original.campaignFile();
        CampaignConfig config;
        String frozen;
        try {
            CampaignConfig loaded = CampaignFile.load(frozenFile);
            config = new CampaignConfig(loaded.name(), loaded.description(), loaded.seed(), loaded.tasks(),
                    loaded.baseline(), loaded.seeds(), loaded.budget(), loaded.policy(), loaded.llm(), loaded.strategy(),
                    loaded.search(), loaded.stages(), loaded.workers(), replayOf.toAbsolutePath().getParent(),
                    loaded.store(), loaded.slurm(), loaded.schedule());
            frozen = CampaignFile.frozen(config, Files.readString(frozenFile, StandardCharsets.UTF_8));
        } catch (CampaignConfigException e) {
            throw new InvalidInputException(frozenFile + " is not a campaign file archlab can run again:\n  "
                    + String.join("\n  ", e.problems()));
        }
        String originalId;
        try (Store store = RunStores.open(replayOf.toString(), true)) {
            originalId = RunStores.campaign(store, replayOf.toString(), null).id();
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        if (!config.deterministic()) {
            err.println("note: the campaign runs with schedule: free, so results are applied in the order they finish;"
                    + " a replay can differ from the first run wherever two runs finished in another order");
        }
        RunFolder folder = RunFolder.create(config.output(), config.name(), frozen, LocalDateTime.now());
        err.println("replay run folder " + folder.dir());
        String replayId;
        try (Store store = open(config, folder)) {
            replayId = start(store, config, folder);
            drive(spec, config, folder, store, replayId, !noProgress);
        }
        try (Store a = RunStores.open(replayOf.toString(), true); Store b = RunStores.open(folder.dir().toString(), true)) {
            var divergence = archlab.agent.campaign.CampaignReplay.firstDivergence(a, originalId, b, replayId);
            if (divergence.isPresent()) {
                out.println("replay diverged: " + divergence.get());
                out.flush();
                return ExitCodes.DIVERGED;
            }
            out.println("replay identical: " + archlab.agent.campaign.Standings.read(b, replayId).total()
                    + " experiments with the same designs, metrics and winner as " + replayOf);
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** Records a new campaign in the store and its id in the run folder (the file last, whole or not at all). */
    static String start(Store store, CampaignConfig config, RunFolder folder) throws IOException {
        var b = config.budget();
        var budgets = StatusCommand.JSON.createObjectNode();
        if (b.experiments() != null) {
            budgets.put("experiments", b.experiments());
        }
        if (b.wallClock() != null) {
            budgets.put("wall_s", b.wallClock().toSeconds());
        }
        if (b.tokens() != null) {
            budgets.put("tokens", b.tokens());
        }
        if (b.money() != null) {
            budgets.put("money", b.money());
        }
        String frozen = Files.readString(folder.campaignFile(), StandardCharsets.UTF_8);
        Campaign c = store.campaigns().insert(Campaign.create(config.name(), frozen, config.policy())
                .withBudgets(budgets.toString()));
        RunFolder.writeAtomically(folder.dir().resolve(CAMPAIGN_ID_FILE), c.id() + "\n");
        return c.id();
    }

    static final String CAMPAIGN_ID_FILE = "campaign.id";

    static Store open(CampaignConfig config, RunFolder folder) {
        return config.store() != null ? RunStores.open(config.store(), false) : RunStores.open(folder.dir().toString(), false);
    }

    /** Runs the loop with the live display, writes the report and prints the winner. */
    static int drive(CommandSpec spec, CampaignConfig config, RunFolder folder, Store store, String campaignId,
                     boolean progress) throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CampaignStatus end;
        try (CampaignDisplay display = new CampaignDisplay(err, folder.log(), config.policy(),
                config.budget().experiments(), config.budget().wallClock(), progress);
             CampaignAssembly parts = new CampaignAssembly(config, folder, store, campaignId, display)) {
            display.note("policy " + parts.policy.name() + ", search " + parts.search.name() + ", executor "
                    + parts.executor.describe());
            end = parts.loop.run();
        } catch (archlab.agent.campaign.CampaignFailedException e) {
            throw new InvalidInputException("the campaign failed: " + e.getMessage());
        }
        Path report = CampaignReport.write(store, campaignId, folder.dir());
        Standings s = Standings.read(store, campaignId);
        out.println("campaign " + config.name() + " " + end.name().toLowerCase(Locale.ROOT) + ": " + s.total()
                + " experiments");
        Experiment best = s.best().orElse(null);
        if (best == null) {
            out.println("no design finished");
        } else {
            var f = Standings.extra(best).path("fitness").path(best.stage());
            out.printf(Locale.ROOT, "winner %s (%s): fitness %.4f at %s; %s %.4f against the baseline's %.4f (%+.1f %%)%n",
                    best.name(), best.id(), best.fitness(), best.stage(), f.path("metric").asText(),
                    f.path("value").asDouble(), f.path("baseline").asDouble(), 100 * f.path("relative").asDouble());
        }
        out.println("report " + report);
        out.println("details: archlab leaderboard " + folder.dir() + "   archlab show " + folder.dir()
                + " EXP   (resume: archlab resume " + folder.dir() + ")");
        out.flush();
        return ExitCodes.OK;
    }
}
