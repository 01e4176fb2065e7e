package archlab.agent.cli;

import archlab.agent.campaign.CampaignConfig;
import archlab.agent.campaign.CampaignEvents;
import archlab.agent.campaign.CampaignLoop;
import archlab.agent.campaign.Executor;
import archlab.agent.campaign.LocalExecutor;
import archlab.agent.campaign.RunFolder;
import archlab.agent.slurm.SlurmCli;
import archlab.agent.slurm.SlurmException;
import archlab.agent.slurm.SlurmExecutor;
import archlab.agent.llm.LlmConfig;
import archlab.agent.llm.LlmLayer;
import archlab.agent.llm.Llms;
import archlab.agent.llm.Prompts;
import archlab.agent.llm.ReplayCache;
import archlab.agent.research.CodingGate;
import archlab.agent.research.NoveltyGate;
import archlab.agent.research.ResearchPolicy;
import archlab.agent.research.SandboxSmokeTrainer;
import archlab.agent.research.llm.LlmPolicy;
import archlab.knowledge.similarity.MiniLmTextEmbedder;
import archlab.sandbox.worker.Sandbox;
import archlab.agent.research.ToolContextSource;
import archlab.agent.research.offline.OfflinePolicy;
import archlab.agent.search.SearchSettings;
import archlab.agent.search.SearchStrategies;
import archlab.agent.search.SearchStrategy;
import archlab.agent.search.StoreJournal;
import archlab.knowledge.papers.MiniLmEmbedder;
import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.papers.PaperLibrary;
import archlab.knowledge.store.Store;
import archlab.tools.ResearchTools;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Builds a campaign's parts from its validated config: the tools over the store, the policy, the
 * context source, the search (restored from the store's journal), the executor and the loop. Shared
 * by {@code archlab run} and {@code archlab resume}, so that a resumed campaign is wired exactly like
 * the one that started.
 */
final class CampaignAssembly implements AutoCloseable {
    /** Proposals per step (K) when the campaign file does not set {@code search.proposals}. */
    static final int OFFLINE_PROPOSALS = 8;
    static final int LLM_PROPOSALS = 3;

    final CampaignLoop loop;
    final ResearchPolicy policy;
    final SearchStrategy search;
    final Executor executor;
    private final Sandbox smokeSandbox;

    CampaignAssembly(CampaignConfig config, RunFolder folder, Store store, String campaignId, CampaignEvents events) {
        PaperLibrary.Contents notes = PaperLibrary.load(null);
        PaperIndex papers = notes.notes().isEmpty() ? null
                : PaperIndex.build(notes.notes(), MiniLmEmbedder.get(), PaperIndex.defaultCacheDir());
        ResearchTools tools = ResearchTools.builder(store, campaignId).papers(papers).build();
        List<String> seeds = config.seeds().stream().map(CampaignConfig.Definition::source).toList();
        ToolContextSource contexts = ToolContextSource.builder(tools).task(config.primaryTask().name()).seeds(seeds)
                .build();
        this.smokeSandbox = CampaignConfig.LLM.equals(config.policy())
                ? Sandbox.builder().workers(1).threads(1).build() : null;
        this.policy = policy(config, tools, store, campaignId, smokeSandbox);
        this.search = SearchStrategies.create(config.strategy(), settings(config),
                new StoreJournal(store, campaignId));
        this.executor = executor(config, folder, store, campaignId, events);
        this.loop = new CampaignLoop(config, store, campaignId, policy, contexts, search, executor, events,
                () -> Files.exists(folder.stopFile()) || stoppedInStore(store, campaignId), Clock.systemUTC());
    }

    /**
     * The local worker pool, or Slurm jobs that report to the shared store (docs/scale-out.md). The jobs
     * open the store with the URL as the campaign file gives it, which the nodes must be able to reach;
     * their output goes to the run folder's {@code slurm/}.
     */
    static Executor executor(CampaignConfig config, RunFolder folder, Store store, String campaignId,
                             CampaignEvents events) {
        if (config.slurm() == null) {
            // A /workers directive above the pool the campaign started with takes effect here, on resume.
            Integer directed = CampaignLoop.workersDirected(store, campaignId);
            return new LocalExecutor(directed == null ? config.workers() : directed);
        }
        SlurmCli slurm = checkExecutor(config);
        Path logs = folder.dir().resolve("slurm");
        try {
            Files.createDirectories(logs);
        } catch (java.io.IOException e) {
            throw new InvalidInputException("cannot create " + logs + ": " + e.getMessage());
        }
        return SlurmExecutor.builder().settings(config.slurm()).slurm(slurm).remote(store.remoteEvaluations())
                .campaignId(campaignId).storeUrl(config.store()).logDir(logs).log(events::note).build();
    }

    /**
     * For a Slurm campaign: that sbatch runs here and the cluster accepts the executor's settings
     * ({@code sbatch --test-only}); an {@link InvalidInputException} with Slurm's words otherwise. Run
     * before a run folder is made, so that a wrong partition costs nothing.
     */
    static SlurmCli checkExecutor(CampaignConfig config) {
        if (config.slurm() == null) {
            return null;
        }
        SlurmCli slurm = new SlurmCli();
        if (!slurm.available()) {
            throw new InvalidInputException("the campaign runs on Slurm (executor: slurm), but sbatch cannot be run here;"
                    + " run archlab on a login node of the cluster (scripts/start-slurm.sh starts a one-machine cluster)");
        }
        try {
            SlurmExecutor.checkSettings(slurm, config.slurm());
        } catch (SlurmException e) {
            throw new InvalidInputException("executor: " + e.getMessage());
        }
        return slurm;
    }

    private static boolean stoppedInStore(Store store, String campaignId) {
        return store.campaigns().find(campaignId)
                .map(c -> c.status() == archlab.knowledge.store.CampaignStatus.STOPPED).orElse(false);
    }

    /**
     * The offline policy, or the LLM roles over the campaign's {@code llm:} section. The LLM coder's
     * gate smoke-trains in a sandbox of its own, so that a smoke run never waits behind the campaign's
     * training; the offline coder's edits are structural and skip it (the training run catches what
     * slips through, as a recorded failure).
     */
    private static ResearchPolicy policy(CampaignConfig config, ResearchTools tools, Store store, String campaignId,
                                         Sandbox smokeSandbox) {
        if (!CampaignConfig.LLM.equals(config.policy())) {
            return OfflinePolicy.builder(tools).seed(config.seed()).build();
        }
        LlmLayer llm = Llms.builder(llmConfig(config)).ledger(store.llmCalls()).campaign(campaignId)
                .replayCache(ReplayCache.forUser(System::getenv).orElse(null)).build();
        NoveltyGate novelty = new NoveltyGate(store.experiments(), new MiniLmTextEmbedder(), NoveltyGate.DEFAULT_THRESHOLD);
        CodingGate gate = new CodingGate(SandboxSmokeTrainer.forTask(smokeSandbox, config.primaryTask().name(),
                config.primaryTask().options()), novelty);
        return LlmPolicy.builder(llm, gate).languageReference(Prompts.standard().template("language-cheatsheet")).build();
    }

    /** The llm: section, with the campaign's token and money budget where the campaign sets one. */
    static LlmConfig llmConfig(CampaignConfig config) {
        LlmConfig c;
        try {
            c = LlmConfig.fromYaml(config.llm());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
        CampaignConfig.Budget b = config.budget();
        if (b.tokens() != null || b.money() != null) {
            LlmConfig.Budget own = c.budget();
            c = c.toBuilder().budget(new LlmConfig.Budget(b.tokens() != null ? b.tokens() : own == null ? null : own.tokens(),
                    b.money() != null ? b.money() : own == null ? null : own.money())).build();
        }
        return c;
    }

    /** The search section's constants (snake_case or camelCase names) over the documented defaults. */
    static SearchSettings settings(CampaignConfig config) {
        // The search's default K suits tables, where a proposal costs nothing; in a campaign each one is a
        // planned hypothesis and a coded definition (an LLM call or two), so fewer are asked for.
        int proposals = CampaignConfig.LLM.equals(config.policy()) ? LLM_PROPOSALS : OFFLINE_PROPOSALS;
        SearchSettings.Builder b = SearchSettings.defaults().toBuilder().seed(config.seed()).proposals(proposals);
        JsonNode s = config.search();
        if (s != null) {
            Iterator<Map.Entry<String, JsonNode>> it = s.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("strategy")) {
                    continue;
                }
                try {
                    b.set(f.getKey(), f.getValue().isArray() ? join(f.getValue()) : f.getValue().asText());
                } catch (IllegalArgumentException e) {
                    throw new InvalidInputException("search." + f.getKey() + ": " + e.getMessage());
                }
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("search: " + e.getMessage());
        }
    }

    private static String join(JsonNode array) {
        List<String> parts = new ArrayList<>();
        array.forEach(x -> parts.add(x.asText()));
        return String.join(",", parts);
    }

    @Override
    public void close() {
        executor.close();
        if (smokeSandbox != null) {
            smokeSandbox.close();
        }
    }
}
