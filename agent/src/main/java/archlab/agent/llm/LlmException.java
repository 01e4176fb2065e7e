package archlab.agent.llm;

/**
 * A request that could not be answered. {@code kind} is one of {@code budget} (refused before the
 * call), {@code unavailable} (circuit open: the provider is down; the campaign pauses its LLM work),
 * {@code rate-limited}, {@code timeout}, {@code malformed} (no valid output after repair),
 * {@code refused}, {@code error}. Every kind has been recorded in the ledger when a call was made.
 */
public class LlmException extends RuntimeException {
    private final String kind;

    public LlmException(String kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public LlmException(String kind, String message) {
        this(kind, message, null);
    }

    public String kind() {
        return kind;
    }
}
