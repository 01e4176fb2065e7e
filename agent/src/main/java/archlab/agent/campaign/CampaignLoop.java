package archlab.agent.campaign;

import archlab.agent.research.ContextSource;
import archlab.agent.research.JudgeScore;
import archlab.agent.research.ResearchPolicy;
import archlab.agent.search.Observation;
import archlab.agent.search.SearchStrategy;
import archlab.evaluators.fitness.FitnessWeights;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Store;
import archlab.sandbox.task.Task;
import archlab.sandbox.task.Tasks;
import archlab.sandbox.train.Failure;
import archlab.sandbox.worker.EvaluationResult;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The campaign loop, top to bottom: the baseline, then research steps while the budget lasts, then
 * the later stages that verify the best designs with more steps and seeds.
 *
 * <p>One coordinator thread owns the search, the policy and every store write; the run queue's slots
 * train in parallel and hand their results back. The coordinator plans the next step while the slots
 * train, so LLM work and training overlap. Each part owns its state: {@link ResearchStep} (plan, code,
 * screen, analyse, judge), {@link RunQueue} (runs waiting and in flight, the watchdog, the executor),
 * {@link StageResults} (means, fitness, leaks, promotion), {@link CampaignDirectives} (the person's
 * directives) and {@link CampaignSpend} (the budget).
 *
 * <p>Exactly-once: an experiment is written (queued) before it is trained, each (stage, seed) result
 * is written as it arrives, and an experiment is finished only once all of its results are in. A
 * resumed campaign re-trains only what has no result yet, finishes what has all of them, and asks
 * the LLM again only through its replay cache.
 */
public final class CampaignLoop {
    /** Runs lost to a crashed worker process are trained again this many times before the crash is their result. */
    static final int CRASH_RETRIES = 1;
    /** The measured run time moves this much (a fraction) before the budget plan is made again. */
    private static final double REPLAN_CHANGE = 0.25;

    private final Store store;
    private final String campaignId;
    private final ResearchPolicy policy;
    private final SearchStrategy search;
    private final CampaignEvents events;
    private final BooleanSupplier stopRequested;
    private final Task task;
    private final Roster roster;
    private final CampaignDirectives directives;
    private final CampaignSpend spend;
    private final StageResults results;
    private final RunQueue queue;
    private final ResearchStep step;
    /** The stage running now, as an index into the config's stages. */
    private int stageNow;
    /**
     * Experiments whose every seed has a result but that were never finished (the process died between
     * the last result's write and the experiment's), by stage: they are finished once that stage's
     * baseline is known, since their fitness is relative to it.
     */
    private final Map<String, List<String>> resultsUnfinished = new LinkedHashMap<>();
    /** The budget plan in force, revised when the first stage's measured run time moves by a quarter. */
    private BudgetPlan plan;

    public CampaignLoop(CampaignConfig config, Store store, String campaignId, ResearchPolicy policy,
                        ContextSource contexts, SearchStrategy search, Executor executor, CampaignEvents events,
                        BooleanSupplier stopRequested, Clock clock) {
        Objects.requireNonNull(config, "config");
        this.store = store;
        this.campaignId = campaignId;
        this.policy = policy;
        this.search = search;
        this.events = events;
        this.stopRequested = stopRequested;
        this.task = Tasks.create(config.primaryTask().name(), config.primaryTask().options());
        this.roster = new Roster(store, campaignId);
        this.directives = new CampaignDirectives(config, store, campaignId, events, roster, executor.slots(),
                this::setStatus);
        this.spend = new CampaignSpend(store, campaignId, clock, directives::config, task.defaultSteps());
        this.results = new StageResults(store, campaignId, task, directives::config, FitnessWeights.DEFAULT);
        this.queue = new RunQueue(executor, store, events, task, directives::config, directives::slots,
                config.deterministic(), spend::secondsLeft);
        this.directives.attach(queue, () -> stageNow);
        this.step = new ResearchStep(store, campaignId, policy, contexts, search, events, roster, directives, spend);
    }

