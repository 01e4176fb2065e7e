package archlab.agent.llm;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.LlmCall;
import archlab.knowledge.store.Store;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ScenarioMappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * A fake provider (WireMock speaking OpenAI's and Anthropic's wire formats) and a real store in a
 * temporary run folder, for the LLM layer's tests. Every ledger assertion reads the store.
 */
abstract class WireMockLlmTest {
    static final String OPENAI_PATH = "/v1/chat/completions";
    static final String ANTHROPIC_PATH = "/v1/messages";
    static final String OPENAI_MODEL = "gpt-4o-mini";
    static final String ANTHROPIC_MODEL = "claude-sonnet-4-5-20250929";
    static final String OPENAI_KEY = "sk-proj-T3stK3y0penAI4f9c2b7e81d64a0b9c3e5f7a1d2b";
    static final String ANTHROPIC_KEY = "sk-ant-api03-T3stK3yAnthr0pic-9c3e5f7a1d2b4c6e8f0a";
    static final Map<String, String> ENV = Map.of("TEST_OPENAI_KEY", OPENAI_KEY, "TEST_ANTHROPIC_KEY", ANTHROPIC_KEY);
    static final Path PROMPTS = Path.of("src/test/resources/llm-prompts");
    static final Prices PRICES = Prices.parse("""
            models:
              gpt-4o-mini: {input: 0.15, output: 0.60}
              claude-sonnet-4-5*: {input: 3.00, output: 15.00}
            """, "test prices");
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNode HYPOTHESES_SCHEMA = json("""
            {"type": "object",
             "properties": {
               "hypotheses": {"type": "array",
                 "items": {"type": "object",
                   "properties": {"title": {"type": "string"}, "motivation": {"type": "string"},
                                  "expected_effect": {"type": "string"}, "risk": {"type": "string"}},
                   "required": ["title", "motivation", "expected_effect", "risk"],
                   "additionalProperties": false}}},
             "required": ["hypotheses"],
             "additionalProperties": false}
            """);
    static final String GOOD_HYPOTHESES = """
            {"hypotheses": [{"title": "Short conv before q/k", "motivation": "local token mixing sharpens keys",
              "expected_effect": "recall@mqar +5 points", "risk": "slower per step"}]}""";

    static WireMockServer wm;

    @TempDir
    Path runDir;
    Store store;
    String campaign;

    @BeforeAll
    static void startServer() {
        wm = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().jettyAcceptors(1));
        wm.start();
    }

    @AfterAll
    static void stopServer() {
        wm.stop();
    }

    @BeforeEach
    void openStore() {
        wm.resetAll();
        store = Store.openRunFolder(runDir);
        campaign = store.campaigns().insert(Campaign.create("llm-test", "llm: {}", "llm")).id();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    String baseUrl() {
        return wm.baseUrl() + "/v1";
    }

    /** An OpenAI-compatible server at WireMock, with retry waits of milliseconds so the suite stays fast. */
    LlmConfig.Builder openAi() {
        return LlmConfig.builder()
                .defaults(ModelSettings.builder().provider(Provider.OPENAI).baseUrl(baseUrl()).model(OPENAI_MODEL)
                        .apiKeyEnv("TEST_OPENAI_KEY").temperature(0.2).maxTokens(512)
                        .timeout(Duration.ofSeconds(5)).build())
                .retries(3)
                .backoff(new LlmConfig.Backoff(Duration.ofMillis(10), Duration.ofMillis(50), 2.0, 0.5));
    }

    LlmConfig.Builder anthropic() {
        return LlmConfig.builder()
                .defaults(ModelSettings.builder().provider(Provider.ANTHROPIC).baseUrl(baseUrl())
                        .model(ANTHROPIC_MODEL).apiKeyEnv("TEST_ANTHROPIC_KEY").maxTokens(512)
                        .timeout(Duration.ofSeconds(5)).build())
                .retries(3)
                .backoff(new LlmConfig.Backoff(Duration.ofMillis(10), Duration.ofMillis(50), 2.0, 0.5));
    }

    LlmLayer layer(LlmConfig config) {
        return Llms.builder(config).ledger(store.llmCalls()).campaign(campaign).prompts(PROMPTS).prices(PRICES)
                .environment(ENV::get).build();
    }

    LlmRequest hypotheses(Role role) {
        return new LlmRequest(role, "hypotheses", Map.of("count", "1", "task", "mqar",
                "parent", "model(tokens):\n    return linear(embed(tokens, 64), vocab)"), HYPOTHESES_SCHEMA,
                null, null, "exp-1");
    }

    List<LlmCall> ledger() {
        return store.llmCalls().forCampaign(campaign);
    }

    List<String> outcomes() {
        return ledger().stream().map(LlmCall::outcome).toList();
    }

    static ResponseDefinitionBuilder ok(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }

    static ResponseDefinitionBuilder status(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }

    /** The server answers {@code url} with these responses in order; the last one repeats. */
    static void respond(String url, ResponseDefinitionBuilder... responses) {
        for (int i = 0; i < responses.length; i++) {
            ScenarioMappingBuilder m = post(urlEqualTo(url)).inScenario(url)
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "step " + i)
                    .willReturn(responses[i]);
            wm.stubFor(i + 1 < responses.length ? m.willSetStateTo("step " + (i + 1)) : m);
        }
    }

    /** The requests the server received at {@code url}, oldest first. */
    static List<LoggedRequest> received(String url) {
        return wm.findAll(postRequestedFor(urlEqualTo(url)));
    }

    static JsonNode body(LoggedRequest request) {
        return json(request.getBodyAsString());
    }
}
