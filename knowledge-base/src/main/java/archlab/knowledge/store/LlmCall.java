package archlab.knowledge.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One call to a language model, kept whole: the store is also the replay cache, so a resumed
 * campaign does not pay again for a call it already made ({@link LlmCalls#replay}).
 *
 * @param promptHash the caller's key for the request (a hash of provider, model, parameters and prompt)
 * @param outcome    {@code ok}, or why it failed ({@code error}, {@code timeout}, {@code refused}, ...)
 * @param id         assigned by the store; null on a record not yet written
 */
public record LlmCall(Long id, String campaignId, String experimentId, String role, String provider, String model,
                      String promptHash, String prompt, String response, long tokensIn, long tokensOut, double cost,
                      long latencyMs, String outcome, Instant createdAt) {
    public static final String OUTCOME_OK = "ok";

    public LlmCall {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(promptHash, "promptHash");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(outcome, "outcome");
    }

    public boolean ok() {
        return OUTCOME_OK.equals(outcome);
    }
}
