package archlab.agent.llm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The llm: section: what it may say, what each role ends up with, and errors that name the key. */
class LlmConfigTest {

    static final String EXAMPLE = """
            llm:
              provider: openai
              base_url: http://localhost:8000/v1
              model: Qwen/Qwen2.5-Coder-32B-Instruct
              api_key_env: VLLM_API_KEY
              temperature: 0.7
              max_tokens: 4096
              timeout: 120s
              coder:
                temperature: 0.2
              judge:
                provider: anthropic
                model: claude-sonnet-4-5
                api_key_env: ANTHROPIC_API_KEY
                max_tokens: 1024
              retries: 4
              backoff: {initial: 500ms, max: 30s, multiplier: 2, jitter: 0.3}
              retry_after_cap: 2m
              circuit_breaker: {failures: 4, open_for: 10m}
              repairs: 3
              tool_rounds: 5
              prices: prices.yaml
              budget: {tokens: 2000000, money: 25.0}
              replay: true
            """;

    @Test
    void theDocumentedExampleParsesAndRolesInheritTheDefaults() {
        LlmConfig c = LlmConfig.fromYaml(EXAMPLE);

        ModelSettings planner = c.forRole(Role.PLANNER);
        assertThat(planner.provider()).isEqualTo(Provider.OPENAI);
        assertThat(planner.baseUrl()).isEqualTo("http://localhost:8000/v1");
        assertThat(planner.model()).isEqualTo("Qwen/Qwen2.5-Coder-32B-Instruct");
        assertThat(planner.temperature()).isEqualTo(0.7);
        assertThat(planner.timeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(planner.jsonSchema()).isTrue();

        ModelSettings coder = c.forRole(Role.CODER);
        assertThat(coder.temperature()).isEqualTo(0.2);
        assertThat(coder.model()).isEqualTo(planner.model());

        // A role on another provider keeps its own server, key and schema mode, not the default's.
        ModelSettings judge = c.forRole(Role.JUDGE);
        assertThat(judge.provider()).isEqualTo(Provider.ANTHROPIC);
        assertThat(judge.baseUrl()).isEqualTo("https://api.anthropic.com/v1");
        assertThat(judge.apiKeyEnv()).isEqualTo("ANTHROPIC_API_KEY");
        assertThat(judge.jsonSchema()).isFalse();
        assertThat(judge.maxTokens()).isEqualTo(1024);
        assertThat(judge.temperature()).isEqualTo(0.7);

        assertThat(c.retries()).isEqualTo(4);
        assertThat(c.backoff()).isEqualTo(new LlmConfig.Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), 2, 0.3));
        assertThat(c.retryAfterCap()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.breaker()).isEqualTo(new LlmConfig.Breaker(4, Duration.ofMinutes(10)));
        assertThat(c.repairs()).isEqualTo(3);
        assertThat(c.toolRounds()).isEqualTo(5);
        assertThat(c.prices()).isEqualTo("prices.yaml");
        assertThat(c.budget()).isEqualTo(new LlmConfig.Budget(2_000_000L, 25.0));
        assertThat(c.replay()).isTrue();
        assertThat(c.toBuilder().build()).isEqualTo(c);
    }

    @Test
    void everyExampleInTheDocsParses() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "agents.md"));
        Matcher block = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(doc);
        int configs = 0;
        int tables = 0;
        while (block.find()) {
            String yaml = block.group(1);
            if (yaml.startsWith("llm:")) {
                LlmConfig c = LlmConfig.fromYaml(yaml);
                for (Role role : Role.values()) {
                    assertThat(c.forRole(role).model()).isNotBlank();
                }
                configs++;
            } else if (yaml.startsWith("models:")) {
                assertThat(Prices.parse(yaml, "docs/agents.md").find("gpt-4o-mini-2024-07-18")).isPresent();
                tables++;
            }
        }
        assertThat(configs).isEqualTo(3);
        assertThat(tables).isEqualTo(1);
    }

    @Test
    void theSectionAloneParsesLikeAWholeCampaignFile() {
        String section = "model: llama3.1:8b\nbase_url: http://localhost:11434/v1\n";
        assertThat(LlmConfig.fromYaml(section)).isEqualTo(LlmConfig.fromYaml("name: x\nllm:\n  model: llama3.1:8b\n"
                + "  base_url: http://localhost:11434/v1\n"));
    }

    @Test
    void defaultsAreFilledIn() {
        LlmConfig c = LlmConfig.fromYaml("model: llama3.1:8b\nbase_url: http://localhost:11434/v1\n");

        ModelSettings s = c.forRole(Role.CONSOLE);
        assertThat(s.maxTokens()).isEqualTo(4096);
        assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(s.temperature()).isNull();
        assertThat(s.apiKeyEnv()).isNull();
        assertThat(c.retries()).isEqualTo(3);
        assertThat(c.repairs()).isEqualTo(2);
        assertThat(c.toolRounds()).isEqualTo(4);
        assertThat(c.budget()).isEqualTo(LlmConfig.Budget.NONE);
        assertThat(c.replay()).isTrue();
    }

    @Test
    void errorsNameTheKey() {
        assertError("model: m\nbase_url: http://h/v1\ntemprature: 0.5\n",
                "llm.temprature: unknown key; known keys: analyst, api_key_env, backoff,");
        assertError("model: m\nbase_url: http://h/v1\ncoder: {temperature: 3.5}\n",
                "llm.coder.temperature: must be between 0 and 2, got 3.5");
        assertError("model: m\nbase_url: http://h/v1\ncoder: {model: x, seed: 1}\n", "llm.coder.seed: unknown key");
        assertError("base_url: http://h/v1\n", "llm.model: required");
        assertError("model: m\nbase_url: localhost:8000\n", "llm.base_url: expected an http(s) URL");
        assertError("model: m\nprovider: gemini\n", "llm.provider: unknown provider 'gemini'; known: openai, anthropic");
        assertError("model: m\nbase_url: http://h/v1\ntimeout: soon\n",
                "llm.timeout: expected a duration such as 30s, 500ms, 2m or 1h, got soon");
        assertError("model: m\nbase_url: http://h/v1\nmax_tokens: -5\n", "llm.max_tokens: must be positive, got -5");
        assertError("model: m\nbase_url: http://h/v1\nretries: 2.5\n", "llm.retries: expected a whole number");
        assertError("model: m\nbase_url: http://h/v1\njson_schema: yes please\n",
                "llm.json_schema: expected true or false");
        assertError("model: m\nbase_url: http://h/v1\nbudget: {tokens: -1}\n",
                "llm.budget.tokens: must not be negative, got -1");
        assertError("model: m\nbase_url: http://h/v1\ncircuit_breaker: {failures: 0}\n",
                "llm.circuit_breaker.failures: must be at least 1, got 0");
        assertError("model: m\n", "llm.api_key_env: required for the hosted OpenAI API");
        assertError("model: m\nbase_url: http://h/v1\njudge: {provider: anthropic, model: claude-sonnet-4-5}\n",
                "llm.judge.api_key_env: required for provider anthropic");
        assertError("llm: [1, 2]\n", "llm: expected a map of keys, got array");
        assertError("model: [unclosed\n", "llm: not valid YAML");
    }

    @Test
    void aKeyWrittenIntoTheFileIsRefusedWithoutRepeatingIt() {
        String key = "sk-proj-ThisIsWhatAUserPastedByMistake0123456789";
        assertThatThrownBy(() -> LlmConfig.fromYaml("model: m\napi_key: " + key + "\n"))
                .hasMessage("llm.api_key: keys are never written in a campaign file; put the key in an environment"
                        + " variable and name it with llm.api_key_env")
                .message().doesNotContain(key);
        assertThatThrownBy(() -> LlmConfig.fromYaml("model: m\napi_key_env: " + key.replace('-', '.') + "\n"))
                .hasMessageStartingWith("llm.api_key_env: must be the NAME of an environment variable")
                .message().doesNotContain("ThisIsWhatAUserPasted");
    }

    @Test
    void durationsComeInSeveralSpellings() {
        assertThat(timeout("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(timeout("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(timeout("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(timeout("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(timeout("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(timeout("PT45S")).isEqualTo(Duration.ofSeconds(45));
        assertThat(timeout("90")).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void theBuilderValidatesLikeTheParser() {
        assertThatThrownBy(() -> LlmConfig.builder().build()).hasMessageStartingWith("llm.model: required");
        assertThatThrownBy(() -> LlmConfig.builder()
                .defaults(ModelSettings.builder().model("m").baseUrl("http://h/v1").build())
                .role(Role.ANALYST, ModelSettings.builder().temperature(-1.0).build())
                .build())
                .hasMessage("llm.analyst.temperature: must be between 0 and 2, got -1.0");
        assertThatThrownBy(() -> LlmConfig.builder()
                .defaults(ModelSettings.builder().model("m").baseUrl("http://h/v1").build())
                .backoff(new LlmConfig.Backoff(Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 0.5))
                .build())
                .hasMessageStartingWith("llm.backoff: need 0 < initial <= max");
    }

    private static Duration timeout(String spelled) {
        return LlmConfig.fromYaml("model: m\nbase_url: http://h/v1\ntimeout: " + spelled + "\n").defaults().timeout();
    }

    private static void assertError(String yaml, String message) {
        assertThatThrownBy(() -> LlmConfig.fromYaml(yaml)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }
}
