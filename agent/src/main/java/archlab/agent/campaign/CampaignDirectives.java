package archlab.agent.campaign;

import archlab.agent.research.Move;
import archlab.agent.search.Expansion;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Directive;
import archlab.knowledge.store.DirectiveStatus;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Store;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.DefinitionException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * The person's directives, applied and replayed in one place. {@link #steer} applies the ones that
 * arrived since the last look, at a step boundary; {@link #replay} rebuilds their standing effect after
 * a restart. Both go through the same code per directive, so a directive added here is added once.
 * The campaign file as directives changed it ({@link #config()}) lives here too, and
 * {@link #budgetInForce} is the one computation of the budget in force that the console reuses.
 */
public final class CampaignDirectives {
    private final Store store;
    private final String campaignId;
    private final CampaignEvents events;
    private final Roster roster;
    private final int executorSlots;
    private final Consumer<CampaignStatus> status;
    private final DirectivesInForce inForce = new DirectivesInForce();
    private CampaignConfig config;
    /** The config as the file and the directives have it, before the budget plan scales the later stages. */
    private CampaignConfig asDirected;
    private RunQueue queue;
    private IntSupplier stageNow = () -> 0;
    private boolean stop;

    CampaignDirectives(CampaignConfig config, Store store, String campaignId, CampaignEvents events, Roster roster,
                       int executorSlots, Consumer<CampaignStatus> status) {
        this.config = config;
        this.asDirected = config;
        this.store = store;
        this.campaignId = campaignId;
        this.events = events;
        this.roster = roster;
        this.executorSlots = executorSlots;
        this.status = status;
    }

    /** What directives act on: the run queue, and the stage running now. */
    void attach(RunQueue queue, IntSupplier stageNow) {
        this.queue = queue;
        this.stageNow = stageNow;
    }

    CampaignConfig config() {
        return config;
    }

    DirectivesInForce inForce() {
        return inForce;
    }

    boolean paused() {
        return inForce.paused();
    }

    boolean stopRequested() {
        return stop;
    }

    /** Runs at once: the executor's slots, or fewer when a directive says so. */
    int slots() {
        Integer w = inForce.workers();
        return w == null ? executorSlots : Math.max(1, Math.min(w, executorSlots));
    }

    /** Why a directive cannot apply, in words for the console. */
    private static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    // ---------------------------------------------------------------- applying

    /**
     * Applies the directives that arrived since the last look, in order, then writes what the ones in
     * force have done. Called at every step boundary (each wait for a result), so a directive takes
     * effect between two steps, never inside one.
     */
    void steer() {
        List<Directive> pending;
        try {
            pending = store.directives().pending(campaignId);
        } catch (RuntimeException e) {
            events.note("could not read directives: " + e.getMessage());
            return;
        }
        for (Directive d : pending) {
            apply(d);
        }
        for (long id : inForce.takeDirty()) {
            store.directives().recordEffect(id, inForce.effect(id));
        }
    }

    private void apply(Directive d) {
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
            if (s instanceof Steering.Idea idea) {
                structured = new Steering.Idea(idea.text(), parentFor(idea.parent()).id()).toJson();
            }
            String outcome = effect(d, Steering.fromJson(structured), false);
            store.directives().resolve(d.id(), DirectiveStatus.APPLIED, structured, outcome);
            events.note("directive #" + d.seq() + " applied: " + outcome);
        } catch (Refused e) {
            reject(d, e.getMessage());
        }
    }

    /**
     * The effect of one directive on the standing state, and what it did in words. With {@code replay},
     * nothing it did to the store is done again (an injected experiment is stored, pruned ones are
     * marked), and a stop is not replayed, since resuming is how a person undoes it.
     */
    private String effect(Directive d, Steering s, boolean replay) {
        if (s instanceof Steering.Focus f) {
            inForce.focus(d, f.target());
            return "the planner prefers " + f.target();
        } else if (s instanceof Steering.Avoid a) {
            inForce.avoid(d, a.target());
            return "no later candidate that uses or names " + a.target() + " is trained";
        } else if (s instanceof Steering.Unpin) {
            inForce.unpin();
            return "the search chooses freely again";
        } else if (s instanceof Steering.Idea idea) {
            inForce.idea(d, idea.parent(), idea.text());
            return "the next step expands " + nameOf(idea.parent()) + " with this idea";
        } else if (s instanceof Steering.Prune p) {
            String id = replay ? p.experiment() : ownExperiment(p.experiment()).id();
            inForce.prune(d, id);
            int dropped = replay ? 0 : dropPruned();
            return "no new children under " + nameOf(id) + (dropped == 0 ? ""
                    : "; " + dropped + " queued experiment" + (dropped == 1 ? "" : "s") + " in the branch pruned");
        } else if (s instanceof Steering.Pin p) {
            String id = p.experiment();
            if (!replay) {
                Experiment e = ownExperiment(id);
                if (e.canonicalHash() == null) {
                    throw new Refused(e.name() + " has no valid definition to expand");
                }
                id = e.id();
            }
            inForce.pin(d, id);
            return "every step expands " + nameOf(id) + " until /unpin";
        } else if (s instanceof Steering.Budget b) {
            config = withBudget(config, b);
            asDirected = withBudget(asDirected, b);
            return "budget now " + describeBudget(config.budget());
        } else if (s instanceof Steering.Seeds seeds) {
            int index = stageIndex(seeds.stage());
            if (!replay && index <= stageNow.getAsInt()) {
                throw new Refused("stage " + seeds.stage() + " has already started; seeds can change only for a"
                        + " stage still to come");
            }
            if (index > 0) {
                config = withSeeds(config, seeds);
                asDirected = withSeeds(asDirected, seeds);
            }
            return "stage " + seeds.stage() + " will train each design with " + seeds.seeds() + " seeds";
        } else if (s instanceof Steering.Workers w) {
            inForce.workers(w.count());
            return w.count() <= executorSlots ? "training " + w.count() + " at once"
                    : "training " + executorSlots + " at once (the executor's " + executorSlots
                    + "); all " + w.count() + " after archlab resume";
        } else if (s instanceof Steering.Pause) {
            inForce.paused(true);
            if (!replay) {
                status.accept(CampaignStatus.PAUSED);
            }
            return "paused: no new runs start; " + (queue == null ? 0 : queue.inFlight()) + " in flight finish";
        } else if (s instanceof Steering.Resume) {
            inForce.paused(false);
            if (!replay) {
                status.accept(CampaignStatus.RUNNING);
            }
            return "running again";
        } else if (s instanceof Steering.Stop) {
            if (!replay) {
                stop = true;
            }
            int n = queue == null ? 0 : queue.inFlight();
            return "stopping: " + n + " run" + (n == 1 ? "" : "s") + " in flight finish first";
        } else if (s instanceof Steering.Revoke r) {
            if (replay) {
                return "revoked";
            }
            Directive target = store.directives().list(campaignId).stream().filter(x -> x.seq() == r.seq())
                    .findFirst().orElseThrow(() -> new Refused("there is no directive #" + r.seq()));
            Optional<String> gone = target.status() == DirectiveStatus.APPLIED ? inForce.revoke(r.seq())
                    : Optional.empty();
            if (gone.isEmpty()) {
                throw new Refused("directive #" + r.seq() + " (" + target.status().dbValue()
                        + ") has no standing effect to revoke");
            }
            store.directives().revoke(target.id(), "revoked by #" + d.seq());
            return "withdrew " + gone.get();
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
        String known = roster.experimentIdOf(def.canonicalHash());
        if (known != null) {
            throw new Refused("the campaign already has this design: " + nameOf(known));
        }
        Experiment parent = parentFor(inject.parent());
        CampaignConfig.Stage first = config.stages().get(0);
        ResearchRecord record = ResearchRecord.ofRole(ResearchRecord.CHILD).withDirective(d.id(), d.seq());
        Experiment e = Experiment.builder(roster.newId(), campaignId).parentId(parent.id())
                .name(roster.name(inject.title()))
                .hypothesis(new Hypothesis(inject.title(), inject.motivation(), null))
                .definition(def).status(ExperimentStatus.QUEUED).stage(first.name())
                .extra(record.toJson()).build();
        String outcome = e.name() + " queued next, under " + parent.name();
        String structured = new Steering.Inject(inject.definition(), parent.id(), inject.title(), inject.motivation())
                .toJson();
        // The experiment and the directive's resolution land together: a crash leaves both or neither.
        store.inTransaction(tx -> {
            tx.experiments().insert(e);
            tx.directives().resolve(d.id(), DirectiveStatus.APPLIED, structured, outcome);
            return null;
        });
        roster.know(def.canonicalHash(), e.id());
        List<RunQueue.Job> jobs = new ArrayList<>();
        for (int seed = 0; seed < first.seeds(); seed++) {
            jobs.add(new RunQueue.Job(e.id(), first.name(), seed, e.definition()));
        }
        queue.addFirst(jobs);
        events.queued(e);
        events.note("directive #" + d.seq() + " applied: " + outcome);
    }

    private void reject(Directive d, String why) {
        store.directives().resolve(d.id(), DirectiveStatus.REJECTED, d.structured(), why);
        events.note("directive #" + d.seq() + " rejected: " + why);
    }

    /** Rebuilds the standing effect of the applied directives, in their order, after a restart. */
    void replay() {
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
            boolean spentIdea = s instanceof Steering.Idea i && (i.parent() == null
                    || d.effect() != null && d.effect().contains(DirectivesInForce.EXPANDED));
            boolean firstStageSeeds = s instanceof Steering.Seeds seeds && !config.stages().isEmpty()
                    && config.stages().get(0).name().equals(seeds.stage());
            if (s instanceof Steering.Inject || s instanceof Steering.Stop || s instanceof Steering.Revoke || spentIdea
                    || firstStageSeeds) {
                continue;
            }
            inForce.restore(d);
            try {
                effect(d, s, true);
            } catch (Refused e) {
                continue;
            }
            replayed.add("#" + d.seq() + " " + s.describe());
        }
        if (!replayed.isEmpty()) {
            events.note("resumed: " + replayed.size() + " directive" + (replayed.size() == 1 ? "" : "s")
                    + " in force again: " + String.join("; ", replayed));
        }
        if (inForce.paused()) {
            status.accept(CampaignStatus.PAUSED);
            events.note("paused by a directive: /resume in archlab console to continue");
        }
    }

    // ---------------------------------------------------------------- what directives ask of a step

    /** A pin or a pending idea overrides where the search expands. */
    Expansion steered(Expansion x) {
        DirectivesInForce.Rule rule = inForce.idea() != null ? inForce.idea() : inForce.pin();
        if (rule == null) {
            return x;
        }
        Experiment e = store.experiments().find(rule.target()).orElse(null);
        if (e == null || e.canonicalHash() == null || !roster.isObserved(e.canonicalHash())) {
            return x;   // still training (or never trained): the search has no node for it yet
        }
        if (rule == inForce.idea()) {
            inForce.ideaTaken();
            inForce.note(rule.directive(), DirectivesInForce.EXPANDED + " at step " + x.step());
        } else {
            inForce.count(rule, DirectivesInForce.EXPANDED);
        }
        Move move = x.move() != null ? x.move() : e.status() == ExperimentStatus.FAILED ? Move.REFINE : Move.MUTATE;
        return new Expansion(x.step(), e.canonicalHash(), move, x.references(), x.proposals(), x.evaluations());
    }

    void releasePin(String why) {
        DirectivesInForce.Rule pin = inForce.pin();
        inForce.unpin();
        inForce.note(pin.directive(), "released: " + why);
        events.note("pin released: " + why);
    }

    /** Queued experiments in a pruned branch leave the queue, marked pruned; returns how many. */
    private int dropPruned() {
        Set<String> gone = new LinkedHashSet<>();
        for (RunQueue.Job j : queue.waiting()) {
            Experiment e = store.experiments().find(j.experimentId()).orElse(null);
            if (e == null || ResearchRecord.of(e).isBaseline() || e.status() != ExperimentStatus.QUEUED) {
                continue;
            }
            inForce.prunedBy(roster.lineage(e.id())).ifPresent(r -> {
                if (gone.add(e.id())) {
                    inForce.count(r, DirectivesInForce.DROPPED);
                }
            });
        }
        queue.removeIf(j -> gone.contains(j.experimentId()));
        for (String id : gone) {
            store.experiments().compareAndSetStatus(id, ExperimentStatus.QUEUED, ExperimentStatus.PRUNED);
        }
        return gone.size();
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

    private String nameOf(String experimentId) {
        return store.experiments().find(experimentId).map(Experiment::name).orElse(experimentId);
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

    // ---------------------------------------------------------------- the budget in force

    /**
     * The campaign file's budget with the applied budget directives over it, in their order: what
     * the loop enforces and what the console's {@code /budget} shows.
     */
    public static CampaignConfig.Budget budgetInForce(CampaignConfig.Budget fromFile, List<Directive> directives) {
        CampaignConfig.Budget b = fromFile;
        for (Directive d : directives) {
            if (d.status() != DirectiveStatus.APPLIED || d.structured() == null || d.structured().isBlank()) {
                continue;
            }
            try {
                if (Steering.fromJson(d.structured()) instanceof Steering.Budget nb) {
                    b = withBudget(b, nb);
                }
            } catch (IllegalArgumentException e) {
                // not a directive this version reads; the loop ignores it too
            }
        }
        return b;
    }

    static CampaignConfig.Budget withBudget(CampaignConfig.Budget old, Steering.Budget b) {
        return new CampaignConfig.Budget(b.experiments() != null ? b.experiments() : old.experiments(),
                b.wallClockSeconds() != null ? Duration.ofSeconds(b.wallClockSeconds()) : old.wallClock(), old.tokens(),
                old.money());
    }

    static CampaignConfig withBudget(CampaignConfig c, Steering.Budget b) {
        return new CampaignConfig(c.name(), c.description(), c.seed(), c.tasks(), c.baseline(), c.seeds(),
                withBudget(c.budget(), b), c.policy(), c.llm(), c.strategy(), c.search(), c.stages(), c.workers(),
                c.output(), c.store(), c.slurm(), c.schedule());
    }

    static CampaignConfig withSeeds(CampaignConfig c, Steering.Seeds seeds) {
        List<CampaignConfig.Stage> stages = new ArrayList<>();
        for (CampaignConfig.Stage s : c.stages()) {
            stages.add(s.name().equals(seeds.stage()) ? new CampaignConfig.Stage(s.name(), s.steps(), seeds.seeds(),
                    s.batchSize(), s.params(), s.promote()) : s);
        }
        return c.withStages(stages);
    }

    /** The later stages as the campaign file and the directives have them, before any budget plan. */
    List<CampaignConfig.Stage> laterAsDirected() {
        return asDirected.stages().subList(1, asDirected.stages().size());
    }

    /** The later stages as the budget plan scaled them; none of them has started. */
    void planLaterStages(List<CampaignConfig.Stage> later) {
        List<CampaignConfig.Stage> stages = new ArrayList<>();
        stages.add(config.stages().get(0));
        for (CampaignConfig.Stage s : config.stages().subList(1, config.stages().size())) {
            stages.add(later.stream().filter(l -> l.name().equals(s.name())).findFirst().orElse(s));
        }
        config = config.withStages(stages);
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
    static Integer workersDirected(Store store, String campaignId) {
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
}
