package archlab.agent.research;

import archlab.agent.llm.LlmException;
import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Ids;
import archlab.knowledge.store.Insight;
import archlab.knowledge.store.Store;
import archlab.knowledge.store.StoreException;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.worker.EvaluationResult;
import archlab.sandbox.worker.Protocol;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One research step for one node of the tree, start to finish, with every result written to the
 * store as soon as it exists:
 * <ol>
 *   <li>the context of the node ({@link ContextSource});</li>
 *   <li>the planner's direction for the chosen move, then K hypotheses along it;</li>
 *   <li>the novelty gate: hypotheses that repeat the campaign's are sent back to the planner once,
 *       with the reasons; those still repeating are stored as {@code pruned}, failure {@code novelty};</li>
 *   <li>the coder on each hypothesis: the experiment is stored as {@code coding} first, then with its
 *       definition ({@code queued}), or as {@code failed} with failure kind {@code coding}; every
 *       attempt is kept in its {@code extra} JSON under {@code coding_attempts};</li>
 *   <li>training of each coded experiment ({@link Training}): metrics, curves, costs, the failure,
 *       and an evaluation row for the stage;</li>
 *   <li>the analyst on each trained experiment: the analysis as JSON, its insight as an
 *       {@link Insight} linked to the experiment and its paper notes; then the judge, if the policy has
 *       one, into {@code extra.judge}, apart from fitness.</li>
 * </ol>
 * When a model cannot be asked any more (LLM budget spent, provider down), the step stops asking:
 * what was coded is still trained and stored, and {@link Step#interruption()} says why. Any other
 * LLM failure costs only the hypothesis or the analysis it happened in.
 */
public final class ResearchCycle {
    /** LLM failures that stop the step's LLM work rather than one hypothesis. */
    private static final Set<String> STOPPING = Set.of("budget", "unavailable");
    private static final ObjectMapper JSON = Protocol.mapper();

    /**
     * @param hypotheses      K, the hypotheses asked of the planner per step
     * @param stage           the fidelity stage the step trains at, recorded on experiments and evaluations
     * @param rewriteRejected whether hypotheses the novelty gate rejects go back to the planner once
     */
    public record Settings(int hypotheses, String stage, boolean rewriteRejected) {
        public static final Settings DEFAULT = new Settings(3, "explore", true);

        public Settings {
            if (hypotheses < 1) {
                throw new IllegalArgumentException("hypotheses per step must be at least 1, got " + hypotheses);
            }
            Objects.requireNonNull(stage, "stage");
        }
    }

    /**
     * What one step did. {@code experiments} are as stored at the end, in the order they were created:
     * pruned ones first, then one per accepted hypothesis. {@code interruption} is the LLM failure that
     * stopped the step, or null.
     */
    public record Step(String campaignId, String nodeId, Move move, Direction direction, List<Proposal> accepted,
                       List<NoveltyGate.Rejection> rejected, List<Experiment> experiments, List<Insight> insights,
                       LlmException interruption) {
        public Step {
            accepted = List.copyOf(accepted);
            rejected = List.copyOf(rejected);
            experiments = List.copyOf(experiments);
            insights = List.copyOf(insights);
        }

        public boolean interrupted() {
            return interruption != null;
        }
    }

    private final Store store;
    private final ContextSource contexts;
    private final ResearchPolicy policy;
    private final NoveltyGate novelty;
    private final Training training;
    private final Settings settings;

    public ResearchCycle(Store store, ContextSource contexts, ResearchPolicy policy, NoveltyGate novelty,
                         Training training, Settings settings) {
        this.store = Objects.requireNonNull(store, "store");
        this.contexts = Objects.requireNonNull(contexts, "contexts");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.novelty = Objects.requireNonNull(novelty, "novelty");
        this.training = Objects.requireNonNull(training, "training");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** Runs one step: expands {@code node} (null: a new root from the seeds) with {@code move}. */
    public Step run(String campaignId, Experiment node, Move move) {
        String nodeId = node == null ? null : node.id();
        ResearchContext context = contexts.contextFor(campaignId, node);

        // 1. Direction and hypotheses. Without them there is nothing to do.
        Direction direction;
        List<Proposal> proposals;
        try {
            direction = policy.planner().direct(context, move);
            proposals = policy.planner().propose(context, direction, settings.hypotheses());
        } catch (LlmException e) {
            return new Step(campaignId, nodeId, move, null, List.of(), List.of(), List.of(), List.of(), e);
        }

        // 2. Novelty: repeats go back to the planner once, with the reasons.
        LlmException interruption = null;
        NoveltyGate.Screening screening = novelty.screen(campaignId, proposals);
        List<Proposal> accepted = new ArrayList<>(screening.accepted());
        List<NoveltyGate.Rejection> rejected = new ArrayList<>(screening.rejected());
        if (settings.rewriteRejected() && !rejected.isEmpty()) {
            try {
                List<Proposal> rewritten = policy.planner().propose(context, avoiding(direction, rejected), rejected.size());
                List<Proposal> again = new ArrayList<>(accepted);
                for (Proposal p : rewritten) {
                    again.add(new Proposal(p.title(), p.motivation(), p.expectedEffect(), p.metric(), p.risk(),
                            direction, p.plan()));
                }
                NoveltyGate.Screening second = novelty.screen(campaignId, again);
                accepted = new ArrayList<>(second.accepted());
                rejected.addAll(second.rejected());
            } catch (LlmException e) {
                if (STOPPING.contains(e.kind())) {
                    interruption = e;
                }
            }
        }
        List<Experiment> experiments = new ArrayList<>();
        for (NoveltyGate.Rejection r : rejected) {
            experiments.add(store.experiments().insert(pruned(campaignId, nodeId, r)));
        }

        // 3. Code each hypothesis; each becomes an experiment, coded or failed.
        List<Experiment> coded = new ArrayList<>();
        for (Proposal p : accepted) {
            if (interruption != null) {
                break;
            }
            Experiment e = store.experiments().insert(proposed(campaignId, nodeId, p));
            Coding coding;
            try {
                coding = policy.coder().code(context, p);
            } catch (CodingInterruptedException ex) {
                coding = ex.partial();
                e = codingFailed(e, coding, ex.kind() + ": " + ex.getMessage());
                if (STOPPING.contains(ex.kind())) {
                    interruption = ex;
                }
                experiments.add(e);
                continue;
            }
            e = coded(e, coding);
            experiments.add(e);
            if (e.status() == ExperimentStatus.QUEUED) {
                coded.add(e);
            }
        }

        // 4. Train the coded ones. Needs no model, so it happens even after an interruption.
        List<Experiment> trained = new ArrayList<>();
        for (Experiment e : coded) {
            store.experiments().updateStatus(e.id(), ExperimentStatus.TRAINING);
            Experiment done = trained(e, training.train(e.id(), e.definition()));
            trained.add(done);
            replace(experiments, done);
        }

        // 5. Analyse (and judge) each trained one against its parent, grandparent and best siblings.
        List<Insight> insights = new ArrayList<>();
        ResearchContext family = withSiblings(context, trained);
        for (Experiment e : trained) {
            if (interruption != null) {
                break;
            }
            try {
                Analysis a = policy.analyst().analyse(family, e);
                e = store.experiments().update(e.toBuilder().analysis(json(analysisJson(a))).build());
                if (a.insight() != null && !a.insight().isBlank()) {
                    insights.add(store.insights().insert(Insight.of(campaignId, a.insight().strip(), List.of(e.id()),
                            a.paperIds())));
                }
                if (policy.optionalJudge().isPresent()) {
                    JudgeScore s = policy.optionalJudge().get().judge(family, e);
                    ObjectNode judge = JSON.createObjectNode().put("novelty", s.novelty())
                            .put("complexity", s.complexity()).put("soundness", s.soundness())
                            .put("rationale", s.rationale());
                    e = store.experiments().update(e.toBuilder().extra(withExtra(e.extra(), "judge", judge)).build());
                }
            } catch (LlmException ex) {
                ObjectNode error = JSON.createObjectNode().put("kind", ex.kind()).put("message", ex.getMessage());
                e = store.experiments().update(e.toBuilder().extra(withExtra(e.extra(), "analysis_error", error))
                        .build());
                if (STOPPING.contains(ex.kind())) {
                    interruption = ex;
                }
            }
            replace(experiments, e);
        }
        return new Step(campaignId, nodeId, move, direction, accepted, rejected, experiments, insights, interruption);
    }

    // ---- the experiment at each stage ----

    private Experiment proposed(String campaignId, String parentId, Proposal p) {
        ObjectNode extra = JSON.createObjectNode();
        extra.set("direction", directionJson(p.direction()));
        extra.set("proposal", JSON.createObjectNode().put("metric", p.metric()).put("risk", p.risk())
                .set("plan", JSON.valueToTree(p.plan())));
        return Experiment.builder(Ids.next("exp"), campaignId).parentId(parentId).hypothesis(p.hypothesis())
                .status(ExperimentStatus.CODING).stage(settings.stage()).extra(json(extra)).build();
    }

    private Experiment pruned(String campaignId, String parentId, NoveltyGate.Rejection r) {
        ObjectNode extra = JSON.createObjectNode();
        extra.set("direction", directionJson(r.proposal().direction()));
        extra.put("repeats", r.repeats()).put("similarity", r.similarity());
        return Experiment.builder(Ids.next("exp"), campaignId).parentId(parentId)
                .hypothesis(r.proposal().hypothesis()).status(ExperimentStatus.PRUNED).stage(settings.stage())
                .failure("novelty", r.reason()).extra(json(extra)).build();
    }

    /** The coder's result on the stored experiment: queued with its definition, or failed. */
    private Experiment coded(Experiment e, Coding coding) {
        if (!coding.ok()) {
            CodingAttempt last = coding.attempts().isEmpty() ? null : coding.attempts().get(coding.attempts().size() - 1);
            String why = last == null ? "the coder made no attempt"
                    : "no valid definition after " + coding.attempts().size() + " attempt(s); the last stopped at "
                      + last.stage() + ": " + last.error();
            return codingFailed(e, coding, why);
        }
        Experiment.Builder b = e.toBuilder().extra(withExtra(e.extra(), "coding_attempts", attemptsJson(coding)));
        try {
            ModelDefinition d = ModelDefinition.parse(coding.definition(), CodingGate.FILE);
            b.definition(d).name(d.name()).status(ExperimentStatus.QUEUED);
        } catch (DefinitionException ex) {
            // A coder that calls a definition valid when it is not: record it as the coding failure it is.
            return codingFailed(e, coding, "the coder returned a definition that does not check: " + ex.getMessage());
        }
        try {
            return store.experiments().update(b.build());
        } catch (StoreException ex) {
            if (!ex.isUniqueViolation()) {
                throw ex;
            }
            // Another worker stored the same definition since the gate looked.
            return store.experiments().update(e.toBuilder().definition(coding.definition(), Experiment.LANGUAGE_ARCHLAB,
                            Experiment.CHECK_DUPLICATE, "the same canonical hash as another experiment of the campaign")
                    .status(ExperimentStatus.FAILED).failure("duplicate", "stored by another worker meanwhile")
                    .extra(withExtra(e.extra(), "coding_attempts", attemptsJson(coding))).build());
        }
    }

    /**
     * A failed coding: the last attempt's definition (as checked, without a hash, since it is not a
     * new experiment of the campaign), failure kind {@code coding}, every attempt in {@code extra}.
     */
    private Experiment codingFailed(Experiment e, Coding coding, String why) {
        Experiment.Builder b = e.toBuilder().status(ExperimentStatus.FAILED).failure("coding", why)
                .extra(withExtra(e.extra(), "coding_attempts", attemptsJson(coding)));
        if (!coding.attempts().isEmpty()) {
            CodingAttempt last = coding.attempts().get(coding.attempts().size() - 1);
            boolean checks = last.definition() != null && ModelDefinition.check(last.definition(), CodingGate.FILE).ok();
            b.definition(last.definition(), Experiment.LANGUAGE_ARCHLAB,
                    checks ? Experiment.CHECK_OK : Experiment.CHECK_INVALID, checks ? null : last.error());
        }
        return store.experiments().update(b.build());
    }

    private Experiment trained(Experiment e, EvaluationResult r) {
        String task = r.task();
        Experiment.Builder b = e.toBuilder()
                .status(r.ok() ? ExperimentStatus.DONE : ExperimentStatus.FAILED)
                .wallSeconds(r.wallSeconds());
        if (task != null && r.metrics() != null) {
            b.metrics(json(JSON.createObjectNode().set(task, JSON.valueToTree(r.metrics()))));
        }
        if (task != null && r.curve() != null) {
            b.curves(json(JSON.createObjectNode().set(task, JSON.valueToTree(r.curve()))));
        }
        if (r.params() != null) {
            b.params(r.params());
        }
        if (r.flopsPerToken() != null) {
            b.flopsPerToken(r.flopsPerToken());
        }
        if (!r.ok()) {
            b.failure(r.failure().kind(), SandboxSmokeTrainer.describe(r.failure()));
        }
        Experiment stored = store.experiments().update(b.build());
        int seed = r.config() == null ? 0 : (int) r.config().seed();
        store.evaluations().upsert(Evaluation.of(e.id(), settings.stage(), seed, r.status(),
                r.metrics() == null ? null : json(JSON.valueToTree(r.metrics())),
                r.curve() == null ? null : json(JSON.valueToTree(r.curve())), json(JSON.valueToTree(r))));
        return stored;
    }

    // ---- helpers of the step ----

    /** The direction again, with the rejected hypotheses and why, so the planner writes different ones. */
    private static Direction avoiding(Direction d, List<NoveltyGate.Rejection> rejected) {
        StringBuilder s = new StringBuilder(d.summary()).append("\n\nThese hypotheses repeat earlier ones; write "
                + "different ideas instead:");
        for (NoveltyGate.Rejection r : rejected) {
            s.append("\n- \"").append(r.proposal().title()).append("\": ").append(r.reason());
        }
        return new Direction(d.move(), s.toString(), d.references());
    }

    /** The context with this step's trained experiments added to the siblings, for the analyst. */
    private static ResearchContext withSiblings(ResearchContext c, List<Experiment> trained) {
        List<Experiment> siblings = new ArrayList<>(c.siblings());
        siblings.addAll(trained);
        return new ResearchContext(c.campaignId(), c.task(), c.node(), c.grandparent(), siblings, c.references(),
                c.seeds(), c.papers(), c.similar(), c.subroutines(), c.directives());
    }

    private static void replace(List<Experiment> list, Experiment e) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).id().equals(e.id())) {
                list.set(i, e);
                return;
            }
        }
        list.add(e);
    }

    private static ObjectNode directionJson(Direction d) {
        ObjectNode n = JSON.createObjectNode().put("move", d.move().id()).put("summary", d.summary());
        n.set("references", JSON.valueToTree(d.references()));
        return n;
    }

    private static ArrayNode attemptsJson(Coding coding) {
        ArrayNode a = JSON.createArrayNode();
        for (CodingAttempt t : coding.attempts()) {
            a.addObject().put("number", t.number()).put("stage", t.stage()).put("error", t.error())
                    .put("definition", t.definition());
        }
        return a;
    }

    private static ObjectNode analysisJson(Analysis a) {
        ObjectNode n = JSON.createObjectNode()
                .put("design_evaluation", a.designEvaluation())
                .put("results", a.results())
                .put("expectation_vs_reality", a.expectationVsReality())
                .put("explanation", a.explanation())
                .put("insight", a.insight());
        n.set("paper_ids", JSON.valueToTree(a.paperIds()));
        n.set("diagnoses", JSON.valueToTree(a.diagnoses()));
        return n;
    }

    /** {@code extra} (JSON text or null) with one more key. */
    private static String withExtra(String extra, String key, JsonNode value) {
        ObjectNode n;
        try {
            n = extra == null ? JSON.createObjectNode() : (ObjectNode) JSON.readTree(extra);
        } catch (JsonProcessingException | ClassCastException e) {
            n = JSON.createObjectNode();
            n.put("extra_unreadable", extra);
        }
        n.set(key, value);
        return json(n);
    }

    private static String json(JsonNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }
}
