package archlab.agent.llm;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The wire protocols archlab speaks. {@code openai} covers every server with an OpenAI-compatible
 * chat-completions endpoint (vLLM, llama.cpp, Ollama's {@code /v1}, LM Studio, OpenRouter, hosted APIs).
 */
public enum Provider {
    OPENAI("openai", "https://api.openai.com/v1", true),
    ANTHROPIC("anthropic", "https://api.anthropic.com/v1", false);

    private final String id;
    private final String defaultBaseUrl;
    private final boolean nativeJsonSchema;

    Provider(String id, String defaultBaseUrl, boolean nativeJsonSchema) {
        this.id = id;
        this.defaultBaseUrl = defaultBaseUrl;
        this.nativeJsonSchema = nativeJsonSchema;
    }

    public String id() {
        return id;
    }

    public String defaultBaseUrl() {
        return defaultBaseUrl;
    }

    /**
     * Whether a schema goes to the provider as a response format by default. OpenAI-compatible
     * servers mostly constrain decoding to it; Anthropic's structured outputs exist only on recent
     * models, so there the schema is stated in the prompt and the reply parsed tolerantly.
     */
    public boolean nativeJsonSchemaByDefault() {
        return nativeJsonSchema;
    }

    public static Provider of(String id) {
        String wanted = id.trim().toLowerCase(Locale.ROOT);
        for (Provider p : values()) {
            if (p.id.equals(wanted)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown provider '" + id + "'; known: "
                + Arrays.stream(values()).map(Provider::id).collect(Collectors.joining(", ")));
    }
}
