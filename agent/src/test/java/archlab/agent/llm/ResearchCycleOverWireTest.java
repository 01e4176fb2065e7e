package archlab.agent.llm;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.research.CodingAttempt;
import archlab.agent.research.CodingGate;
import archlab.agent.research.ContextSource;
import archlab.agent.research.Direction;
import archlab.agent.research.Fixtures;
import archlab.agent.research.Move;
import archlab.agent.research.NoveltyGate;
import archlab.agent.research.Proposal;
import archlab.agent.research.ResearchContext;
import archlab.agent.research.ResearchCycle;
import archlab.agent.research.ResearchPolicy;
import archlab.agent.research.SandboxTraining;
import archlab.agent.research.SmokeTrainer;
import archlab.agent.research.llm.LlmPolicy;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.LlmCall;
import archlab.sandbox.train.TrainConfig;
import archlab.sandbox.worker.Limits;
import archlab.sandbox.worker.Sandbox;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One research step, planner → coder → sandbox → analyst, with every role's model answered by
 * WireMock in the provider's own wire format, through the real LLM layer (retries, schema checks,
 * ledger, replay cache) and the real prompt templates of {@code prompts/}. The first definition the
 * coder writes does not check; the repair prompt quotes the error and the second one trains in a
 * real sandbox worker. A second pass with the same prompts is answered entirely by the replay cache.
 */
class ResearchCycleOverWireTest extends WireMockLlmTest {
    static final Path REAL_PROMPTS = Path.of("../prompts");
    static Sandbox sandbox;

    @BeforeAll
    static void startSandbox() {
        sandbox = Sandbox.builder().workers(1).threads(1).build();
    }

    @AfterAll
    static void closeSandbox() {
        sandbox.close();
    }

    /** Which template a request was rendered from, told by a line only that template has. */
    static final Map<String, String> MARKERS = Map.of(
            "planner-direction", "Turn the move into one concrete research",
            "planner-hypotheses", "testable hypotheses along the research direction",
            "coder-write", "that tests the hypothesis below. Start from the parent",
            "coder-repair", "did not pass; fix it",
            "analyst", "An experiment has finished (or failed)");

    static final String DIRECTION = "{\"summary\": \"Sharpen the keys with a short convolution before the feature map.\","
            + " \"references\": [\"short-conv\"]}";
    static final String HYPOTHESES = "{\"hypotheses\": [{\"title\": \"Short conv on q and k\", \"motivation\": "
            + "\"Convolving q and k over a few steps lets the linear state separate keys that the parent confuses.\","
            + " \"expected_effect\": \"accuracy up by ten points\", \"metric\": \"accuracy\", \"risk\": \"slower steps\","
            + " \"requires\": [\"short_conv\"]}]}";
    static final String ANALYSIS = "{\"design_evaluation\": \"A minimal, well-targeted change.\", \"results\": "
            + "\"Accuracy measured on tiny MQAR after 20 steps.\", \"expectation_vs_reality\": \"Too short to separate.\","
            + " \"explanation\": \"Twenty steps are before MQAR's phase change.\", \"insight\": "
            + "\"Short convolutions need the full explore budget to show on recall.\", \"paper_ids\": [\"short-conv\"],"
            + " \"diagnoses\": [\"undertrained\"]}";

    static String definition(String source) {
        return JSON.createObjectNode().put("definition", source).put("notes", "short conv before split_heads").toString();
    }

    /** Scripts one reply per template; {@code wrap} puts a JSON text into the provider's envelope. */
    void script(String path, java.util.function.Function<String, String> wrap) {
        stub(path, "planner-direction", wrap.apply(DIRECTION), null, null);
        stub(path, "planner-hypotheses", wrap.apply(HYPOTHESES), null, null);
        stub(path, "coder-write", wrap.apply(definition(Fixtures.CHILD_INVALID)), null, null);
        stub(path, "coder-repair", wrap.apply(definition(Fixtures.CHILD_CONV)), null, null);
        stub(path, "analyst", wrap.apply(ANALYSIS), null, null);
    }

    private void stub(String path, String template, String body, String scenario, String state) {
        wm.stubFor(post(urlEqualTo(path)).withRequestBody(containing(MARKERS.get(template))).willReturn(ok(body)));
    }

    ResearchPolicy policy(LlmLayer llm) {
        CodingGate gate = new CodingGate(SmokeTrainer.SKIP, null);
        return LlmPolicy.builder(llm, gate).languageReference(LlmPolicy.readLanguageReference(REAL_PROMPTS))
                .judge(false).build();
    }

    LlmLayer realPrompts(LlmConfig config) {
        return Llms.builder(config).ledger(store.llmCalls()).campaign(campaign).prompts(REAL_PROMPTS).prices(PRICES)
                .environment(ENV::get).build();
    }

    /** The node and its family are fixed, so the second pass renders the same prompts. */
    ContextSource contexts() {
        return (cid, node) -> {
            ResearchContext f = Fixtures.context(cid);
            return new ResearchContext(cid, "mqar", node == null ? f.node() : node, null, f.siblings(), List.of(),
                    List.of(), f.papers(), f.similar(), f.subroutines(), f.directives());
        };
    }

    ResearchCycle.Step runOnce(LlmLayer llm) {
        Experiment parent = store.experiments().find("exp-parent")
                .orElseGet(() -> store.experiments().insert(Fixtures.parent(campaign)));
        var training = SandboxTraining.builder(sandbox, "mqar").options(Map.of("vocab", "32", "seq_len", "16", "pairs", "2"))
                .config(TrainConfig.builder().steps(20).batchSize(8).evalBatches(2).curveEvery(5).build())
                .limits(Limits.UNSET.withWallSeconds(180)).threads(1).build();
        ResearchCycle cycle = new ResearchCycle(store, contexts(), policy(llm),
                new NoveltyGate(store.experiments(), null, NoveltyGate.DEFAULT_THRESHOLD), training,
                new ResearchCycle.Settings(1, "explore", false));
        return cycle.run(campaign, parent, Move.MUTATE);
    }

