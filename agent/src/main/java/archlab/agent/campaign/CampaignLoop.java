package archlab.agent.campaign;

import archlab.agent.llm.LlmException;
import archlab.agent.research.Analysis;
import archlab.agent.research.Coding;
import archlab.agent.research.CodingAttempt;
import archlab.agent.research.ContextSource;
import archlab.agent.research.Direction;
import archlab.agent.research.JudgeScore;
import archlab.agent.research.Move;
import archlab.agent.research.Proposal;
import archlab.agent.research.ResearchContext;
import archlab.agent.research.ResearchPolicy;
import archlab.agent.search.Candidate;
import archlab.agent.search.DefinitionFeatures;
import archlab.agent.search.Expansion;
import archlab.agent.search.Observation;
import archlab.agent.search.Screened;
import archlab.agent.search.Screening;
import archlab.agent.search.SearchStrategy;
import archlab.evaluators.fitness.Fitness;
import archlab.evaluators.fitness.FitnessScore;
import archlab.evaluators.fitness.FitnessWeights;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Directive;
import archlab.knowledge.store.DirectiveStatus;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Insight;
import archlab.knowledge.store.Store;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.task.Task;
import archlab.sandbox.task.Tasks;
import archlab.sandbox.train.Failure;
import archlab.sandbox.train.ProgressListener;
import archlab.sandbox.train.TrainConfig;
import archlab.sandbox.worker.EvaluationRequest;
import archlab.sandbox.worker.EvaluationResult;
import archlab.sandbox.worker.Limits;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The campaign loop, top to bottom: search → planner → coder → sandbox → fitness → analyst → store.
 *
 * <p>One coordinator thread owns the search, the policy and every store write; the executor's slots
 * train in parallel and hand their results back through a queue. The coordinator plans the next
 * step while the slots train, so LLM work and training overlap.
 *
 * <p>Exactly-once: an experiment is written (queued) before it is trained, each (stage, seed) result
 * is written as it arrives, and an experiment is finished only once all of its results are in. A
 * resumed campaign re-trains only what has no result yet, finishes what has all of them, and asks
 * the LLM again only through its replay cache.
 */
public final class CampaignLoop {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A run slower than this multiple of its peers' median is stopped (the watchdog). */
    static final double WATCHDOG_SLOWER_THAN_PEERS = 5.0;
    /** Peers needed before the watchdog judges a run's time. */
    static final int WATCHDOG_PEERS = 3;
    /** A floor under the watchdog's limit, so that one fast start does not starve the next run. */
    static final double WATCHDOG_MIN_SECONDS = 60;
    /** Held-out loss below this share of the training loss means the held-out data leaked in. */
    static final double LEAK_RATIO = 0.5;
    /** ... and by this many nats at least: two small losses differ by large ratios from noise alone. */
    static final double LEAK_GAP = 0.5;
    static final int LEAK_TAIL = 3;

    /** The campaign file as validated, with the budget and seeds that directives changed since. */
    private CampaignConfig config;
    private final Store store;
    private final String campaignId;
    private final ResearchPolicy policy;
    private final ContextSource contexts;
    private final SearchStrategy search;
    private final Executor executor;
    private final CampaignEvents events;
    private final BooleanSupplier stopRequested;
    private final Clock clock;
    private final Task task;
    private final FitnessWeights weights;

    private final Map<String, Fitness> fitnessByStage = new HashMap<>();
    private final Map<String, String> experimentByKey = new HashMap<>();
    private final Deque<Job> queued = new ArrayDeque<>();
    private final LinkedBlockingQueue<Finished> finished = new LinkedBlockingQueue<>();
    private final Map<String, List<Double>> secondsByStage = new HashMap<>();
    private final DirectivesInForce directives = new DirectivesInForce();
    /** The keys the search has a node for: the ones a pin or an idea can expand. */
    private final java.util.Set<String> observedKeys = new java.util.HashSet<>();
    /** The stage running now, as an index into the config's stages. */
    private int stageNow;
    private int inFlight;
    /** Experiments that reached the sandbox, counted from the store; -1 after anything that may change it. */
    private long trained = -1;
    private boolean llmBudgetSpent;
    private boolean stopDirective;
    /** How long planning waits before asking a provider that was down again. */
    static final Duration LLM_PAUSE = Duration.ofSeconds(30);
    private int sequence;
    private Instant sessionStart;
    private double wallBefore;

    /** One training run: an experiment at a stage with a seed; {@code attempt} counts runs lost to a worker crash. */
    record Job(String experimentId, String stage, int seed, String definition, int attempt) {
        Job(String experimentId, String stage, int seed, String definition) {
            this(experimentId, stage, seed, definition, 0);
        }
    }

    /** Runs lost to a crashed worker process are trained again this many times before the crash is their result. */
    static final int CRASH_RETRIES = 1;

    private record Finished(Job job, EvaluationResult result) {
    }

    public CampaignLoop(CampaignConfig config, Store store, String campaignId, ResearchPolicy policy,
                        ContextSource contexts, SearchStrategy search, Executor executor, CampaignEvents events,
                        BooleanSupplier stopRequested, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.store = store;
        this.campaignId = campaignId;
        this.policy = policy;
        this.contexts = contexts;
        this.search = search;
        this.executor = executor;
        this.events = events;
        this.stopRequested = stopRequested;
        this.clock = clock;
        this.task = Tasks.create(config.primaryTask().name(), config.primaryTask().options());
        this.weights = FitnessWeights.DEFAULT;
    }

