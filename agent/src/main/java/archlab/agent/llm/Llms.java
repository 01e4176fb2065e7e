package archlab.agent.llm;

import archlab.knowledge.store.LlmCalls;
import archlab.knowledge.store.Store;
import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatModelName;
import dev.langchain4j.model.openai.OpenAiTokenCountEstimator;

import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Builds the LLM layer from an {@code llm:} configuration. Keys are read from the environment here,
 * once, and handed to the provider clients; nothing else keeps them.
 *
 * <pre>{@code
 * LlmConfig config = LlmConfig.fromYaml(campaignYaml);
 * Llm llm = Llms.create(config, store, campaign.id(), null);   // null: the installation's prompts/
 * LlmReply reply = llm.ask(new LlmRequest(Role.PLANNER, "planner-direction", values, schema, tools,
 *         campaign.id(), null));
 * }</pre>
 */
public final class Llms {
    private Llms() {
    }

    /** The layer for a campaign: ledger and replay cache in {@code store}, prompts from {@code promptsDir} (null: standard). */
    public static LlmLayer create(LlmConfig config, Store store, String campaignId, Path promptsDir) {
        return builder(config).ledger(store.llmCalls()).campaign(campaignId).prompts(promptsDir).build();
    }

    public static LlmLayer create(LlmConfig config, LlmCalls ledger, String campaignId, Path promptsDir) {
        return builder(config).ledger(ledger).campaign(campaignId).prompts(promptsDir).build();
    }

    public static Builder builder(LlmConfig config) {
        return new Builder(config);
    }

    public static final class Builder {
        private final LlmConfig config;
        private LlmCalls ledger;
        private String campaignId;
        private Prompts prompts;
        private Prices prices;
        private Function<String, String> environment = System::getenv;
        private Clock clock = Clock.systemUTC();
        private ReplayCache replayCache;

        private Builder(LlmConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        public Builder ledger(LlmCalls ledger) {
            this.ledger = ledger;
            return this;
        }

        /** The campaign that ledger rows and the budget belong to when a request names none. */
        public Builder campaign(String campaignId) {
            this.campaignId = campaignId;
            return this;
        }

        /** Templates from this folder first, then the bundled ones; null: {@link Prompts#standard()}. */
        public Builder prompts(Path directory) {
            this.prompts = directory == null ? null : Prompts.in(directory);
            return this;
        }

        public Builder prompts(Prompts prompts) {
            this.prompts = prompts;
            return this;
        }

        /** The price table; by default the one {@code llm.prices} names, else {@link Prices#resolve}'s. */
        public Builder prices(Prices prices) {
            this.prices = prices;
            return this;
        }

        /** Where API keys are looked up by the names in {@code api_key_env}; the process environment by default. */
        public Builder environment(Function<String, String> environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /** The clock of the circuit breaker and of HTTP-date {@code Retry-After} values. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * A replay cache shared across run folders ({@link ReplayCache#forUser}), asked after the ledger's own
         * calls; none by default, so that tests and tools that build a layer share nothing by accident.
         */
        public Builder replayCache(ReplayCache cache) {
            this.replayCache = cache;
            return this;
        }

        public LlmLayer build() {
            Objects.requireNonNull(ledger, "ledger: the store's llmCalls(), where every call is recorded");
            Secrets secrets = new Secrets();
            Map<ModelSettings, LlmLayer.RoleModel> built = new HashMap<>();
            Map<Role, LlmLayer.RoleModel> models = new EnumMap<>(Role.class);
            for (Role role : Role.values()) {
                ModelSettings s = config.forRole(role);
                LlmLayer.RoleModel shared = built.get(s);
                ChatModel chat = shared != null ? shared.chat() : chatModel(role, s, secrets);
                LlmLayer.RoleModel model = new LlmLayer.RoleModel(role, s, chat, s.provider().id() + " at " + s.baseUrl());
                built.putIfAbsent(s, model);
                models.put(role, model);
            }
            return new LlmLayer(config, ledger, campaignId, prompts != null ? prompts : Prompts.standard(),
                    prices != null ? prices : Prices.resolve(config.prices()), new Resilience(config, clock, secrets),
                    models, secrets, new OpenAiTokenCountEstimator(OpenAiChatModelName.GPT_4_O), replayCache);
        }

        private ChatModel chatModel(Role role, ModelSettings s, Secrets secrets) {
            String key = null;
            if (s.apiKeyEnv() != null) {
                key = environment.apply(s.apiKeyEnv());
                if (key == null || key.isBlank()) {
                    throw new IllegalArgumentException("the environment variable " + s.apiKeyEnv() + " (llm.api_key_env"
                            + " for role " + role.id() + ") is not set; export it with the provider's API key");
                }
                secrets.add(s.apiKeyEnv(), key);
            }
            // maxRetries(0): resilience4j retries, so LangChain4j must not retry underneath it.
            return switch (s.provider()) {
                case OPENAI -> OpenAiChatModel.builder()
                        .httpClientBuilder(new ProviderHttpClient.Builder())
                        .baseUrl(s.baseUrl())
                        .apiKey(key)
                        .modelName(s.model())
                        .temperature(s.temperature())
                        .maxTokens(s.maxTokens())
                        .timeout(s.timeout())
                        .maxRetries(0)
                        .build();
                case ANTHROPIC -> AnthropicChatModel.builder()
                        .httpClientBuilder(new ProviderHttpClient.Builder())
                        .baseUrl(s.baseUrl())
                        .apiKey(key)
                        .modelName(s.model())
                        .temperature(s.temperature())
                        .maxTokens(s.maxTokens())
                        .timeout(s.timeout())
                        .maxRetries(0)
                        .build();
            };
        }
    }
}