    void assertOneFullCycleStored(ResearchCycle.Step step, String model) throws Exception {
        assertThat(step.interruption()).isNull();
        Experiment child = step.experiments().stream().filter(e -> e.status() == ExperimentStatus.DONE).findFirst()
                .orElseThrow(() -> new AssertionError("no trained child in " + step.experiments()));
        assertThat(child.parentId()).isEqualTo("exp-parent");
        assertThat(child.hypothesis().title()).isEqualTo("Short conv on q and k");
        assertThat(child.canonicalHash()).isNotNull();
        assertThat(child.definition()).contains("short_conv");
        var attempts = JSON.readTree(child.extra()).path("coding_attempts");
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(0).path("stage").asText()).isEqualTo("check");
        assertThat(attempts.get(1).path("stage").asText()).isEqualTo(CodingAttempt.OK);
        assertThat(store.evaluations().forExperiment(child.id())).hasSize(1);
        assertThat(JSON.readTree(child.analysis()).path("insight").asText()).contains("Short convolutions");
        assertThat(step.insights()).extracting(i -> i.paperIds()).containsExactly(List.of("short-conv"));

        // The repair prompt quoted the checker's error, with its line and column.
        String repair = wm.getAllServeEvents().stream().map(e -> e.getRequest().getBodyAsString())
                .filter(b -> b.contains(MARKERS.get("coder-repair"))).findFirst().orElseThrow();
        String firstError = attempts.get(0).path("error").asText();
        assertThat(firstError).matches("(?s).*\\d+:\\d+.*");
        assertThat(repair).contains(firstError.lines().findFirst().orElseThrow().replace("\"", "\\\""));

        // Every call is in the ledger with its role, model, tokens, cost and outcome.
        List<LlmCall> calls = ledger();
        assertThat(calls).extracting(LlmCall::role)
                .containsExactly("planner", "planner", "coder", "coder", "analyst");
        assertThat(calls).allSatisfy(c -> {
            assertThat(c.outcome()).isEqualTo("ok");
            assertThat(c.model()).isEqualTo(model);
            assertThat(c.tokensIn()).isPositive();
            assertThat(c.tokensOut()).isPositive();
            assertThat(c.cost()).isPositive();
        });
        assertThat(calls.get(4).experimentId()).isEqualTo(child.id());
    }

    @Test
    void openAiCompatibleProviderThenReplayCostsNothing() throws Exception {
        script(OPENAI_PATH, content -> Wire.openAiCompletion(OPENAI_MODEL, content, 900, 120));
        LlmLayer llm = realPrompts(openAi().build());
        ResearchCycle.Step step = runOnce(llm);
        assertOneFullCycleStored(step, OPENAI_MODEL);
        int httpCalls = wm.getAllServeEvents().size();
        assertThat(httpCalls).isEqualTo(5);
        double paid = store.llmCalls().spend(campaign).cost();

        // The same prompts again (as a resumed campaign re-asks them): the replay cache answers all of them.
        Experiment child = step.experiments().stream().filter(e -> e.status() == ExperimentStatus.DONE).findFirst().orElseThrow();
        ResearchPolicy again = policy(realPrompts(openAi().build()));
        ResearchContext ctx = contexts().contextFor(campaign, store.experiments().find("exp-parent").orElseThrow());
        Direction d = again.planner().direct(ctx, Move.MUTATE);
        List<Proposal> ps = again.planner().propose(ctx, d, 1);
        var coding = again.coder().code(ctx, ps.get(0));
        // The analyst saw the child as trained, before its analysis was stored, among its siblings.
        Experiment asTrained = child.toBuilder().analysis(null).build();
        List<Experiment> family = new java.util.ArrayList<>(ctx.siblings());
        family.add(asTrained);
        again.analyst().analyse(new ResearchContext(ctx.campaignId(), ctx.task(), ctx.node(), ctx.grandparent(), family,
                ctx.references(), ctx.seeds(), ctx.papers(), ctx.similar(), ctx.subroutines(), ctx.directives()), asTrained);
        assertThat(coding.ok()).isTrue();
        assertThat(coding.attempts()).hasSize(2);
        assertThat(wm.getAllServeEvents()).as("WireMock's journal: no request after the first pass: %s",
                wm.getAllServeEvents().stream().map(e -> MARKERS.entrySet().stream()
                        .filter(m -> e.getRequest().getBodyAsString().contains(m.getValue())).map(Map.Entry::getKey)
                        .findFirst().orElse("?")).toList()).hasSize(httpCalls);
        assertThat(store.llmCalls().spend(campaign).cost()).isEqualTo(paid);
    }

    @Test
    void anthropicProvider() throws Exception {
        script(ANTHROPIC_PATH, content -> Wire.anthropicMessage(ANTHROPIC_MODEL, content, 900, 120));
        ResearchCycle.Step step = runOnce(realPrompts(anthropic().build()));
        assertOneFullCycleStored(step, ANTHROPIC_MODEL);
        assertThat(wm.getAllServeEvents()).allSatisfy(e -> {
            assertThat(e.getRequest().getHeader("x-api-key")).isEqualTo(ANTHROPIC_KEY);
            assertThat(e.getRequest().getHeader("anthropic-version")).isNotBlank();
        });
    }
}
