package archlab.agent.research;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.llm.LlmException;
import archlab.agent.research.llm.LlmPolicy;
import archlab.knowledge.similarity.MiniLmTextEmbedder;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Insight;
import archlab.knowledge.store.Store;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.StandardLibrary;
import archlab.sandbox.train.TrainConfig;
import archlab.sandbox.worker.Limits;
import archlab.sandbox.worker.Sandbox;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One research step end to end: a real store in a temporary folder, the LLM policy answered by a
 * script, the real novelty gate (all-MiniLM-L6-v2) and real training in a sandbox worker on a tiny
 * MQAR setting.
 */
class ResearchCycleTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String LANGUAGE = LlmPolicy.readLanguageReference(ScriptedLlm.promptsFolder());

    static Sandbox sandbox;

    @TempDir
    Path dir;
    Store store;
    Campaign campaign;
    Experiment parent;
    ScriptedLlm llm;

    @BeforeAll
    static void startSandbox() {
        sandbox = Sandbox.builder().workers(1).threads(1).build();
    }

    @AfterAll
    static void closeSandbox() {
        sandbox.close();
    }

    @BeforeEach
    void open() {
        store = Store.openRunFolder(dir);
        campaign = store.campaigns().insert(Campaign.create("cycle", "", "llm"));
        parent = store.experiments().insert(Fixtures.parent(campaign.id()));
        store.experiments().insert(Experiment.builder("exp-tried", campaign.id()).parentId(parent.id())
                .hypothesis(new Hypothesis("Sharper keys", NoveltyGateTest.TRIED, null))
                .status(ExperimentStatus.FAILED).failure("diverged", "NaN at step 4").build());
        llm = new ScriptedLlm();
    }

    @AfterEach
    void close() {
        store.close();
    }

    ResearchCycle cycle(SmokeTrainer smoke, int maxAttempts) {
        NoveltyGate novelty = new NoveltyGate(store.experiments(), new MiniLmTextEmbedder(), NoveltyGate.DEFAULT_THRESHOLD);
        CodingGate gate = new CodingGate(smoke, novelty);
        ResearchPolicy policy = LlmPolicy.builder(llm, gate).languageReference(LANGUAGE).maxAttempts(maxAttempts)
                .build();
        ContextSource contexts = (cid, node) -> {
            ResearchContext f = Fixtures.context(cid);
            return new ResearchContext(cid, "mqar", node, null, f.siblings(), List.of(), List.of(), f.papers(),
                    f.similar(), f.subroutines(), f.directives());
        };
        return new ResearchCycle(store, contexts, policy, novelty, training(), ResearchCycle.Settings.DEFAULT);
    }

    /** 20 steps of batch 8 on tiny MQAR, a curve point every 5 steps. */
    static Training training() {
        return SandboxTraining.builder(sandbox, "mqar").options(CodingGateTest.TINY_MQAR)
                .config(TrainConfig.builder().steps(20).batchSize(8).evalBatches(2).curveEvery(5).build())
                .limits(Limits.UNSET.withWallSeconds(120)).threads(1).build();
    }

    static String hypothesis(String title, String motivation, String... requires) {
        var h = JSON.createObjectNode().put("title", title).put("motivation", motivation)
                .put("expected_effect", "accuracy up").put("metric", "accuracy").put("risk", "none known");
        var r = h.putArray("requires");
        for (String s : requires) {
            r.add(s);
        }
        return h.toString();
    }

    static String definition(String source) {
        return JSON.createObjectNode().put("definition", source).put("notes", "n").toString();
    }

    static String analysis(String insight, String... papers) {
        var a = JSON.createObjectNode().put("design_evaluation", "A clean test.")
                .put("results", "accuracy measured on tiny MQAR").put("expectation_vs_reality", "as expected")
                .put("explanation", "the mechanism explains it").put("insight", insight);
        var p = a.putArray("paper_ids");
        for (String s : papers) {
            p.add(s);
        }
        a.putArray("diagnoses").add("recall-limited");
        return a.toString();
    }

    @Test
    void oneStepPlansScreensCodesRepairsTrainsAnalysesAndStoresEverything() throws Exception {
        llm.reply("planner-direction", "{\"summary\": \"Sharpen the keys and try exact attention.\", "
                        + "\"references\": [\"short-conv\"]}")
           .reply("planner-hypotheses", "{\"hypotheses\": [" + String.join(", ",
                   hypothesis("Short conv on q and k", "Convolving q and k over a few steps lets the linear state "
                           + "separate keys that the parent confuses.", "short_conv"),
                   hypothesis("Convolved keys", NoveltyGateTest.PARAPHRASE),
                   hypothesis("Softmax attention", "Exact attention over the whole context is the upper bound on "
                           + "recall that linear attention approximates.", "softmax_attention")) + "]}")
           // the rewrite of the rejected one
           .reply("planner-hypotheses", "{\"hypotheses\": [" + hypothesis("Delta rule", NoveltyGateTest.DIFFERENT,
                   "delta_rule") + "]}")
           // short conv: invalid, then repaired
           .reply("coder-write", definition(Fixtures.CHILD_INVALID))
           .reply("coder-repair", definition(Fixtures.CHILD_CONV))
           // softmax: valid at once
           .reply("coder-write", definition(Fixtures.CHILD_SOFTMAX))
           // delta rule: never valid (the required block is missing, then a shape error)
           .reply("coder-write", definition(Fixtures.CHILD_CONV.replace("o = linear_attention(q, k, v)",
                   "o = taylor_attention(q, k, v)")))
           .reply("coder-repair", definition(Fixtures.CHILD_INVALID.replace("linear_attention", "delta_rule")))
           .reply("analyst", analysis("Short convolutions on q and k help linear attention recall.", "short-conv",
                   "not-retrieved"))
           .reply("judge", "{\"novelty\": 0.3, \"complexity\": 0.2, \"soundness\": 0.8, \"rationale\": \"Known trick.\"}")
           .reply("analyst", analysis(""))
           .reply("judge", "{\"novelty\": 0.1, \"complexity\": 0.3, \"soundness\": 0.9, \"rationale\": \"Baseline.\"}");

        ResearchCycle.Step step = cycle(SandboxSmokeTrainer.forTask(sandbox, "mqar", CodingGateTest.TINY_MQAR), 2)
                .run(campaign.id(), parent, Move.APPLY_INSIGHT);

        // The step's record.
        assertThat(step.interrupted()).isFalse();
        assertThat(step.nodeId()).isEqualTo(parent.id());
        assertThat(step.direction().references()).containsExactly("short-conv");
        assertThat(step.accepted()).extracting(Proposal::title)
                .containsExactly("Short conv on q and k", "Softmax attention", "Delta rule");
        assertThat(step.rejected()).singleElement().satisfies(r -> {
            assertThat(r.proposal().title()).isEqualTo("Convolved keys");
            assertThat(r.repeats()).isEqualTo("exp-tried");
        });
        assertThat(llm.unused()).isZero();
        assertThat(llm.calls("planner-hypotheses").get(1).prompt())
                .contains("These hypotheses repeat earlier ones; write different ideas instead:\n- \"Convolved keys\": "
                        + "repeats experiment exp-tried");

        // What the store holds: the pruned repeat, two trained children and one failed coding.
        List<Experiment> children = store.experiments().children(parent.id());
        assertThat(children).extracting(e -> e.hypothesis().title()).containsExactly("Sharper keys", "Convolved keys",
                "Short conv on q and k", "Softmax attention", "Delta rule");
        assertThat(step.experiments()).extracting(Experiment::id)
                .containsExactlyElementsOf(children.subList(1, 5).stream().map(Experiment::id).toList());

        Experiment pruned = children.get(1);
        assertThat(pruned.status()).isEqualTo(ExperimentStatus.PRUNED);
        assertThat(pruned.failureKind()).isEqualTo("novelty");
        assertThat(pruned.failureMessage()).startsWith("repeats experiment exp-tried \"Sharper keys\"");
        assertThat(pruned.definition()).isNull();

        Experiment conv = children.get(2);
        assertThat(conv.status()).isEqualTo(ExperimentStatus.DONE);
        assertThat(conv.stage()).isEqualTo("explore");
        assertThat(conv.name()).isEqualTo("tiny_la_conv");
        assertThat(conv.hypothesis().motivation()).startsWith("Convolving q and k");
        assertThat(conv.hypothesis().expectedEffect()).isEqualTo("accuracy up (metric: accuracy)");
        assertThat(conv.definition()).isEqualTo(Fixtures.CHILD_CONV);
        assertThat(conv.canonicalHash()).isEqualTo(ModelDefinition.parse(Fixtures.CHILD_CONV, "x.arch").canonicalHash());
        assertThat(conv.trainable()).isTrue();
        // the count of the model as trained, at the task's vocabulary of 32
        assertThat(conv.params()).isEqualTo(ModelDefinition.parse(Fixtures.CHILD_CONV, "x.arch",
                StandardLibrary.library(), Map.of("vocab", 32, "seq_len", 16)).parameterCount());
        JsonNode metrics = JSON.readTree(conv.metrics()).get("mqar");
        assertThat(metrics.get("accuracy").asDouble()).isBetween(0.0, 1.0);
        assertThat(metrics.get("loss").asDouble()).isPositive();
        JsonNode curve = JSON.readTree(conv.curves()).get("mqar");
        assertThat(curve.size()).isGreaterThanOrEqualTo(4); // every 5 steps, and at each evaluation
        assertThat(curve.get(curve.size() - 1).get("step").asInt()).isEqualTo(20);
        assertThat(curve.get(curve.size() - 1).at("/eval/accuracy").asDouble()).isEqualTo(metrics.get("accuracy").asDouble());
        assertThat(conv.wallSeconds()).isPositive();
        JsonNode extra = JSON.readTree(conv.extra());
        assertThat(extra.at("/direction/move").asText()).isEqualTo("apply_insight");
        assertThat(extra.at("/proposal/plan/requires").asText()).isEqualTo("short_conv");
        JsonNode attempts = extra.get("coding_attempts");
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(0).get("stage").asText()).isEqualTo("check");
        assertThat(attempts.get(0).get("error").asText()).startsWith("candidate.arch:10:34: error [shape-mismatch]");
        assertThat(attempts.get(0).get("definition").asText()).isEqualTo(Fixtures.CHILD_INVALID);
        assertThat(attempts.get(1).get("stage").asText()).isEqualTo("ok");
        assertThat(extra.at("/judge/novelty").asDouble()).isEqualTo(0.3);
        assertThat(extra.at("/judge/rationale").asText()).isEqualTo("Known trick.");
        JsonNode analysis = JSON.readTree(conv.analysis());
        assertThat(analysis.get("explanation").asText()).isEqualTo("the mechanism explains it");
        assertThat(analysis.get("paper_ids").toString()).isEqualTo("[\"short-conv\"]");
        assertThat(analysis.get("diagnoses").toString()).isEqualTo("[\"recall-limited\"]");
        Evaluation ev = store.evaluations().find(conv.id(), "explore", 0).orElseThrow();
        assertThat(ev.status()).isEqualTo("ok");
        assertThat(JSON.readTree(ev.result()).get("steps_done").asInt()).isEqualTo(20);

        Experiment softmax = children.get(3);
        assertThat(softmax.status()).isEqualTo(ExperimentStatus.DONE);
        assertThat(JSON.readTree(softmax.extra()).get("coding_attempts")).hasSize(1);

        Experiment delta = children.get(4);
        assertThat(delta.status()).isEqualTo(ExperimentStatus.FAILED);
        assertThat(delta.failureKind()).isEqualTo("coding");
        assertThat(delta.failureMessage()).startsWith("no valid definition after 2 attempt(s); the last stopped at check:");
        assertThat(delta.canonicalHash()).isNull();
        assertThat(delta.definitionCheck()).isEqualTo(Experiment.CHECK_INVALID);
        assertThat(delta.metrics()).isNull();
        assertThat(delta.analysis()).isNull(); // nothing was trained, so nothing to analyse
        JsonNode deltaAttempts = JSON.readTree(delta.extra()).get("coding_attempts");
        assertThat(deltaAttempts).extracting(a -> a.get("stage").asText()).containsExactly("intent", "check");
        assertThat(deltaAttempts.get(0).get("error").asText()).contains("needs delta_rule");

        // One insight (the second analysis had none), linked to its experiment and the retrieved paper only.
        List<Insight> insights = store.insights().forCampaign(campaign.id());
        assertThat(insights).singleElement().satisfies(i -> {
            assertThat(i.text()).isEqualTo("Short convolutions on q and k help linear attention recall.");
            assertThat(i.experimentIds()).containsExactly(conv.id());
            assertThat(i.paperIds()).containsExactly("short-conv");
        });
        assertThat(step.insights()).hasSize(1);
        assertThat(store.experiments().count(ExperimentQuery.campaign(campaign.id()))).isEqualTo(6);
    }

    @Test
    void aBudgetSpentWhileCodingStopsTheStepButKeepsWhatWasMade() throws Exception {
        llm.reply("planner-direction", "{\"summary\": \"Try exact attention.\", \"references\": []}")
           .reply("planner-hypotheses", "{\"hypotheses\": [" + String.join(", ",
                   hypothesis("Softmax attention", "Exact attention is the upper bound on recall.", "softmax_attention"),
                   hypothesis("Short conv on q and k", "Local context separates keys.", "short_conv")) + "]}")
           .reply("coder-write", definition(Fixtures.CHILD_SOFTMAX))
           .reply("coder-write", definition(Fixtures.CHILD_INVALID))
           .fail("coder-repair", new LlmException("budget", "the campaign's token budget is spent"));

        ResearchCycle.Step step = cycle(SmokeTrainer.SKIP, 3).run(campaign.id(), parent, Move.MUTATE);

        assertThat(step.interrupted()).isTrue();
        assertThat(step.interruption().kind()).isEqualTo("budget");
        assertThat(llm.unused()).isZero(); // no analyst was asked after the budget was spent
        assertThat(step.experiments()).extracting(Experiment::status)
                .containsExactly(ExperimentStatus.DONE, ExperimentStatus.FAILED);
        Experiment trained = step.experiments().get(0);
        assertThat(trained.metrics()).contains("accuracy");
        assertThat(trained.analysis()).isNull();
        Experiment stopped = store.experiments().find(step.experiments().get(1).id()).orElseThrow();
        assertThat(stopped.failureKind()).isEqualTo("coding");
        assertThat(stopped.failureMessage()).startsWith("budget: coding \"Short conv on q and k\" stopped after 1 attempt(s)");
        assertThat(JSON.readTree(stopped.extra()).get("coding_attempts")).hasSize(1);
    }

    @Test
    void aRootExpansionStartsFromTheSeeds() throws Exception {
        llm.reply("planner-direction", "{\"summary\": \"Start from exact attention.\", \"references\": []}")
           .reply("planner-hypotheses", "{\"hypotheses\": [" + hypothesis("Softmax attention",
                   "Exact attention is the upper bound on recall.") + "]}")
           .reply("coder-write", definition(Fixtures.CHILD_SOFTMAX))
           .reply("analyst", analysis("Exact attention recalls."))
           .reply("judge", "{\"novelty\": 0.0, \"complexity\": 0.1, \"soundness\": 1.0, \"rationale\": \"A baseline.\"}");
        ContextSource seeds = (cid, node) -> new ResearchContext(cid, "mqar", null, null, null, null,
                List.of(Fixtures.PARENT), null, null, null, null);
        NoveltyGate novelty = new NoveltyGate(store.experiments(), null, 0.9);
        ResearchCycle root = new ResearchCycle(store, seeds, LlmPolicy.builder(llm, new CodingGate(SmokeTrainer.SKIP,
                novelty)).languageReference(LANGUAGE).build(), novelty, training(), ResearchCycle.Settings.DEFAULT);

        ResearchCycle.Step step = root.run(campaign.id(), null, Move.MUTATE);

        assertThat(step.nodeId()).isNull();
        Experiment e = step.experiments().get(0);
        assertThat(e.parentId()).isNull();
        assertThat(e.status()).isEqualTo(ExperimentStatus.DONE);
        assertThat(llm.calls("coder-write").get(0).prompt()).contains("No parent: this step starts a new root")
                .contains("Seed 1:\narch tiny_la");
        assertThat(store.insights().forExperiment(e.id())).extracting(Insight::text).containsExactly("Exact attention recalls.");
    }

    @Test
    void aPlannerThatCannotAnswerLeavesNothingBehind() {
        llm.fail("planner-direction", new LlmException("unavailable", "circuit open: the provider is down"));

        ResearchCycle.Step step = cycle(SmokeTrainer.SKIP, 3).run(campaign.id(), parent, Move.MUTATE);

        assertThat(step.interruption()).hasMessage("circuit open: the provider is down");
        assertThat(step.direction()).isNull();
        assertThat(step.experiments()).isEmpty();
        assertThat(store.experiments().count(ExperimentQuery.campaign(campaign.id()))).isEqualTo(2);
    }

    @Test
    void anAnalysisThatFailsIsRecordedAndTheStepGoesOn() throws Exception {
        String empty = analysis("").replace("\"the mechanism explains it\"", "\"\"");
        llm.reply("planner-direction", "{\"summary\": \"Try exact attention.\", \"references\": []}")
           .reply("planner-hypotheses", "{\"hypotheses\": [" + hypothesis("Softmax attention",
                   "Exact attention is the upper bound on recall.") + "]}")
           .reply("coder-write", definition(Fixtures.CHILD_SOFTMAX))
           .reply("analyst", empty).reply("analyst", empty);

        ResearchCycle.Step step = cycle(SmokeTrainer.SKIP, 3).run(campaign.id(), parent, Move.MUTATE);

        assertThat(step.interrupted()).isFalse();
        Experiment e = step.experiments().get(0);
        assertThat(e.status()).isEqualTo(ExperimentStatus.DONE);
        assertThat(e.analysis()).isNull();
        JsonNode error = JSON.readTree(e.extra()).get("analysis_error");
        assertThat(error.get("kind").asText()).isEqualTo("malformed");
        assertThat(error.get("message").asText()).contains("the results and the explanation must not be empty");
        assertThat(llm.calls("judge")).isEmpty();
        assertThat(Map.of("calls", llm.calls().size())).containsEntry("calls", 5);
    }
}
