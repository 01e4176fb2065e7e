package archlab.agent.llm;

import java.net.URI;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Which model answers a role, and how: the {@code llm:} section's top-level model keys, or one
 * role's overrides of them. A null field means "not set here" (inherit, or the provider's default).
 * {@code apiKeyEnv} is the NAME of the environment variable that holds the key: keys themselves are
 * never part of a configuration, so they cannot end up in the store, a log or a report.
 */
public record ModelSettings(Provider provider, String baseUrl, String model, String apiKeyEnv, Double temperature,
                            Integer maxTokens, Duration timeout, Boolean jsonSchema) {
    public static final int DEFAULT_MAX_TOKENS = 4096;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().provider(provider).baseUrl(baseUrl).model(model).apiKeyEnv(apiKeyEnv)
                .temperature(temperature).maxTokens(maxTokens).timeout(timeout).jsonSchema(jsonSchema);
    }

    /** These settings with every unset field taken from {@code base}. */
    public ModelSettings over(ModelSettings base) {
        // A role that switches provider must not inherit the other provider's server or key.
        boolean sameProvider = provider == null || provider == base.provider;
        return new ModelSettings(provider != null ? provider : base.provider,
                baseUrl != null ? baseUrl : sameProvider ? base.baseUrl : null,
                model != null ? model : base.model,
                apiKeyEnv != null ? apiKeyEnv : sameProvider ? base.apiKeyEnv : null,
                temperature != null ? temperature : base.temperature,
                maxTokens != null ? maxTokens : base.maxTokens,
                timeout != null ? timeout : base.timeout,
                jsonSchema != null ? jsonSchema : sameProvider ? base.jsonSchema : null);
    }

    /** Every default filled in: what a model is actually built from. */
    ModelSettings resolved(String path) {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException(path + ".model: required (the model name the server knows)");
        }
        Provider p = provider != null ? provider : Provider.OPENAI;
        if (p == Provider.ANTHROPIC && apiKeyEnv == null) {
            throw new IllegalArgumentException(path + ".api_key_env: required for provider anthropic"
                    + " (the name of the environment variable with the key, e.g. ANTHROPIC_API_KEY)");
        }
        if (p == Provider.OPENAI && baseUrl == null && apiKeyEnv == null) {
            throw new IllegalArgumentException(path + ".api_key_env: required for the hosted OpenAI API"
                    + " (or set " + path + ".base_url to an OpenAI-compatible server such as http://localhost:8000/v1)");
        }
        return new ModelSettings(p, baseUrl != null ? baseUrl : p.defaultBaseUrl(), model, apiKeyEnv, temperature,
                maxTokens != null ? maxTokens : DEFAULT_MAX_TOKENS, timeout != null ? timeout : DEFAULT_TIMEOUT,
                jsonSchema != null ? jsonSchema : p.nativeJsonSchemaByDefault());
    }

    /** Checks the fields that are set; {@code path} names them in errors ({@code llm.coder}). */
    void validate(String path) {
        if (baseUrl != null) {
            URI uri;
            try {
                uri = URI.create(baseUrl);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(path + ".base_url: not a URL: " + baseUrl, e);
            }
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null) {
                throw new IllegalArgumentException(path + ".base_url: expected an http(s) URL such as"
                        + " http://localhost:8000/v1, got " + baseUrl);
            }
        }
        if (model != null && model.isBlank()) {
            throw new IllegalArgumentException(path + ".model: must not be blank");
        }
        if (apiKeyEnv != null && !ENV_NAME.matcher(apiKeyEnv).matches()) {
            // Never echo the value: a user who pasted the key itself here would see it in the error.
            throw new IllegalArgumentException(path + ".api_key_env: must be the NAME of an environment variable"
                    + " (letters, digits, underscores, e.g. OPENAI_API_KEY), not the key itself");
        }
        if (temperature != null && (temperature.isNaN() || temperature < 0 || temperature > 2)) {
            throw new IllegalArgumentException(path + ".temperature: must be between 0 and 2, got " + temperature);
        }
        if (maxTokens != null && maxTokens <= 0) {
            throw new IllegalArgumentException(path + ".max_tokens: must be positive, got " + maxTokens);
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException(path + ".timeout: must be positive, got " + timeout);
        }
    }

    public static final class Builder {
        private Provider provider;
        private String baseUrl;
        private String model;
        private String apiKeyEnv;
        private Double temperature;
        private Integer maxTokens;
        private Duration timeout;
        private Boolean jsonSchema;

        public Builder provider(Provider provider) {
            this.provider = provider;
            return this;
        }

        public Builder baseUrl(String baseUrl) {
            this.baseUrl = baseUrl;
            return this;
        }

        public Builder model(String model) {
            this.model = model;
            return this;
        }

        public Builder apiKeyEnv(String apiKeyEnv) {
            this.apiKeyEnv = apiKeyEnv;
            return this;
        }

        public Builder temperature(Double temperature) {
            this.temperature = temperature;
            return this;
        }

        public Builder maxTokens(Integer maxTokens) {
            this.maxTokens = maxTokens;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Send the request's schema as the provider's response format (else: state it in the prompt). */
        public Builder jsonSchema(Boolean jsonSchema) {
            this.jsonSchema = jsonSchema;
            return this;
        }

        public ModelSettings build() {
            return new ModelSettings(provider, baseUrl, model, apiKeyEnv, temperature, maxTokens, timeout, jsonSchema);
        }
    }
}