    /** Runs (or resumes) the campaign until its budget is spent or it is asked to stop; returns its final status. */
    public CampaignStatus run() throws InterruptedException {
        sessionStart = clock.instant();
        wallBefore = spend().path("wall_s").asDouble(0);
        setStatus(CampaignStatus.RUNNING);
        recover();
        replayDirectives();
        ExecutorService slots = Executors.newFixedThreadPool(executor.slots(), r -> {
            Thread t = new Thread(r, "archlab-slot");
            t.setDaemon(true);
            return t;
        });
        try {
            List<CampaignConfig.Stage> stages = config.stages();
            CampaignConfig.Stage explore = stages.get(0);
            baseline(explore, slots);
            events.stage(explore.name(), "exploring with " + search.name() + " search, " + policy.name() + " policy");
            explore(explore, slots);
            for (int i = 1; i < stages.size() && !stopping(); i++) {
                stageNow = i;
                verify(config.stages().get(i - 1), config.stages().get(i), slots);
            }
            drain();
            CampaignStatus end = stopping() ? CampaignStatus.STOPPED : CampaignStatus.DONE;
            setStatus(end);
            return end;
        } catch (CampaignFailedException e) {
            setStatus(CampaignStatus.FAILED);
            throw e;
        } finally {
            saveWall();
            slots.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- resume

    /**
     * Puts the store back into a state the loop can continue from: known keys, the experiment
     * counter, and every experiment that was queued or training when the last process died back in
     * the queue. A training run in flight restarts from scratch (no checkpoints).
     */
    private void recover() {
        for (Experiment e : store.experiments().list(ExperimentQuery.campaign(campaignId))) {
            if (e.canonicalHash() != null) {
                experimentByKey.put(e.canonicalHash(), e.id());
            }
            sequence = Math.max(sequence, sequenceOf(e));
            if (e.status() == ExperimentStatus.TRAINING) {
                store.experiments().updateStatus(e.id(), ExperimentStatus.QUEUED);
            }
        }
        int requeued = 0;
        // A definition injected from the console was promised the next slot; it keeps it across a restart.
        List<Experiment> waiting = new ArrayList<>(store.experiments().list(ExperimentQuery.campaign(campaignId)
                .statuses(ExperimentStatus.QUEUED, ExperimentStatus.TRAINING)));
        waiting.sort(Comparator.comparing((Experiment e) -> !Standings.extra(e).has("directive_id")));
        for (Experiment e : waiting) {
            requeued += enqueueMissing(e, stageOf(e));
        }
        if (requeued > 0) {
            events.note("resumed: " + requeued + " training run" + (requeued == 1 ? "" : "s")
                    + " that had no result are queued again");
        }
        reobserve();
    }

    /**
     * A process killed between finishing an experiment and the search's journal write leaves a result
     * the search has not seen; it is told again, so that the tree's statistics match the store.
     */
    private void reobserve() {
        java.util.Set<String> known = new java.util.HashSet<>();
        store.searchStats().nodes(campaignId).forEach(n -> known.add(n.key()));
        observedKeys.addAll(known);
        String first = config.stages().get(0).name();
        int told = 0;
        for (Experiment e : store.experiments().list(ExperimentQuery.campaign(campaignId)
                .statuses(ExperimentStatus.DONE, ExperimentStatus.FAILED))) {
            if (isBaseline(e) || e.canonicalHash() == null || known.contains(e.canonicalHash())
                    || "coding".equals(e.failureKind())) {
                continue;
            }
            boolean explored = Standings.extra(e).path("fitness").has(first) || e.status() == ExperimentStatus.FAILED;
            if (!explored) {
                continue;
            }
            Double f = e.status() == ExperimentStatus.DONE ? fitnessAt(e, first) : null;
            observe(new Observation(e.canonicalHash(), parentKey(e), moveOf(Standings.extra(e)), featuresOf(e),
                    f == null || !Double.isFinite(f) ? null : f, e.id()));
            told++;
        }
        if (told > 0) {
            events.note("resumed: told the search " + told + " result" + (told == 1 ? "" : "s") + " it had not recorded");
        }
    }

    // ---------------------------------------------------------------- stages

    /** The baseline at a stage: trained once per seed, its mean metric fixes that stage's fitness. */
    private void baseline(CampaignConfig.Stage stage, ExecutorService slots) throws InterruptedException {
        Experiment base = store.experiments().list(ExperimentQuery.campaign(campaignId)).stream()
                .filter(CampaignLoop::isBaseline).findFirst().orElse(null);
        if (base == null) {
            base = insert(Experiment.builder(newId(), campaignId).name(name("baseline"))
                    .hypothesis(Hypothesis.titled("baseline: " + config.baseline().origin()))
                    .checkedDefinition(config.baseline().source()).status(ExperimentStatus.QUEUED).stage(stage.name())
                    .extra(json(Map.of("role", "baseline"))).build());
            if (!base.trainable()) {
                throw new CampaignFailedException("the baseline does not check: " + base.definitionErrors());
            }
            experimentByKey.put(base.canonicalHash(), base.id());
        }
        Optional<Double> known = stageMean(base.id(), stage.name());
        if (known.isEmpty()) {
            events.stage(stage.name(), "training the baseline (" + stage.seeds() + " seed" + (stage.seeds() == 1 ? "" : "s") + ")");
            if (base.status() != ExperimentStatus.QUEUED) {
                store.experiments().updateStatus(base.id(), ExperimentStatus.QUEUED);
            }
            // Everything the stage needs, including a seed that failed before (a resume after a crash retries it).
            for (int seed = 0; seed < stage.seeds(); seed++) {
                int s = seed;
                String id = base.id();
                boolean ok = store.evaluations().find(id, stage.name(), seed).map(x -> "ok".equals(x.status())).orElse(false);
                if (!ok && queued.stream().noneMatch(j -> j.experimentId().equals(id) && j.stage().equals(stage.name())
                        && j.seed() == s)) {
                    queued.add(new Job(id, stage.name(), seed, base.definition()));
                }
            }
            String id = base.id();
            while (stageMean(id, stage.name()).isEmpty()) {
                if (!dispatch(slots) && inFlight == 0 && !directives.paused()) {
                    break;
                }
                if (!awaitOne()) {
                    continue;
                }
            }
            known = stageMean(id, stage.name());
        }
        double value = known.orElseThrow(() -> new CampaignFailedException("the baseline failed at stage "
                + stage.name() + "; see archlab show for its failure"));
        fitnessByStage.put(stage.name(), new Fitness(task.primaryMetric(), task.higherIsBetter(), value, null, weights));
        events.note(String.format(Locale.ROOT, "baseline %s at %s: %s %.4f", config.baseline().origin(), stage.name(),
                task.primaryMetric(), value));
    }

    /** The search's stage: plan while the slots train, until the budget is spent. */
    private void explore(CampaignConfig.Stage stage, ExecutorService slots) throws InterruptedException {
        int emptySteps = 0;
        while (!stopping() && !exhausted(stage)) {
            if (directives.paused()) {
                awaitOne();
                continue;
            }
            while (inFlight < slots() && !queued.isEmpty()) {
                dispatch(slots);
            }
            if (inFlight < slots() && queued.isEmpty() && canPlan()) {
                int chosen = step(stage);
                emptySteps = chosen == 0 ? emptySteps + 1 : 0;
                if (emptySteps >= 50) {
                    events.note("the search proposed nothing new in 50 steps; ending exploration");
                    break;
                }
                continue;
            }
            if (inFlight == 0 && queued.isEmpty()) {
                break;
            }
            awaitOne();
        }
        while (inFlight > 0) {
            awaitOne();
        }
    }

    /**
     * One search step: where to expand and how (the search), what to try (the planner), the
     * definitions (the coder), which to train (the search's screening), queued in the store.
     * Returns how many were chosen.
     */
    private int step(CampaignConfig.Stage stage) {
        Expansion x = steered(search.next());
        if (x.fresh() && observeBaselineAsRoot()) {
            return 1;
        }
        Experiment under = x.parent() == null ? null : experimentOfKey(x.parent());
        Optional<DirectivesInForce.Rule> pruned = under == null || !directives.anyPruned() ? Optional.empty()
                : directives.prunedBy(lineage(under.id()));
        if (pruned.isPresent()) {
            // Screening nothing marks the node spent, so the search stops choosing it.
            search.screen(x, List.of());
            directives.count(pruned.get(), DirectivesInForce.BLOCKED);
            return 0;
        }
        List<Draft> drafts;
        try {
            drafts = x.fresh() ? seeds() : plan(x);
            // A move the planner has nothing for (no subroutine mined yet, no failure to refine) must not
            // exhaust the node for every other move: try the others before telling the search.
            for (Move m : Move.values()) {
                if (!drafts.isEmpty() || x.fresh()) {
                    break;
                }
                if (m != x.move()) {
                    Expansion y = new Expansion(x.step(), x.parent(), m, x.references(), x.proposals(), x.evaluations());
                    drafts = plan(y);
                    if (!drafts.isEmpty()) {
                        x = y;
                    }
                }
            }
        } catch (LlmException e) {
            return llmTrouble(e);
        }
        Map<String, Draft> byKey = new LinkedHashMap<>();
        List<Candidate> candidates = new ArrayList<>();
        for (Draft d : drafts) {
            if (experimentByKey.containsKey(d.key) || byKey.containsKey(d.key)) {
                continue;
            }
            Optional<DirectivesInForce.Rule> avoided = directives.avoidedBy(d.source, ops(d.features), d.topic());
            if (avoided.isPresent()) {
                directives.count(avoided.get(), DirectivesInForce.REJECTED);
                continue;
            }
            byKey.put(d.key, d);
            candidates.add(new Candidate(d.key, d.features));
        }
        if (candidates.isEmpty() && !drafts.isEmpty() && directives.pin() != null && x.parent() != null) {
            releasePin("nothing new was left to propose under it");
        }
        Screening screening = search.screen(x, candidates);
        for (Screened s : screening.chosen()) {
            Draft d = byKey.get(s.key());
            directives.focusedBy(d.source, ops(d.features), d.topic())
                    .forEach(r -> directives.count(r, DirectivesInForce.FOLLOWED));
            ObjectNode extra = JSON.createObjectNode();
            extra.put("role", x.fresh() ? "seed" : "child");
            extra.put("move", x.move() == null ? null : x.move().id());
            extra.put("search_step", x.step());
            if (d.proposal != null) {
                extra.put("direction", d.proposal.direction().summary());
                extra.set("references", JSON.valueToTree(d.proposal.direction().references()));
                extra.put("metric", d.proposal.metric());
                extra.put("risk", d.proposal.risk());
                extra.set("plan", JSON.valueToTree(d.proposal.plan()));
            }
            if (d.coding != null) {
                extra.set("coding_attempts", JSON.valueToTree(d.coding.attempts()));
            }
            ObjectNode screen = extra.putObject("screening");
            screen.put("predicted_mean", s.prediction().mean());
            screen.put("predicted_uncertainty", s.prediction().uncertainty());
            screen.put("score", s.score());
            screen.put("rank", s.rank());
            screen.put("proposed", candidates.size());
            screen.put("screened_out", screening.screenedOut().size());
            Experiment e = insert(Experiment.builder(newId(), campaignId).parentId(parentId(x))
                    .name(name(d.title)).hypothesis(d.hypothesis).checkedDefinition(d.source)
                    .status(ExperimentStatus.QUEUED).stage(stage.name()).extra(extra.toString()).build());
            experimentByKey.put(d.key, e.id());
            enqueueMissing(e, stage);
            events.queued(e);
        }
        return screening.chosen().size();
    }

    /**
     * The LLM could not plan or code this step. A spent token or money budget ends exploration; a
     * provider that is down pauses planning (the runs in flight go on) until its circuit breaker lets
     * calls through again; anything else costs only this step. The ledger has the details.
     */
    private int llmTrouble(LlmException e) {
        switch (e.kind()) {
            case "budget" -> {
                llmBudgetSpent = true;
                events.note("the LLM budget is spent: " + e.getMessage() + "; no more steps are planned");
            }
            case "unavailable" -> {
                events.note("LLM work paused: " + e.getMessage());
                try {
                    Thread.sleep(LLM_PAUSE.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
            default -> events.note("the planner or coder failed (" + e.kind() + "): " + e.getMessage());
        }
        return 0;
    }

    /**
     * When the baseline is also a seed (the usual start: improve on it), the tree's first root is the
     * baseline's own result, told to the search once instead of being trained twice.
     */
    private boolean observeBaselineAsRoot() {
        Experiment base = store.experiments().list(ExperimentQuery.campaign(campaignId)).stream()
                .filter(CampaignLoop::isBaseline).findFirst().orElse(null);
        if (base == null || base.canonicalHash() == null || Standings.extra(base).path("observed").asBoolean(false)) {
            return false;
        }
        boolean isSeed = seeds().stream().anyMatch(d -> d.key.equals(base.canonicalHash()));
        if (!isSeed) {
            return false;
        }
        ObjectNode extra = (ObjectNode) Standings.extra(base);
        extra.put("observed", true);
        Experiment marked = store.experiments().update(base.toBuilder().extra(extra.toString()).build());
        observe(new Observation(base.canonicalHash(), null, null, featuresOf(marked), 0.5, base.id()));
        return true;
    }

    /** A proposal that became a definition, with what the search needs to judge it. */
    private record Draft(String title, Hypothesis hypothesis, String source, String key, Map<String, Double> features,
                         Proposal proposal, Coding coding) {
        /** What the candidate is about in words, for directives that name a theme. */
        String topic() {
            StringBuilder b = new StringBuilder(title == null ? "" : title);
            if (hypothesis != null && hypothesis.motivation() != null) {
                b.append('\n').append(hypothesis.motivation());
            }
            if (proposal != null) {
                b.append('\n').append(proposal.direction().summary());
                proposal.plan().forEach((k, v) -> b.append('\n').append(k).append(": ").append(v));
            }
            return b.toString();
        }
    }

    /** The planner and the coder on the node the search chose. Failed codings are recorded as failed experiments. */
    private List<Draft> plan(Expansion x) {
        Experiment node = experimentOfKey(x.parent());
        ResearchContext ctx = contexts.contextFor(campaignId, node);
        Direction direction = policy.planner().direct(ctx, x.move());
        List<Proposal> proposals = policy.planner().propose(ctx, direction, x.proposals());
        List<Draft> drafts = new ArrayList<>();
        for (Proposal p : proposals) {
            Coding coding = policy.coder().code(ctx, p);
            if (!coding.ok()) {
                CodingAttempt last = coding.attempts().isEmpty() ? null : coding.attempts().get(coding.attempts().size() - 1);
                String why = last == null ? "the coder produced nothing"
                        : "no valid definition after " + coding.attempts().size() + " attempts; last, at " + last.stage()
                        + ": " + last.error();
                insert(Experiment.builder(newId(), campaignId).parentId(node == null ? null : node.id())
                        .name(name(p.title())).hypothesis(p.hypothesis()).status(ExperimentStatus.FAILED)
                        .failure("coding", why)
                        .definition(last == null ? null : last.definition(), "archlab", "invalid", last == null ? null : last.error())
                        .extra(json(Map.of("role", "child", "move", x.move().id(),
                                "coding_attempts", coding.attempts()))).build());
                events.note("coding failed for \"" + p.title() + "\" after " + coding.attempts().size() + " attempts");
                continue;
            }
            Optional<Draft> d = draft(p.title(), p.hypothesis(), coding.definition(), p, coding);
            d.ifPresent(drafts::add);
        }
        return drafts;
    }

    /** The seed definitions not yet in the tree, as fresh candidates. */
    private List<Draft> seeds() {
        List<Draft> drafts = new ArrayList<>();
        for (CampaignConfig.Definition s : config.seeds()) {
            draft("seed " + s.origin(), Hypothesis.titled("seed: " + s.origin()), s.source(), null, null)
                    .ifPresent(drafts::add);
        }
        return drafts;
    }

    private Optional<Draft> draft(String title, Hypothesis h, String source, Proposal p, Coding c) {
        try {
            ModelDefinition d = ModelDefinition.parse(source, "candidate.arch");
            return Optional.of(new Draft(title, h, source, d.canonicalHash(), DefinitionFeatures.of(d), p, c));
        } catch (DefinitionException e) {
            events.note("a definition that passed the coder does not check: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** A later stage: promote the best of the stage before, train the baseline and them with this stage's seeds. */
    private void verify(CampaignConfig.Stage before, CampaignConfig.Stage stage, ExecutorService slots)
            throws InterruptedException {
        baseline(stage, slots);
        List<Experiment> promoted = promote(before, stage.promote());
        events.stage(stage.name(), "verifying " + promoted.size() + " design" + (promoted.size() == 1 ? "" : "s")
                + " with " + stage.seeds() + " seed" + (stage.seeds() == 1 ? "" : "s"));
        for (Experiment e : promoted) {
            if (stageMean(e.id(), stage.name()).isEmpty()) {
                enqueueMissing(e, stage);
            }
        }
        while ((!queued.isEmpty() || inFlight > 0) && !stopping()) {
            while (dispatch(slots)) {
                // fill every free slot
            }
            awaitOne();
        }
    }

    private List<Experiment> promote(CampaignConfig.Stage before, CampaignConfig.Promotion rule) {
        List<Experiment> done = store.experiments().list(ExperimentQuery.campaign(campaignId)
                .statuses(ExperimentStatus.DONE)).stream()
                .filter(e -> !isBaseline(e) && e.fitness() != null)
                .filter(e -> Standings.extra(e).path("fitness").has(before.name()))
                .sorted(Comparator.comparingDouble((Experiment e) -> -fitnessAt(e, before.name())).thenComparing(Experiment::id))
                .toList();
        List<Experiment> out = new ArrayList<>();
        for (Experiment e : done) {
            if (rule.top() > 0 && out.size() >= rule.top()) {
                break;
            }
            if (rule.minFitness() != null && fitnessAt(e, before.name()) < rule.minFitness()) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    // ---------------------------------------------------------------- training

    /** Queues the (stage, seed) runs of {@code e} that have no result yet; returns how many. */
    private int enqueueMissing(Experiment e, CampaignConfig.Stage stage) {
        int n = 0;
        for (int seed = 0; seed < stage.seeds(); seed++) {
            if (store.evaluations().find(e.id(), stage.name(), seed).isEmpty()) {
                queued.add(new Job(e.id(), stage.name(), seed, e.definition()));
                n++;
            }
        }
        return n;
    }

    /** Starts the next queued run if a slot is free; returns whether one started. */
    private boolean dispatch(ExecutorService slots) {
        if (inFlight >= slots() || queued.isEmpty() || directives.paused()) {
            return false;
        }
        Job job = queued.poll();
        CampaignConfig.Stage stage = stage(job.stage());
        EvaluationRequest request;
        try {
            request = request(job, stage);
        } catch (DefinitionException | IllegalArgumentException ex) {
            finished.add(new Finished(job, EvaluationResult.failed(job.experimentId(),
                    Failure.of("invalid_config", "check", "stage " + stage.name() + ": " + ex.getMessage()),
                    0, 0)));
            inFlight++;
            return true;
        }
        store.experiments().compareAndSetStatus(job.experimentId(), ExperimentStatus.QUEUED, ExperimentStatus.TRAINING);
        trained = -1;
        inFlight++;
        events.started(job.experimentId(), job.stage(), job.seed());
        slots.submit(() -> {
            EvaluationResult r;
            try {
                r = executor.evaluate(evaluationKey(job), request, new ProgressListener() {
                    @Override
                    public void onStep(int step, int steps, double loss, double lr, double elapsed) {
                        events.progress(job.experimentId(), step, steps, loss);
                    }
                });
            } catch (RuntimeException ex) {
                r = EvaluationResult.failed(job.experimentId(),
                        Failure.of("internal", "worker", String.valueOf(ex.getMessage())), 0, 0);
            }
            finished.add(new Finished(job, r));
        });
        return true;
    }

    /** The run's name in every session: experiment ids are unique across campaigns and machines. */
    static String evaluationKey(Job job) {
        return job.experimentId() + "/" + job.stage() + "/" + job.seed();
    }

    private EvaluationRequest request(Job job, CampaignConfig.Stage stage) throws DefinitionException {
        String source = ModelDefinition.withParams(job.definition(), job.experimentId() + ".arch", stage.params());
        TrainConfig.Builder tc = TrainConfig.builder().steps(stage.steps() > 0 ? stage.steps() : task.defaultSteps())
                .seed(config.seed() * 1000 + job.seed());
        if (stage.batchSize() > 0) {
            tc.batchSize(stage.batchSize());
        }
        return new EvaluationRequest(job.experimentId(), source, job.experimentId() + ".arch", task.name(),
                config.primaryTask().options(), tc.build(), watchdogLimits(stage), 0);
    }

    /** The watchdog's time limit: far slower than the stage's peers is stopped. */
    private Limits watchdogLimits(CampaignConfig.Stage stage) {
        List<Double> peers = secondsByStage.getOrDefault(stage.name(), List.of());
        if (peers.size() < WATCHDOG_PEERS) {
            return Limits.UNSET;
        }
        List<Double> sorted = peers.stream().sorted().toList();
        double median = sorted.get(sorted.size() / 2);
        return new Limits(Math.max(WATCHDOG_MIN_SECONDS, WATCHDOG_SLOWER_THAN_PEERS * median), 0, 0, 0);
    }

    /** Waits for one finished run and records it; false when none came within a second. */
    private boolean awaitOne() throws InterruptedException {
        steer();
        Finished f = finished.poll(1, TimeUnit.SECONDS);
        saveWall();
        if (f == null) {
            return false;
        }
        inFlight--;
        record(f.job(), f.result());
        return true;
    }

    /** Writes one run's result; once an experiment has all of its stage's results, finishes it. */
    private void record(Job job, EvaluationResult r) {
        trained = -1;
        if (EvaluationResult.CRASH.equals(r.failureKind()) && job.attempt() < CRASH_RETRIES && !stopping()) {
            // A worker process that died (killed, out of memory on the host, a native crash) says little about
            // the design; one more run tells an accident from a design that crashes every time.
            events.note(nameOf(job.experimentId()) + ": its worker crashed (" + clipped(r) + "); training it again");
            queued.addFirst(new Job(job.experimentId(), job.stage(), job.seed(), job.definition(), job.attempt() + 1));
            store.experiments().compareAndSetStatus(job.experimentId(), ExperimentStatus.TRAINING, ExperimentStatus.QUEUED);
            return;
        }
        CampaignConfig.Stage stage = stage(job.stage());
        store.evaluations().upsert(Evaluation.of(job.experimentId(), job.stage(), job.seed(), r.status(),
                json(r.metrics()), json(r.curve()), json(r)));
        if (r.ok()) {
            secondsByStage.computeIfAbsent(job.stage(), k -> new ArrayList<>()).add(r.wallSeconds());
        }
        Experiment e = store.experiments().find(job.experimentId()).orElseThrow();
        List<Evaluation> results = store.evaluations().forExperiment(e.id()).stream()
                .filter(x -> x.stage().equals(job.stage())).toList();
        if (results.size() < stage.seeds()) {
            return;
        }
        finish(e, stage, results, r);
    }

    private void finish(Experiment e, CampaignConfig.Stage stage, List<Evaluation> results, EvaluationResult last) {
        ObjectNode extra = (ObjectNode) Standings.extra(e);
        Experiment.Builder b = e.toBuilder();
        List<Evaluation> ok = results.stream().filter(x -> "ok".equals(x.status())).toList();
        String leak = ok.isEmpty() ? null : leakSign(ok);
        double wall = results.stream().mapToDouble(CampaignLoop::wallOf).sum() + (e.wallSeconds() == null ? 0 : e.wallSeconds());
        b.wallSeconds(wall);
        if (ok.size() < results.size() || leak != null) {
            Evaluation bad = results.stream().filter(x -> !"ok".equals(x.status())).findFirst().orElse(null);
            JsonNode failure = bad == null ? JSON.createObjectNode() : parse(bad.result()).path("failure");
            String kind = leak != null ? "suspicious" : failure.path("kind").asText("failed");
            String message = leak != null ? leak : failure.path("message").asText("the run failed");
            if ("timeout".equals(kind) && !watchdogLimits(stage).equals(Limits.UNSET)) {
                kind = "watchdog";
                message = "stopped by the watchdog: far slower than its peers at stage " + stage.name() + " (" + message + ")";
            }
            if (isStageZero(stage) || e.stage() == null || e.stage().equals(stage.name())) {
                b.status(ExperimentStatus.FAILED).failure(kind, message);
            } else {
                // Failing a later stage keeps the earlier stage's result; the failure is noted.
                extra.with("failures").put(stage.name(), kind + ": " + message);
                b.status(ExperimentStatus.DONE);
            }
        } else {
            Map<String, Double> mean = meanMetrics(ok);
            double value = mean.getOrDefault(task.primaryMetric(), Double.NaN);
            Fitness fitness = fitnessByStage.get(stage.name());
            FitnessScore score = fitness == null ? null : fitness.score(value, judged(e));
            if (score != null) {
                extra.with("fitness").set(stage.name(), JSON.valueToTree(score));
                b.fitness(score.combined());
            }
            b.status(ExperimentStatus.DONE).stage(stage.name()).failure(null, null)
                    .metrics(json(Map.of(task.name(), mean))).curves(ok.get(0).curve() == null ? null
                            : "{\"" + task.name() + "\": " + ok.get(0).curve() + "}");
        }
        Experiment updated = store.experiments().update(b.extra(extra.toString()).build());
        if (isBaseline(updated)) {
            return;
        }
        if (extra.has("directive_id")) {
            directives.note(extra.get("directive_id").asLong(), updated.name() + " " + updated.status().dbValue()
                    + " at " + stage.name() + (updated.fitness() == null ? ""
                    : String.format(Locale.ROOT, ", fitness %.3f", updated.fitness())));
        }
        if (isStageZero(stage)) {
            analyse(updated);
            Double f = updated.status() == ExperimentStatus.DONE ? updated.fitness() : null;
            JsonNode x = Standings.extra(updated);
            observe(new Observation(updated.canonicalHash() == null ? updated.id() : updated.canonicalHash(),
                    parentKey(updated), moveOf(x), featuresOf(updated), f, updated.id()));
        }
        events.finished(store.experiments().find(updated.id()).orElse(updated));
    }

    /** The analyst's reading, stored with the experiment, and its insight, stored as an insight. */
    private void analyse(Experiment e) {
        ResearchContext ctx = contexts.contextFor(campaignId, e);
        Analysis a;
        try {
            a = policy.analyst().analyse(ctx, e);
        } catch (RuntimeException ex) {
            events.note("the analyst failed on " + e.id() + ": " + ex.getMessage());
            return;
        }
        store.experiments().update(e.toBuilder().analysis(json(a)).build());
        if (a.insight() != null && !a.insight().isBlank()) {
            store.insights().insert(Insight.of(campaignId, a.insight(), List.of(e.id()), a.paperIds()));
        }
    }

    private Double judged(Experiment e) {
        if (policy.judge() == null) {
            return null;
        }
        try {
            JudgeScore s = policy.judge().judge(contexts.contextFor(campaignId, e), e);
            return (s.novelty() + s.complexity() + s.soundness()) / 3;
        } catch (RuntimeException ex) {
            events.note("the judge failed on " + e.id() + ": " + ex.getMessage());
            return null;
        }
    }

    /**
     * Held-out loss far below the training loss at the end of a run: the model saw what it is tested on.
     * The language's causality check rules out leaks through the definition, so this guards the task.
     */
    static String leakSign(List<Evaluation> ok) {
        for (Evaluation x : ok) {
            JsonNode curve = parse(x.curve());
            JsonNode metrics = parse(x.metrics());
            if (!curve.isArray() || curve.isEmpty() || !metrics.has("loss")) {
                continue;
            }
            // The mean of the last few points: one batch's loss is noisy.
            int n = Math.min(LEAK_TAIL, curve.size());
            double train = 0;
            for (int i = curve.size() - n; i < curve.size(); i++) {
                train += curve.get(i).path("loss").asDouble(Double.NaN) / n;
            }
            double held = metrics.get("loss").asDouble();
            if (held < LEAK_RATIO * train && train - held > LEAK_GAP) {
                return String.format(Locale.ROOT, "suspiciously low held-out loss %.4f against training loss %.4f "
                        + "(seed %d): a sign that held-out data leaked into training", held, train, x.seed());
            }
        }
        return null;
    }

    private void drain() throws InterruptedException {
        while (inFlight > 0) {
            awaitOne();
        }
    }

    // ---------------------------------------------------------------- directives

    /**
     * Applies the directives that arrived since the last look, in order, then writes what the ones in
     * force have done. Called at every step boundary (each wait for a result), so a directive takes
     * effect between two steps, never inside one.
     */
    private void steer() {
        List<Directive> pending;
        try {
            pending = store.directives().pending(campaignId);
        } catch (RuntimeException e) {
            events.note("could not read directives: " + e.getMessage());
            return;
        }
        for (Directive d : pending) {
            applyDirective(d);
        }
        for (long id : directives.takeDirty()) {
            store.directives().recordEffect(id, directives.effect(id));
        }
    }

    /** Why a directive cannot apply, in words for the console. */
    private static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private void applyDirective(Directive d) {
        if (d.structured() == null || d.structured().isBlank()) {
            // Free text with no structured form: a note the planner reads through list_directives.
            store.directives().resolve(d.id(), DirectiveStatus.APPLIED, null, "kept as a note for the planner");
            events.note("directive #" + d.seq() + " kept as a note for the planner: " + d.text());
            return;
        }
        Steering s;
        try {
            s = Steering.fromJson(d.structured());
        } catch (IllegalArgumentException e) {
            reject(d, "not understood: " + e.getMessage());
            return;
        }
        try {
            if (s instanceof Steering.Inject inject) {
                inject(d, inject);
                return;
            }
            String structured = d.structured();
            String outcome;
            if (s instanceof Steering.Idea idea) {
                Experiment parent = parentFor(idea.parent());
                structured = new Steering.Idea(idea.text(), parent.id()).toJson();
                directives.idea(d, parent.id(), idea.text());
                outcome = "the next step expands " + parent.name() + " with this idea";
            } else if (s instanceof Steering.Prune p) {
                Experiment e = ownExperiment(p.experiment());
                directives.prune(d, e.id());
                int dropped = dropPruned();
                outcome = "no new children under " + e.name() + (dropped == 0 ? ""
                        : "; " + dropped + " queued experiment" + (dropped == 1 ? "" : "s") + " in the branch pruned");
            } else if (s instanceof Steering.Pin p) {
                Experiment e = ownExperiment(p.experiment());
                if (e.canonicalHash() == null) {
                    throw new Refused(e.name() + " has no valid definition to expand");
                }
                directives.pin(d, e.id());
                outcome = "every step expands " + e.name() + " until /unpin";
            } else if (s instanceof Steering.Budget b) {
                config = withBudget(config, b);
                outcome = "budget now " + describeBudget(config.budget());
            } else if (s instanceof Steering.Seeds seeds) {
                int index = stageIndex(seeds.stage());
                if (index <= stageNow) {
                    throw new Refused("stage " + seeds.stage() + " has already started; seeds can change only for a"
                            + " stage still to come");
                }
                config = withSeeds(config, seeds);
                outcome = "stage " + seeds.stage() + " will train each design with " + seeds.seeds() + " seeds";
            } else if (s instanceof Steering.Workers w) {
                directives.workers(w.count());
                outcome = w.count() <= executor.slots() ? "training " + w.count() + " at once"
                        : "training " + executor.slots() + " at once (the executor's " + executor.slots()
                        + "); all " + w.count() + " after archlab resume";
            } else if (s instanceof Steering.Revoke r) {
                Directive target = store.directives().list(campaignId).stream().filter(x -> x.seq() == r.seq())
                        .findFirst().orElseThrow(() -> new Refused("there is no directive #" + r.seq()));
                Optional<String> gone = target.status() == DirectiveStatus.APPLIED ? directives.revoke(r.seq())
                        : Optional.empty();
                if (gone.isEmpty()) {
                    throw new Refused("directive #" + r.seq() + " (" + target.status().dbValue()
                            + ") has no standing effect to revoke");
                }
                store.directives().revoke(target.id(), "revoked by #" + d.seq());
                outcome = "withdrew " + gone.get();
            } else {
                outcome = applyStanding(d, s);
            }
            store.directives().resolve(d.id(), DirectiveStatus.APPLIED, structured, outcome);
            events.note("directive #" + d.seq() + " applied: " + outcome);
        } catch (Refused e) {
            reject(d, e.getMessage());
        }
    }

    /** The directives whose whole effect is a change of the standing state; replayed on resume as they are. */
    private String applyStanding(Directive d, Steering s) {
        if (s instanceof Steering.Focus f) {
            directives.focus(d, f.target());
            return "the planner prefers " + f.target();
        } else if (s instanceof Steering.Avoid a) {
            directives.avoid(d, a.target());
            return "no later candidate that uses or names " + a.target() + " is trained";
        } else if (s instanceof Steering.Unpin) {
            directives.unpin();
            return "the search chooses freely again";
        } else if (s instanceof Steering.Pause) {
            directives.paused(true);
            setStatus(CampaignStatus.PAUSED);
            return "paused: no new runs start; " + inFlight + " in flight finish";
        } else if (s instanceof Steering.Resume) {
            directives.paused(false);
            setStatus(CampaignStatus.RUNNING);
            return "running again";
        } else if (s instanceof Steering.Stop) {
            stopDirective = true;
            return "stopping: " + inFlight + " run" + (inFlight == 1 ? "" : "s") + " in flight finish first";
        }
        throw new Refused("cannot apply " + s.describe());
    }

    /** A ready definition: checked, stored as a queued child and put at the head of the queue, with its directive. */
    private void inject(Directive d, Steering.Inject inject) {
        ModelDefinition def;
        try {
            def = ModelDefinition.parse(inject.definition(), "injected.arch");
        } catch (DefinitionException e) {
            throw new Refused("the definition does not check: " + e.getMessage());
        }
        String known = experimentByKey.get(def.canonicalHash());
        if (known != null) {
            String name = store.experiments().find(known).map(Experiment::name).orElse(known);
            throw new Refused("the campaign already has this design: " + name);
        }
        Experiment parent = parentFor(inject.parent());
        CampaignConfig.Stage first = config.stages().get(0);
        ObjectNode extra = JSON.createObjectNode();
        extra.put("role", "child");
        extra.putNull("move");
        extra.put("directive_id", d.id());
        extra.put("directive_seq", d.seq());
        Experiment e = Experiment.builder(newId(), campaignId).parentId(parent.id()).name(name(inject.title()))
                .hypothesis(new Hypothesis(inject.title(), inject.motivation(), null))
                .checkedDefinition(inject.definition()).status(ExperimentStatus.QUEUED).stage(first.name())
                .extra(extra.toString()).build();
        String outcome = e.name() + " queued next, under " + parent.name();
        String structured = new Steering.Inject(inject.definition(), parent.id(), inject.title(), inject.motivation())
                .toJson();
        // The experiment and the directive's resolution land together: a crash leaves both or neither.
        store.inTransaction(tx -> {
            tx.experiments().insert(e);
            tx.directives().resolve(d.id(), DirectiveStatus.APPLIED, structured, outcome);
            return null;
        });
        experimentByKey.put(def.canonicalHash(), e.id());
        List<Job> jobs = new ArrayList<>();
        for (int seed = 0; seed < first.seeds(); seed++) {
            jobs.add(new Job(e.id(), first.name(), seed, e.definition()));
        }
        for (int i = jobs.size() - 1; i >= 0; i--) {
            queued.addFirst(jobs.get(i));
        }
        events.queued(e);
        events.note("directive #" + d.seq() + " applied: " + outcome);
    }

    private void reject(Directive d, String why) {
        store.directives().resolve(d.id(), DirectiveStatus.REJECTED, d.structured(), why);
        events.note("directive #" + d.seq() + " rejected: " + why);
    }

    /**
     * Rebuilds the standing effect of the applied directives, in their order, after a restart. Nothing
     * they did to the store is done again: an injected experiment is already stored (and requeued by
     * {@link #recover}), pruned experiments are already marked; a stop is not replayed, since resuming
     * is how a person undoes it.
     */
    private void replayDirectives() {
        List<String> replayed = new ArrayList<>();
        for (Directive d : store.directives().list(campaignId)) {
            if (d.status() != DirectiveStatus.APPLIED || d.structured() == null || d.structured().isBlank()) {
                continue;
            }
            Steering s;
            try {
                s = Steering.fromJson(d.structured());
            } catch (IllegalArgumentException e) {
                continue;
            }
            directives.restore(d);
            if (s instanceof Steering.Focus f) {
                directives.focus(d, f.target());
            } else if (s instanceof Steering.Avoid a) {
                directives.avoid(d, a.target());
            } else if (s instanceof Steering.Prune p) {
                directives.prune(d, p.experiment());
            } else if (s instanceof Steering.Pin p) {
                directives.pin(d, p.experiment());
            } else if (s instanceof Steering.Unpin) {
                directives.unpin();
            } else if (s instanceof Steering.Idea i && i.parent() != null
                    && (d.effect() == null || !d.effect().contains(DirectivesInForce.EXPANDED))) {
                directives.idea(d, i.parent(), i.text());
            } else if (s instanceof Steering.Budget b) {
                config = withBudget(config, b);
            } else if (s instanceof Steering.Seeds seeds && stageIndex(seeds.stage()) > 0) {
                config = withSeeds(config, seeds);
            } else if (s instanceof Steering.Workers w) {
                directives.workers(w.count());
            } else if (s instanceof Steering.Pause) {
                directives.paused(true);
            } else if (s instanceof Steering.Resume) {
                directives.paused(false);
            } else {
                continue;
            }
            replayed.add("#" + d.seq() + " " + s.describe());
        }
        if (!replayed.isEmpty()) {
            events.note("resumed: " + replayed.size() + " directive" + (replayed.size() == 1 ? "" : "s")
                    + " in force again: " + String.join("; ", replayed));
        }
        if (directives.paused()) {
            setStatus(CampaignStatus.PAUSED);
            events.note("paused by a directive: /resume in archlab console to continue");
        }
    }

    private String nameOf(String experimentId) {
        return store.experiments().find(experimentId).map(Experiment::name).orElse(experimentId);
    }

    private static String clipped(EvaluationResult r) {
        String m = r.failure() == null ? "" : String.valueOf(r.failure().message());
        return m.length() <= 160 ? m : m.substring(0, 160) + "…";
    }

    private void observe(Observation o) {
        search.observe(o);
        observedKeys.add(o.key());
    }

    /** A pin or a pending idea overrides where the search expands. */
    private Expansion steered(Expansion x) {
        DirectivesInForce.Rule rule = directives.idea() != null ? directives.idea() : directives.pin();
        if (rule == null) {
            return x;
        }
        Experiment e = store.experiments().find(rule.target()).orElse(null);
        if (e == null || e.canonicalHash() == null || !observedKeys.contains(e.canonicalHash())) {
            return x;   // still training (or never trained): the search has no node for it yet
        }
        if (rule == directives.idea()) {
            directives.ideaTaken();
            directives.note(rule.directive(), DirectivesInForce.EXPANDED + " at step " + x.step());
        } else {
            directives.count(rule, DirectivesInForce.EXPANDED);
        }
        Move move = x.move() != null ? x.move() : e.status() == ExperimentStatus.FAILED ? Move.REFINE : Move.MUTATE;
        return new Expansion(x.step(), e.canonicalHash(), move, x.references(), x.proposals(), x.evaluations());
    }

    private void releasePin(String why) {
        DirectivesInForce.Rule pin = directives.pin();
        directives.unpin();
        directives.note(pin.directive(), "released: " + why);
        events.note("pin released: " + why);
    }

    /** Queued experiments in a pruned branch leave the queue, marked pruned; returns how many. */
    private int dropPruned() {
        java.util.Set<String> gone = new java.util.LinkedHashSet<>();
        for (Job j : queued) {
            Experiment e = store.experiments().find(j.experimentId()).orElse(null);
            if (e == null || isBaseline(e) || e.status() != ExperimentStatus.QUEUED) {
                continue;
            }
            directives.prunedBy(lineage(e.id())).ifPresent(r -> {
                if (gone.add(e.id())) {
                    directives.count(r, DirectivesInForce.DROPPED);
                }
            });
        }
        queued.removeIf(j -> gone.contains(j.experimentId()));
        for (String id : gone) {
            store.experiments().compareAndSetStatus(id, ExperimentStatus.QUEUED, ExperimentStatus.PRUNED);
        }
        return gone.size();
    }

    /** An experiment and its ancestors up to the root, itself first. */
    private List<String> lineage(String experimentId) {
        List<String> out = new ArrayList<>();
        String id = experimentId;
        while (id != null && out.size() < 10_000 && !out.contains(id)) {
            out.add(id);
            id = store.experiments().find(id).map(Experiment::parentId).orElse(null);
        }
        return out;
    }

    private Experiment ownExperiment(String id) {
        return store.experiments().find(id).filter(e -> campaignId.equals(e.campaignId()))
                .orElseThrow(() -> new Refused("no experiment " + id + " in this campaign"));
    }

    /** The named parent, or the best design so far (the baseline before anything beat it). */
    private Experiment parentFor(String id) {
        if (id != null) {
            return ownExperiment(id);
        }
        Standings st = Standings.read(store, campaignId);
        return st.best().or(() -> Optional.ofNullable(st.baseline()))
                .orElseThrow(() -> new Refused("the campaign has no experiment to put it under yet"));
    }

    private int stageIndex(String name) {
        for (int i = 0; i < config.stages().size(); i++) {
            if (config.stages().get(i).name().equals(name)) {
                return i;
            }
        }
        throw new Refused("no stage named " + name + " (stages: " + String.join(", ",
                config.stages().stream().map(CampaignConfig.Stage::name).toList()) + ")");
    }

    static CampaignConfig withBudget(CampaignConfig c, Steering.Budget b) {
        CampaignConfig.Budget old = c.budget();
        CampaignConfig.Budget nb = new CampaignConfig.Budget(b.experiments() != null ? b.experiments() : old.experiments(),
                b.wallClockSeconds() != null ? Duration.ofSeconds(b.wallClockSeconds()) : old.wallClock(), old.tokens(),
                old.money());
        return new CampaignConfig(c.name(), c.description(), c.seed(), c.tasks(), c.baseline(), c.seeds(), nb, c.policy(),
                c.llm(), c.strategy(), c.search(), c.stages(), c.workers(), c.output(), c.store(), c.slurm());
    }

    static CampaignConfig withSeeds(CampaignConfig c, Steering.Seeds seeds) {
        List<CampaignConfig.Stage> stages = new ArrayList<>();
        for (CampaignConfig.Stage s : c.stages()) {
            stages.add(s.name().equals(seeds.stage()) ? new CampaignConfig.Stage(s.name(), s.steps(), seeds.seeds(),
                    s.batchSize(), s.params(), s.promote()) : s);
        }
        return new CampaignConfig(c.name(), c.description(), c.seed(), c.tasks(), c.baseline(), c.seeds(), c.budget(),
                c.policy(), c.llm(), c.strategy(), c.search(), stages, c.workers(), c.output(), c.store(), c.slurm());
    }

    static String describeBudget(CampaignConfig.Budget b) {
        List<String> parts = new ArrayList<>();
        if (b.experiments() != null) {
            parts.add(b.experiments() + " experiments");
        }
        if (b.wallClock() != null) {
            parts.add(Math.round(b.wallClock().toSeconds() / 60.0) + " min wall clock");
        }
        if (b.tokens() != null) {
            parts.add(b.tokens() + " tokens");
        }
        if (b.money() != null) {
            parts.add(String.format(Locale.ROOT, "$%.2f", b.money()));
        }
        return parts.isEmpty() ? "unlimited" : String.join(", ", parts);
    }

    /**
     * The worker count the campaign's applied directives ask for last, or null: a resumed campaign sizes
     * its executor to it, since a running one can only go below the pool it started with.
     */
    public static Integer workersDirected(Store store, String campaignId) {
        Integer n = null;
        for (Directive d : store.directives().list(campaignId)) {
            if (d.status() == DirectiveStatus.APPLIED && d.structured() != null) {
                try {
                    if (Steering.fromJson(d.structured()) instanceof Steering.Workers w) {
                        n = w.count();
                    }
                } catch (IllegalArgumentException e) {
                    // not a directive this version reads; it was rejected or is ignored on replay too
                }
            }
        }
        return n;
    }

    private boolean stopping() {
        return stopDirective || stopRequested.getAsBoolean();
    }

    /** Runs at once: the executor's slots, or fewer when a directive says so. */
    private int slots() {
        Integer w = directives.workers();
        return w == null ? executor.slots() : Math.max(1, Math.min(w, executor.slots()));
    }

    /** The ops a candidate's graph uses, from its features ({@code op:NAME}). */
    private static List<String> ops(Map<String, Double> features) {
        return features.keySet().stream().filter(k -> k.startsWith("op:")).map(k -> k.substring(3)).toList();
    }

    // ---------------------------------------------------------------- budget

    /** Whether the exploring stage must stop: an experiment, wall-clock, token or money limit reached. */
    private boolean exhausted(CampaignConfig.Stage explore) {
        CampaignConfig.Budget b = config.budget();
        if (llmBudgetSpent || b.experiments() != null && trainedExperiments() >= b.experiments()) {
            return true;
        }
        if (b.wallClock() != null && wallSeconds() + reservedForLaterStages(explore) >= b.wallClock().toSeconds()) {
            return true;
        }
        return false;
    }

    /** Whether another step may be planned: an experiment budget counts the ones queued and in flight. */
    private boolean canPlan() {
        CampaignConfig.Budget b = config.budget();
        return b.experiments() == null || trainedExperiments() + queuedExperiments() < b.experiments();
    }

    private long trainedExperiments() {
        if (trained >= 0) {
            return trained;
        }
        trained = store.experiments().list(ExperimentQuery.campaign(campaignId)).stream()
                .filter(e -> !isBaseline(e) && !"coding".equals(e.failureKind()))
                .filter(e -> e.status() == ExperimentStatus.DONE || e.status() == ExperimentStatus.FAILED
                        || e.status() == ExperimentStatus.TRAINING)
                .count();
        return trained;
    }

    private long queuedExperiments() {
        return queued.stream().map(Job::experimentId).distinct().count();
    }

    /**
     * Time the later stages will need, estimated from this stage's median run time scaled by steps,
     * times the promoted designs plus the baseline, times seeds, over the slots.
     */
    private double reservedForLaterStages(CampaignConfig.Stage explore) {
        List<Double> peers = secondsByStage.getOrDefault(explore.name(), List.of());
        if (peers.isEmpty()) {
            return 0;
        }
        double median = peers.stream().sorted().toList().get(peers.size() / 2);
        int exploreSteps = explore.steps() > 0 ? explore.steps() : task.defaultSteps();
        double total = 0;
        for (CampaignConfig.Stage s : config.stages().subList(1, config.stages().size())) {
            int steps = s.steps() > 0 ? s.steps() : task.defaultSteps();
            int designs = (s.promote() != null && s.promote().top() > 0 ? s.promote().top() : 3) + 1;
            total += median * steps / exploreSteps * designs * s.seeds() / slots();
        }
        return total;
    }

    private double wallSeconds() {
        return wallBefore + Duration.between(sessionStart, clock.instant()).toMillis() / 1000.0;
    }

    private void saveWall() {
        ObjectNode spend = (ObjectNode) spend();
        spend.put("wall_s", Math.round(wallSeconds() * 10) / 10.0);
        spend.put("experiments", trainedExperiments());
        store.campaigns().updateSpend(campaignId, spend.toString());
    }

    private JsonNode spend() {
        Campaign c = store.campaigns().find(campaignId).orElseThrow();
        JsonNode s = parse(c.spend());
        return s.isObject() ? s : JSON.createObjectNode();
    }

    // ---------------------------------------------------------------- small things

    private void setStatus(CampaignStatus s) {
        store.campaigns().updateStatus(campaignId, s);
        events.status(s);
    }

    private Experiment insert(Experiment e) {
        return store.experiments().insert(e);
    }

    private String newId() {
        return archlab.knowledge.store.Ids.next("exp");
    }

    /** Experiment names carry a per-campaign number (e12-...), the handle people use in the console. */
    private String name(String title) {
        sequence++;
        String slug = title == null ? "" : title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-|-$", "");
        if (slug.length() > 40) {
            slug = slug.substring(0, 40).replaceAll("-$", "");
        }
        return "e" + sequence + (slug.isEmpty() ? "" : "-" + slug);
    }

    private static int sequenceOf(Experiment e) {
        if (e.name() == null || !e.name().startsWith("e")) {
            return 0;
        }
        String digits = e.name().substring(1).split("-", 2)[0];
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException ex) {
            return 0;
        }
    }

    private Experiment experimentOfKey(String key) {
        String id = experimentByKey.get(key);
        return id == null ? null : store.experiments().find(id).orElse(null);
    }

    private String parentId(Expansion x) {
        Experiment p = x.parent() == null ? null : experimentOfKey(x.parent());
        return p == null ? null : p.id();
    }

    private String parentKey(Experiment e) {
        if (e.parentId() == null) {
            return null;
        }
        return store.experiments().find(e.parentId()).map(Experiment::canonicalHash).orElse(null);
    }

    private static Move moveOf(JsonNode extra) {
        String m = extra.path("move").asText(null);
        return m == null || m.isBlank() || "null".equals(m) ? null : Move.parse(m);
    }

    private static Map<String, Double> featuresOf(Experiment e) {
        try {
            return DefinitionFeatures.of(ModelDefinition.parse(e.definition(), e.id() + ".arch"));
        } catch (DefinitionException | RuntimeException ex) {
            return Map.of();
        }
    }

    private CampaignConfig.Stage stage(String name) {
        return config.stages().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElse(config.stages().get(0));
    }

    private CampaignConfig.Stage stageOf(Experiment e) {
        return stage(e.stage() == null ? config.stages().get(0).name() : e.stage());
    }

    private boolean isStageZero(CampaignConfig.Stage s) {
        return s.name().equals(config.stages().get(0).name());
    }

    static boolean isBaseline(Experiment e) {
        return Standings.isBaseline(e);
    }

    private Optional<Double> stageMean(String experimentId, String stage) {
        List<Evaluation> rows = store.evaluations().forExperiment(experimentId).stream()
                .filter(x -> x.stage().equals(stage)).toList();
        CampaignConfig.Stage s = stage(stage);
        if (rows.size() < s.seeds() || rows.stream().anyMatch(x -> !"ok".equals(x.status()))) {
            return Optional.empty();
        }
        double v = meanMetrics(rows).getOrDefault(task.primaryMetric(), Double.NaN);
        return Double.isFinite(v) ? Optional.of(v) : Optional.empty();
    }

    private static double fitnessAt(Experiment e, String stage) {
        return Standings.extra(e).path("fitness").path(stage).path("combined").asDouble(Double.NEGATIVE_INFINITY);
    }

    private static Map<String, Double> meanMetrics(List<Evaluation> rows) {
        Map<String, Double> sum = new LinkedHashMap<>();
        Map<String, Integer> n = new HashMap<>();
        for (Evaluation x : rows) {
            parse(x.metrics()).fields().forEachRemaining(f -> {
                if (f.getValue().isNumber()) {
                    sum.merge(f.getKey(), f.getValue().asDouble(), Double::sum);
                    n.merge(f.getKey(), 1, Integer::sum);
                }
            });
        }
        Map<String, Double> mean = new LinkedHashMap<>();
        sum.forEach((k, v) -> mean.put(k, v / n.get(k)));
        return mean;
    }

    private static double wallOf(Evaluation x) {
        return parse(x.result()).path("wall_s").asDouble(0);
    }

    private static JsonNode parse(String json) {
        try {
            return json == null ? JSON.createObjectNode() : JSON.readTree(json);
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (Exception e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }
}