    /** Runs (or resumes) the campaign until its budget is spent or it is asked to stop; returns its final status. */
    public CampaignStatus run() throws InterruptedException {
        spend.start();
        setStatus(CampaignStatus.RUNNING);
        recover();
        directives.replay();
        List<CampaignConfig.Stage> planned = spend.plannedStages(directives.config());
        if (!planned.isEmpty()) {
            directives.planLaterStages(planned);
        }
        try {
            List<CampaignConfig.Stage> stages = directives.config().stages();
            CampaignConfig.Stage explore = stages.get(0);
            baseline(explore);
            events.stage(explore.name(), "exploring with " + search.name() + " search, " + policy.name() + " policy");
            explore(explore);
            for (int i = 1; i < stages.size() && !stopping(); i++) {
                stageNow = i;
                verify(directives.config().stages().get(i - 1), directives.config().stages().get(i));
            }
            drain();
            CampaignStatus end = stopping() ? CampaignStatus.STOPPED : CampaignStatus.DONE;
            if (end == CampaignStatus.DONE && queue.pastDeadline()) {
                leaveUntrained();
            }
            setStatus(end);
            return end;
        } catch (CampaignFailedException e) {
            setStatus(CampaignStatus.FAILED);
            throw e;
        } finally {
            spend.save();
            queue.close();
        }
    }

    // ---------------------------------------------------------------- resume

