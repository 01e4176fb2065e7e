package archlab.agent.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import archlab.agent.campaign.LlmCost;
import archlab.agent.campaign.ResearchRecord;
import archlab.agent.llm.Wire;
import archlab.agent.research.Fixtures;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.LlmCall;
import archlab.knowledge.store.Store;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The campaign path itself (`archlab run` in its own JVM) with an LLM policy whose every role is
 * answered by WireMock in OpenAI's wire format: the planner, the coder, the analyst and the judge run
 * where production runs them. It checks what the analyst and the judge are shown (the child with its
 * results, under its real parent with the parent's results), that every call is linked to the
 * experiment it served and adds up, and that the same campaign file and seed run again in a new run
 * folder, against the warm user-level replay cache, asks the provider nothing and makes the same
 * experiments.
 */
class LlmCampaignOverWireTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = "gpt-4o-mini";

    /** A one-layer linear attention, and the same with short convolutions on q and k: what the coder writes. */
    static final String BASE = Fixtures.PARENT;
    static final String CHILD = Fixtures.CHILD_CONV;

    /** Which template a request was rendered from, told by a line only that template has. */
    static final Map<String, String> MARKERS = Map.of(
            "planner-direction", "Turn the move into one concrete research",
            "planner-hypotheses", "testable hypotheses along the research direction",
            "coder-write", "that tests the hypothesis below. Start from the parent",
            "analyst", "An experiment has finished (or failed)",
            "judge", "Score one experiment's design");

    @TempDir
    Path dir;
    WireMockServer wm;

    @BeforeEach
    void start() {
        wm = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        wm.start();
        stub("planner-direction", "{\"summary\": \"Sharpen the keys with a short convolution.\", \"references\": []}");
        stub("planner-hypotheses", "{\"hypotheses\": [{\"title\": \"Short conv on q and k\", \"motivation\": "
                + "\"Convolving q and k over a few steps separates keys the parent confuses.\", \"expected_effect\":"
                + " \"accuracy up\", \"metric\": \"accuracy\", \"risk\": \"slower steps\", \"requires\": [\"short_conv\"]}]}");
        stub("coder-write", JSON.createObjectNode().put("definition", CHILD).put("notes", "short conv").toString());
        stub("analyst", "{\"design_evaluation\": \"A minimal change.\", \"results\": \"Measured on tiny MQAR.\","
                + " \"expectation_vs_reality\": \"As expected.\", \"explanation\": \"Local mixing of keys.\","
                + " \"insight\": \"Short convolutions help recall.\", \"paper_ids\": [], \"diagnoses\": [\"undertrained\"]}");
        stub("judge", "{\"novelty\": 0.2, \"complexity\": 0.3, \"soundness\": 0.9, \"rationale\": \"A known, clean change.\"}");
    }

    @AfterEach
    void stop() {
        wm.stop();
    }

    private void stub(String template, String content) {
        wm.stubFor(post(urlEqualTo("/v1/chat/completions")).withRequestBody(containing(MARKERS.get(template)))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(Wire.openAiCompletion(MODEL, content, 900, 120))));
    }

    @Test
    void analystAndJudgeSeeTheRealParentAndARepeatedRunIsFree() throws Exception {
        Path base = dir.resolve("tiny_la.arch");
        Files.writeString(base, BASE);
        Path cache = dir.resolve("replay-cache");

        Path first = campaign(base, "runs1", cache);
        int requests = wm.getAllServeEvents().size();
        assertThat(requests).as("planner ×2, coder, analyst, judge").isGreaterThanOrEqualTo(5);

        try (Store store = RunStores.open(first.toString(), true)) {
            Campaign c = store.campaigns().list().get(0);
            List<Experiment> all = store.experiments().list(ExperimentQuery.campaign(c.id()));
            Experiment baseline = all.stream().filter(e -> ResearchRecord.of(e).isBaseline()).findFirst().orElseThrow();
            Experiment child = all.stream().filter(e -> "Short conv on q and k".equals(e.hypothesis().title()))
                    .findFirst().orElseThrow(() -> new AssertionError("no child in " + all));
            assertThat(child.parentId()).isEqualTo(baseline.id());
            assertThat(child.status().dbValue()).isEqualTo("done");

            // The analyst's prompt: the child with its results; its parent is the baseline, with the baseline's.
            String analyst = body("analyst");
            String experimentSection = section(analyst, "## The experiment", "## Its parent");
            String parentSection = section(analyst, "## Its parent", "## Its family");
            assertThat(experimentSection).contains(child.name()).contains("[done]").contains("accuracy")
                    .contains("Change against the parent " + baseline.name());
            assertThat(parentSection).contains(baseline.name()).contains("[done]").contains("accuracy")
                    .doesNotContain(child.name());
            // The judge reads the measured child too, never one still training.
            String judge = body("judge");
            assertThat(section(judge, "## The experiment", "## Its parent")).contains(child.name()).contains("[done]")
                    .doesNotContain("[training]");
            assertThat(section(judge, "## Its parent", "## Similar")).contains(baseline.name());
            // No prompt names an experiment by its random id, nor carries a training time.
            for (ServeEvent e : wm.getAllServeEvents()) {
                for (Experiment x : all) {
                    assertThat(e.getRequest().getBodyAsString()).doesNotContain(x.id());
                }
                assertThat(e.getRequest().getBodyAsString()).doesNotContainPattern("\\d s training");
            }

            // The judge's scores are stored; fitness counts complexity as a cost.
            ResearchRecord record = ResearchRecord.of(child);
            assertThat(record.judge()).isNotNull();
            assertThat(record.judge().rationale()).isEqualTo("A known, clean change.");
            assertThat(record.fitnessAt("explore").orElseThrow().judged()).isCloseTo((0.2 + 0.9 + 0.7) / 3, within(1e-9));

            // Every call is linked, and the experiments' costs add up to the ledger's.
            List<LlmCall> calls = store.llmCalls().forCampaign(c.id());
            assertThat(calls).isNotEmpty();
            assertThat(calls.stream().filter(x -> x.role().equals("coder") || x.role().equals("analyst")
                    || x.role().equals("judge"))).allSatisfy(x -> assertThat(x.experimentId()).isEqualTo(child.id()));
            double ledger = calls.stream().mapToDouble(LlmCall::cost).sum();
            double apportioned = all.stream().mapToDouble(e -> LlmCost.of(store, e).cost()).sum();
            assertThat(apportioned).isCloseTo(ledger, within(1e-9));
            assertThat(LlmCost.of(store, child).sharedCost()).isPositive();
            assertThat(ledger).isPositive();
        }

        // The same file and seed in a new run folder: the warm replay cache answers everything.
        Path second = campaign(base, "runs2", cache);
        assertThat(wm.getAllServeEvents()).as("requests after the first run").hasSize(requests);
        assertThat(summary(second)).isEqualTo(summary(first));
    }

    /** Name, design, status and metrics of every experiment, in creation order. */
    static List<String> summary(Path run) {
        try (Store store = RunStores.open(run.toString(), true)) {
            Campaign c = store.campaigns().list().get(0);
            return store.experiments().list(ExperimentQuery.campaign(c.id())).stream()
                    .sorted(Comparator.comparing(Experiment::name))
                    .map(e -> e.name() + " " + e.canonicalHash() + " " + e.status().dbValue() + " " + e.metrics())
                    .toList();
        }
    }

    private String body(String template) {
        return wm.getAllServeEvents().stream().map(e -> e.getRequest().getBodyAsString())
                .filter(b -> b.contains(MARKERS.get(template))).findFirst()
                .map(b -> {
                    try {
                        return JSON.readTree(b).path("messages").get(0).path("content").asText();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                })
                .orElseThrow(() -> new AssertionError("no " + template + " request"));
    }

    private static String section(String prompt, String from, String to) {
        int i = prompt.indexOf(from);
        int j = prompt.indexOf(to, i + 1);
        assertThat(i).as("%s in %s", from, prompt).isNotNegative();
        return prompt.substring(i, j < 0 ? prompt.length() : j);
    }

    private Path campaign(Path base, String output, Path cache) throws Exception {
        Path file = dir.resolve(output + ".yaml");
        Files.writeString(file, """
                name: wire
                seed: 7
                task: {name: mqar, options: {vocab: 16, seq_len: 24, pairs: 3}}
                baseline: %s
                budget: {experiments: 1}
                workers: 1
                policy: llm
                llm:
                  provider: openai
                  base_url: %s/v1
                  model: %s
                  api_key_env: ARCHLAB_TEST_WIRE_KEY
                  retries: 0
                stages:
                  - {name: explore, steps: 20, batch_size: 16}
                output: %s
                """.formatted(base, wm.baseUrl(), MODEL, dir.resolve(output)));
        ArchlabProcess p = ArchlabProcess.run(Map.of("ARCHLAB_TEST_WIRE_KEY", "sk-test-wire",
                "ARCHLAB_REPLAY_CACHE", cache.toString(), "OMP_WAIT_POLICY", "PASSIVE"), Duration.ofMinutes(8),
                "run", file.toString(), "--no-progress");
        assertThat(p.exitValue()).as(p.output()).isZero();
        try (Stream<Path> s = Files.list(dir.resolve(output))) {
            return s.filter(Files::isDirectory).findFirst().orElseThrow();
        }
    }
}
