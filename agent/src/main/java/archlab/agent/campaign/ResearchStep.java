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
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Insight;
import archlab.knowledge.store.Store;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.DefinitionException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One research step, the only one the campaign runs: where to expand and how (the search), what to
 * try (the planner), the definitions (the coder), which to train (the search's screening), queued for
 * the executor; and, once a result is in, the analyst and the judge.
 *
 * <p>Every role sees the context of the node being expanded, built once: the planner and the coder
 * when they write its children, the analyst and the judge when they read a child's result. So the
 * experiment the analyst explains is always the child, with its results, and "its parent" is the real
 * parent.
 *
 * <p>Every LLM call a step makes is linked: coder calls to the experiment they coded, planner calls
 * and the coding of candidates the search did not choose to the node expanded
 * ({@code llm_call.expanded_id}), from which each child carries an equal share (docs/agents.md).
 */
final class ResearchStep {
    /** How long planning waits before asking a provider that was down again. */
    static final Duration LLM_PAUSE = Duration.ofSeconds(30);

    private final Store store;
    private final String campaignId;
    private final ResearchPolicy policy;
    private final ContextSource contexts;
    private final SearchStrategy search;
    private final CampaignEvents events;
    private final Roster roster;
    private final CampaignDirectives directives;
    private final CampaignSpend spend;

    ResearchStep(Store store, String campaignId, ResearchPolicy policy, ContextSource contexts, SearchStrategy search,
                 CampaignEvents events, Roster roster, CampaignDirectives directives, CampaignSpend spend) {
        this.store = store;
        this.campaignId = campaignId;
        this.policy = policy;
        this.contexts = contexts;
        this.search = search;
        this.events = events;
        this.roster = roster;
        this.directives = directives;
        this.spend = spend;
    }

    /** A proposal that became a checked definition, with what the search needs to judge it. */
    record Draft(String title, Hypothesis hypothesis, ModelDefinition definition, Map<String, Double> features,
                 Proposal proposal, Coding coding, long ledgerFrom, long ledgerTo) {
        String key() {
            return definition.canonicalHash();
        }

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

        List<String> ops() {
            return features.keySet().stream().filter(k -> k.startsWith("op:")).map(k -> k.substring(3)).toList();
        }
    }

    /** Runs one step at {@code stage}; returns how many experiments it queued. */
    int run(CampaignConfig.Stage stage, RunQueue queue) {
        Expansion x = directives.steered(search.next());
        if (x.fresh() && observeBaselineAsRoot()) {
            return 1;
        }
        DirectivesInForce rules = directives.inForce();
        Experiment under = x.parent() == null ? null : roster.experimentOfKey(x.parent());
        Optional<DirectivesInForce.Rule> pruned = under == null || !rules.anyPruned() ? Optional.empty()
                : rules.prunedBy(roster.lineage(under.id()));
        if (pruned.isPresent()) {
            // Screening nothing marks the node spent, so the search stops choosing it.
            search.screen(x, List.of());
            rules.count(pruned.get(), DirectivesInForce.BLOCKED);
            return 0;
        }
        String expanded = under == null ? "root:" + campaignId : under.id();
        long ledgerMark = store.llmCalls().lastId();
        List<Draft> drafts;
        try {
            ResearchContext ctx = x.fresh() ? null : contexts.contextFor(campaignId, under);
            drafts = x.fresh() ? seeds() : plan(x, ctx, under);
            // A move the planner has nothing for (no subroutine mined yet, no failure to refine) must not
            // exhaust the node for every other move: try the others before telling the search.
            for (Move m : Move.values()) {
                if (!drafts.isEmpty() || x.fresh()) {
                    break;
                }
                if (m != x.move()) {
                    Expansion y = new Expansion(x.step(), x.parent(), m, x.references(), x.proposals(), x.evaluations());
                    drafts = plan(y, ctx, under);
                    if (!drafts.isEmpty()) {
                        x = y;
                    }
                }
            }
        } catch (LlmException e) {
            store.llmCalls().link(campaignId, ledgerMark, store.llmCalls().lastId(), null, expanded);
            return llmTrouble(e);
        }
        Map<String, Draft> byKey = new LinkedHashMap<>();
        List<Candidate> candidates = new ArrayList<>();
        for (Draft d : drafts) {
            if (roster.has(d.key()) || byKey.containsKey(d.key()) || trainsAsItsParent(d, under, stage)) {
                continue;
            }
            Optional<DirectivesInForce.Rule> avoided = rules.avoidedBy(d.definition().source(), d.ops(), d.topic());
            if (avoided.isPresent()) {
                rules.count(avoided.get(), DirectivesInForce.REJECTED);
                continue;
            }
            byKey.put(d.key(), d);
            candidates.add(new Candidate(d.key(), d.features()));
        }
        if (candidates.isEmpty() && !drafts.isEmpty() && rules.pin() != null && x.parent() != null) {
            directives.releasePin("nothing new was left to propose under it");
        }
        Screening screening = search.screen(x, candidates);
        String parentId = under == null ? null : under.id();
        for (Screened s : screening.chosen()) {
            Draft d = byKey.get(s.key());
            rules.focusedBy(d.definition().source(), d.ops(), d.topic())
                    .forEach(r -> rules.count(r, DirectivesInForce.FOLLOWED));
            ResearchRecord record = ResearchRecord.proposed(x.fresh() ? ResearchRecord.SEED : ResearchRecord.CHILD,
                    x.move(), x.step(), d.proposal(), d.coding() == null ? null : d.coding().attempts(),
                    new ResearchRecord.Screening(s.prediction().mean(), s.prediction().uncertainty(), s.score(),
                            s.rank(), candidates.size(), screening.screenedOut().size()));
            Experiment e = store.experiments().insert(Experiment.builder(roster.newId(), campaignId).parentId(parentId)
                    .name(roster.name(d.title())).hypothesis(d.hypothesis()).definition(d.definition())
                    .status(ExperimentStatus.QUEUED).stage(stage.name()).extra(record.toJson()).build());
            roster.know(d.key(), e.id(), d.features());
            store.llmCalls().link(campaignId, d.ledgerFrom(), d.ledgerTo(), e.id(), expanded);
            queue.enqueueMissing(e, stage);
            events.queued(e);
        }
        // What is left (the planner, and codings the search did not choose) is the cost of the expansion.
        store.llmCalls().link(campaignId, ledgerMark, store.llmCalls().lastId(), null, expanded);
        return screening.chosen().size();
    }

    /**
     * Whether the draft, with the stage's params in force, is the model its parent is: a change to a
     * param the stage overrides (resizing d when the stage sets d) would train the parent again.
     */
    private static boolean trainsAsItsParent(Draft d, Experiment parent, CampaignConfig.Stage stage) {
        if (parent == null || parent.definition() == null || stage.params().isEmpty()) {
            return false;
        }
        try {
            return atStage(d.definition().source(), stage).equals(atStage(parent.definition(), stage));
        } catch (DefinitionException | RuntimeException e) {
            return false; // it checked without the stage's params; the run will say what the params break
        }
    }

    private static String atStage(String source, CampaignConfig.Stage stage) throws DefinitionException {
        return ModelDefinition.parse(ModelDefinition.withParams(source, "design.arch", stage.params()), "design.arch")
                .canonicalHash();
    }

    /** The planner and the coder on the node the search chose. Failed codings are recorded as failed experiments. */
    private List<Draft> plan(Expansion x, ResearchContext ctx, Experiment node) {
        Direction direction = policy.planner().direct(ctx, x.move());
        List<Proposal> proposals = policy.planner().propose(ctx, direction, x.proposals());
        List<Draft> drafts = new ArrayList<>();
        for (Proposal p : proposals) {
            long from = store.llmCalls().lastId();
            Coding coding = policy.coder().code(ctx, p);
            long to = store.llmCalls().lastId();
            if (!coding.ok()) {
                CodingAttempt last = coding.attempts().isEmpty() ? null : coding.attempts().get(coding.attempts().size() - 1);
                String why = last == null ? "the coder produced nothing"
                        : "no valid definition after " + coding.attempts().size() + " attempts; last, at " + last.stage()
                        + ": " + last.error();
                ResearchRecord record = ResearchRecord.proposed(ResearchRecord.CHILD, x.move(), x.step(), p,
                        coding.attempts(), null);
                Experiment failed = store.experiments().insert(Experiment.builder(roster.newId(), campaignId)
                        .parentId(node == null ? null : node.id()).name(roster.name(p.title()))
                        .hypothesis(p.hypothesis()).status(ExperimentStatus.FAILED).failure("coding", why)
                        .definition(last == null ? null : last.definition(), "archlab", "invalid",
                                last == null ? null : last.error())
                        .extra(record.toJson()).build());
                store.llmCalls().link(campaignId, from, to, failed.id(), node == null ? "root:" + campaignId : node.id());
                events.note("coding failed for \"" + p.title() + "\" after " + coding.attempts().size() + " attempts");
                continue;
            }
            draft(p.title(), p.hypothesis(), coding.checked(), p, coding, from, to).ifPresent(drafts::add);
        }
        return drafts;
    }

    /** The seed definitions not yet in the tree, as fresh candidates. */
    private List<Draft> seeds() {
        List<Draft> drafts = new ArrayList<>();
        for (CampaignConfig.Definition s : directives.config().seeds()) {
            try {
                ModelDefinition d = ModelDefinition.parse(s.source(), "seed.arch");
                draft("seed " + s.origin(), Hypothesis.titled("seed: " + s.origin()), d, null, null, 0, 0)
                        .ifPresent(drafts::add);
            } catch (DefinitionException e) {
                events.note("seed " + s.origin() + " does not check: " + e.getMessage());
            }
        }
        return drafts;
    }

    private static Optional<Draft> draft(String title, Hypothesis h, ModelDefinition d, Proposal p, Coding c,
                                         long from, long to) {
        return Optional.of(new Draft(title, h, d, DefinitionFeatures.of(d), p, c, from, to));
    }

    /**
     * When the baseline is also a seed (the usual start: improve on it), the tree's first root is the
     * baseline's own result, told to the search once instead of being trained twice.
     */
    private boolean observeBaselineAsRoot() {
        Experiment base = store.experiments().list(ExperimentQuery.campaign(campaignId)).stream()
                .filter(e -> ResearchRecord.of(e).isBaseline()).findFirst().orElse(null);
        if (base == null || base.canonicalHash() == null || ResearchRecord.of(base).isObserved()) {
            return false;
        }
        boolean isSeed = directives.config().seeds().stream().anyMatch(s -> {
            try {
                return ModelDefinition.parse(s.source(), "seed.arch").canonicalHash().equals(base.canonicalHash());
            } catch (DefinitionException e) {
                return false;
            }
        });
        if (!isSeed) {
            return false;
        }
        Experiment marked = store.experiments().update(base.toBuilder()
                .extra(ResearchRecord.of(base).markedObserved().toJson()).build());
        roster.observe(search, new Observation(base.canonicalHash(), null, null, features(marked), 0.5, base.id()));
        return true;
    }

    /**
     * The LLM could not plan or code this step. A spent token or money budget ends exploration; a
     * provider that is down pauses planning (the runs in flight go on) until its circuit breaker lets
     * calls through again; anything else costs only this step. The ledger has the details.
     */
    private int llmTrouble(LlmException e) {
        switch (e.kind()) {
            case "budget" -> {
                spend.llmBudgetSpent();
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

    // ---------------------------------------------------------------- after training

    /**
     * The analyst and the judge on a child's result, both in the context of its parent (the node that
     * was expanded), with the child as the experiment read. Stores the analysis, its insight and the
     * judge's scores; returns the scores, or null without a judge or when it failed.
     */
    JudgeScore review(Experiment result) {
        Experiment parent = result.parentId() == null ? null
                : store.experiments().find(result.parentId()).orElse(null);
        ResearchContext ctx = contexts.contextFor(campaignId, parent);
        try {
            Analysis a = policy.analyst().analyse(ctx, result);
            store.experiments().update(store.experiments().find(result.id()).orElse(result).toBuilder()
                    .analysis(StageResults.json(a)).build());
            if (a.insight() != null && !a.insight().isBlank()) {
                store.insights().insert(Insight.of(campaignId, a.insight(), List.of(result.id()), a.paperIds()));
            }
        } catch (RuntimeException ex) {
            events.note("the analyst failed on " + result.name() + ": " + ex.getMessage());
        }
        if (policy.judge() == null) {
            return null;
        }
        try {
            // Novelty is judged against what is like the child, not the parent.
            return policy.judge().judge(ctx.withSimilar(contexts.similarTo(campaignId, result)), result);
        } catch (RuntimeException ex) {
            events.note("the judge failed on " + result.name() + ": " + ex.getMessage());
            return null;
        }
    }

    static Map<String, Double> features(Experiment e) {
        try {
            return DefinitionFeatures.of(ModelDefinition.parse(e.definition(), e.id() + ".arch"));
        } catch (DefinitionException | RuntimeException ex) {
            return Map.of();
        }
    }
}