    /**
     * Puts the store back into a state the loop can continue from: known designs, the experiment
     * counter, and every experiment that was queued or training when the last process died back in
     * the queue. A training run in flight restarts from scratch (no checkpoints).
     */
    private void recover() {
        for (Experiment e : store.experiments().list(ExperimentQuery.campaign(campaignId))) {
            roster.know(e);
            if (e.status() == ExperimentStatus.TRAINING) {
                store.experiments().updateStatus(e.id(), ExperimentStatus.QUEUED);
            }
        }
        int requeued = 0;
        // A definition injected from the console was promised the next slot; it keeps it across a restart.
        List<Experiment> waiting = new ArrayList<>(store.experiments().list(ExperimentQuery.campaign(campaignId)
                .statuses(ExperimentStatus.QUEUED, ExperimentStatus.TRAINING)));
        waiting.sort(Comparator.comparing((Experiment e) -> ResearchRecord.of(e).directiveId() == null));
        for (Experiment e : waiting) {
            int missing = queue.enqueueMissing(e, stageOf(e));
            if (missing == 0) {
                resultsUnfinished.computeIfAbsent(stageOf(e).name(), k -> new ArrayList<>()).add(e.id());
            }
            requeued += missing;
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
        Set<String> known = new HashSet<>();
        store.searchStats().nodes(campaignId).forEach(n -> known.add(n.key()));
        known.forEach(roster::observed);
        String first = directives.config().stages().get(0).name();
        int told = 0;
        for (Experiment e : store.experiments().list(ExperimentQuery.campaign(campaignId)
                .statuses(ExperimentStatus.DONE, ExperimentStatus.FAILED, ExperimentStatus.PARTIAL))) {
            ResearchRecord r = ResearchRecord.of(e);
            if (r.isBaseline() || e.canonicalHash() == null || known.contains(e.canonicalHash())
                    || "coding".equals(e.failureKind())) {
                continue;
            }
            if (r.fitnessAt(first).isEmpty() && e.status() == ExperimentStatus.DONE) {
                continue;
            }
            Double f = e.status() == ExperimentStatus.DONE ? StageResults.fitnessAt(e, first) : null;
            roster.observe(search, new Observation(e.canonicalHash(), roster.parentKey(e), r.designMove(),
                    roster.features(e), f == null || !Double.isFinite(f) ? null : f, e.id()));
            told++;
        }
        if (told > 0) {
            events.note("resumed: told the search " + told + " result" + (told == 1 ? "" : "s") + " it had not recorded");
        }
    }

    // ---------------------------------------------------------------- stages

    /**
     * The baseline at a stage: trained once per seed, its mean metric fixes that stage's fitness. False
     * when the wall-clock deadline came first at a later stage (which then is not run).
     */
    private boolean baseline(CampaignConfig.Stage stage) throws InterruptedException {
        CampaignConfig config = directives.config();
        Experiment base = store.experiments().list(ExperimentQuery.campaign(campaignId)).stream()
                .filter(CampaignLoop::isBaseline).findFirst().orElse(null);
        if (base == null) {
            base = store.experiments().insert(Experiment.builder(roster.newId(), campaignId).name(roster.name("baseline"))
                    .hypothesis(Hypothesis.titled("baseline: " + config.baseline().origin()))
                    .checkedDefinition(config.baseline().source()).status(ExperimentStatus.QUEUED).stage(stage.name())
                    .extra(ResearchRecord.ofRole(ResearchRecord.BASELINE).toJson()).build());
            if (!base.trainable()) {
                throw new CampaignFailedException("the baseline does not check: " + base.definitionErrors());
            }
            roster.know(base);
        }
        String id = base.id();
        Optional<Double> known = results.mean(id, stage.name());
        if (known.isEmpty()) {
            events.stage(stage.name(), "training the baseline (" + stage.seeds() + " seed" + (stage.seeds() == 1 ? "" : "s") + ")");
            if (base.status() != ExperimentStatus.QUEUED) {
                store.experiments().updateStatus(id, ExperimentStatus.QUEUED);
            }
            // Everything the stage needs, including a seed that failed before (a resume after a crash retries it).
            for (int seed = 0; seed < stage.seeds(); seed++) {
                boolean ok = store.evaluations().find(id, stage.name(), seed).map(x -> "ok".equals(x.status())).orElse(false);
                if (!ok && !queue.has(id, stage.name(), seed)) {
                    queue.add(new RunQueue.Job(id, stage.name(), seed, base.definition()));
                }
            }
            while (results.mean(id, stage.name()).isEmpty()) {
                if (!queue.dispatch(directives.paused()) && queue.inFlight() == 0 && !directives.paused()) {
                    break;
                }
                awaitOne();
            }
            known = results.mean(id, stage.name());
        }
        if (known.isEmpty() && queue.pastDeadline()) {
            if (isFirstStage(stage)) {
                throw new CampaignFailedException("the wall-clock budget ran out before the baseline finished at stage "
                        + stage.name() + "; raise budget.wall_clock or train fewer steps at " + stage.name());
            }
            store.experiments().updateStatus(id, ExperimentStatus.DONE); // as it was after the stage before
            return false;
        }
        double value = known.orElseThrow(() -> new CampaignFailedException("the baseline failed at stage "
                + stage.name() + "; see archlab show for its failure"));
        results.baseline(stage.name(), value);
        events.note(String.format(Locale.ROOT, "baseline %s at %s: %s %.4f", config.baseline().origin(), stage.name(),
                task.primaryMetric(), value));
        for (String unfinished : resultsUnfinished.getOrDefault(stage.name(), List.of())) {
            events.note("resumed: " + nameOf(unfinished) + " had all of its results at " + stage.name()
                    + " but was never finished; finishing it");
            finishIfComplete(unfinished, stage.name());
        }
        resultsUnfinished.remove(stage.name());
        return true;
    }

    /**
     * Prints and keeps what the budget affords at the first stage's measured speed, scaling the later
     * stages down when they would leave exploration too few children (BudgetPlan).
     */
    private void plan(String revised) {
        CampaignConfig.Stage first = directives.config().stages().get(0);
        var median = queue.medianSeconds(first.name());
        if (median.isEmpty() || stageNow > 0) {
            return;
        }
        List<CampaignConfig.Stage> filed = new ArrayList<>(List.of(first));
        filed.addAll(directives.laterAsDirected()); // the plan scales from these, never from its own
        BudgetPlan p = BudgetPlan.of(directives.config().withStages(filed), median.getAsDouble(), directives.slots(),
                task.defaultSteps(), spend.trainedExperiments(), spend.wallSeconds());
        directives.planLaterStages(p.stages());
        String text = p.text(first.name());
        events.note("plan" + revised + ": " + text);
        spend.plan(p, text);
        spend.save();
        plan = p;
    }

    /** At the deadline, designs still waiting for their first run are closed as never trained, and said so. */
    private void leaveUntrained() {
        int n = 0;
        for (Experiment e : store.experiments().list(ExperimentQuery.campaign(campaignId)
                .statuses(ExperimentStatus.QUEUED))) {
            if (!isBaseline(e) && store.evaluations().forExperiment(e.id()).isEmpty()) {
                store.experiments().update(e.toBuilder().status(ExperimentStatus.PRUNED)
                        .failure("budget", "not trained: the wall-clock budget ran out before its first run").build());
                n++;
            }
        }
        if (n > 0) {
            events.note("the wall-clock budget ran out with " + n + " design" + (n == 1 ? "" : "s") + " never trained");
        }
    }

    /** The search's stage: plan while the slots train, until the budget is spent. */
    private void explore(CampaignConfig.Stage stage) throws InterruptedException {
        if (plan == null) {
            plan("");
        }
        int emptySteps = 0;
        while (!stopping() && !spend.exhausted(queue, directives.slots())) {
            if (directives.paused()) {
                awaitOne();
                continue;
            }
            while (queue.hasFreeSlot() && !queue.isEmpty() && queue.dispatch(false)) {
                spend.changed();
            }
            if (queue.hasFreeSlot() && queue.isEmpty() && spend.canPlan(queue)) {
                int chosen = step.run(stage, queue);
                emptySteps = chosen == 0 ? emptySteps + 1 : 0;
                if (emptySteps >= 50) {
                    events.note("the search proposed nothing new in 50 steps; ending exploration");
                    break;
                }
                continue;
            }
            if (queue.inFlight() == 0 && queue.isEmpty()) {
                break;
            }
            awaitOne();
        }
        String why = stopping() ? "the campaign was asked to stop" : spend.exhaustedBy(queue, directives.slots());
        if (why == null && !spend.canPlan(queue)) {
            why = "the experiment budget (" + directives.config().budget().experiments() + ") is planned in full";
        }
        if (why != null) {
            events.stage(stage.name(), "exploration ends: " + why);
        }
        List<CampaignConfig.Stage> stages = directives.config().stages();
        if (!stopping() && stages.size() > 1) {
            // While the last runs finish, idle slots train the next stage's baseline: it needs nothing from this one.
            queueBaselineRuns(stages.get(1));
        }
        while (queue.inFlight() > 0) {
            while (queue.dispatch(directives.paused())) {
                spend.changed();
            }
            awaitOne();
        }
    }

    /** The baseline's runs at {@code stage} that have no good result and are not queued or training yet. */
    private void queueBaselineRuns(CampaignConfig.Stage stage) {
        Experiment base = store.experiments().list(ExperimentQuery.campaign(campaignId)).stream()
                .filter(CampaignLoop::isBaseline).findFirst().orElse(null);
        if (base == null || results.mean(base.id(), stage.name()).isPresent()) {
            return;
        }
        for (int seed = 0; seed < stage.seeds(); seed++) {
            boolean ok = store.evaluations().find(base.id(), stage.name(), seed).map(x -> "ok".equals(x.status()))
                    .orElse(false);
            if (!ok && !queue.has(base.id(), stage.name(), seed)) {
                queue.add(new RunQueue.Job(base.id(), stage.name(), seed, base.definition()));
            }
        }
    }

    /** A later stage: promote the best of the stage before, train the baseline and them with this stage's seeds. */
    private void verify(CampaignConfig.Stage before, CampaignConfig.Stage stage) throws InterruptedException {
        if (!baseline(stage)) {
            events.stage(stage.name(), "not run: the wall-clock deadline came before its baseline finished");
            return;
        }
        List<Experiment> promoted = results.promote(before, stage.promote());
        events.stage(stage.name(), "verifying " + promoted.size() + " design" + (promoted.size() == 1 ? "" : "s")
                + " with " + stage.seeds() + " seed" + (stage.seeds() == 1 ? "" : "s"));
        for (Experiment e : promoted) {
            if (results.mean(e.id(), stage.name()).isEmpty()) {
                queue.enqueueMissing(e, stage);
            }
        }
        while ((!queue.isEmpty() || queue.inFlight() > 0) && !stopping()) {
            while (queue.dispatch(directives.paused())) {
                spend.changed();
            }
            if (queue.inFlight() == 0 && queue.pastDeadline()) {
                events.stage(stage.name(), "cut short: the wall-clock deadline came with " + queue.waiting().size()
                        + " run" + (queue.waiting().size() == 1 ? "" : "s") + " not started");
                break;
            }
            awaitOne();
        }
    }

    private void drain() throws InterruptedException {
        while (queue.inFlight() > 0) {
            awaitOne();
        }
    }

    // ---------------------------------------------------------------- results

    /** Applies directives, then waits for one finished run and records it; false when none came within a second. */
    private boolean awaitOne() throws InterruptedException {
        directives.steer();
        RunQueue.Finished f = queue.poll();
        spend.save();
        if (f == null) {
            return false;
        }
        record(f.job(), f.result());
        return true;
    }

    /** Writes one run's result; once an experiment has all of its stage's results, finishes it. */
    private void record(RunQueue.Job job, EvaluationResult r) {
        spend.changed();
        if (queue.cappedByDeadline(job) && EvaluationResult.TIMEOUT.equals(r.failureKind())) {
            Failure f = r.failure();
            r = r.withFailure(new Failure(EvaluationResult.DEADLINE, "stopped at the campaign's wall-clock deadline "
                    + "(budget wall_clock " + CampaignSpend.text(directives.config().budget().wallClock()) + ")"
                    + (f.step() == null ? " before its first step" : " at step " + f.step() + " of "
                    + (r.config() == null ? "?" : r.config().steps())), f.node(), f.stage(), f.step(), f.stderrTail()));
        }
        if (EvaluationResult.CRASH.equals(r.failureKind()) && job.attempt() < CRASH_RETRIES && !stopping()) {
            // A worker process that died (killed, out of memory on the host, a native crash) says little about
            // the design; one more run tells an accident from a design that crashes every time.
            events.note(nameOf(job.experimentId()) + ": its worker crashed (" + clipped(r) + "); training it again");
            queue.addFirst(List.of(new RunQueue.Job(job.experimentId(), job.stage(), job.seed(), job.definition(),
                    job.attempt() + 1)));
            store.experiments().compareAndSetStatus(job.experimentId(), ExperimentStatus.TRAINING, ExperimentStatus.QUEUED);
            return;
        }
        store.evaluations().upsert(Evaluation.of(job.experimentId(), job.stage(), job.seed(),
                r.partial() ? StageResults.PARTIAL : r.status(),
                StageResults.json(r.metrics()), StageResults.json(r.curve()), StageResults.json(r)));
        finishIfComplete(job.experimentId(), job.stage());
        if (stageNow == 0 && job.stage().equals(directives.config().stages().get(0).name())) {
            var median = queue.medianSeconds(job.stage());
            if (median.isPresent() && (plan == null || Math.abs(median.getAsDouble() - plan.runSeconds())
                    > REPLAN_CHANGE * plan.runSeconds())) {
                plan(plan == null ? "" : " revised");
            }
        }
    }

    /** Once an experiment has all of its stage's results: its fitness, the review, the search told. */
    private void finishIfComplete(String experimentId, String stageName) {
        Optional<List<Evaluation>> all = results.complete(experimentId, stageName);
        if (all.isEmpty()) {
            return;
        }
        CampaignConfig.Stage stage = stage(stageName);
        boolean first = isFirstStage(stage);
        Experiment e = store.experiments().find(experimentId).orElseThrow();
        Experiment measured = results.finish(e, stage, all.get(), queue.watchdogArmed(stage.name()), first);
        if (isBaseline(measured)) {
            return;
        }
        if (first) {
            // The analyst and the judge read the measured result; the judge's verdict then takes its share of fitness.
            JudgeScore judge = step.review(measured);
            measured = judge == null ? store.experiments().find(measured.id()).orElse(measured)
                    : results.rescore(store.experiments().find(measured.id()).orElse(measured), stage.name(), judge);
            Double f = measured.status() == ExperimentStatus.DONE ? measured.fitness() : null;
            roster.observe(search, new Observation(measured.canonicalHash() == null ? measured.id()
                    : measured.canonicalHash(), roster.parentKey(measured), ResearchRecord.of(measured).designMove(),
                    roster.features(measured), f, measured.id()));
        }
        Long directive = ResearchRecord.of(measured).directiveId();
        if (directive != null) {
            directives.inForce().note(directive, measured.name() + " " + measured.status().dbValue() + " at "
                    + stage.name() + (measured.fitness() == null ? ""
                    : String.format(Locale.ROOT, ", fitness %.3f", measured.fitness())));
        }
        events.finished(store.experiments().find(measured.id()).orElse(measured));
    }

    // ---------------------------------------------------------------- small things

    /**
     * The worker count the campaign's applied directives ask for last, or null: a resumed campaign sizes
     * its executor to it, since a running one can only go below the pool it started with.
     */
    public static Integer workersDirected(Store store, String campaignId) {
        return CampaignDirectives.workersDirected(store, campaignId);
    }

    private boolean stopping() {
        return directives.stopRequested() || stopRequested.getAsBoolean();
    }

    private void setStatus(CampaignStatus s) {
        store.campaigns().updateStatus(campaignId, s);
        events.status(s);
    }

    private String nameOf(String experimentId) {
        return store.experiments().find(experimentId).map(Experiment::name).orElse(experimentId);
    }

    private static String clipped(EvaluationResult r) {
        String m = r.failure() == null ? "" : String.valueOf(r.failure().message());
        return m.length() <= 160 ? m : m.substring(0, 160) + "…";
    }

    private CampaignConfig.Stage stage(String name) {
        return directives.config().stage(name);
    }

    private CampaignConfig.Stage stageOf(Experiment e) {
        return stage(e.stage() == null ? directives.config().stages().get(0).name() : e.stage());
    }

    private boolean isFirstStage(CampaignConfig.Stage s) {
        return s.name().equals(directives.config().stages().get(0).name());
    }

    static boolean isBaseline(Experiment e) {
        return ResearchRecord.of(e).isBaseline();
    }
}
