package archlab.agent.llm;

/**
 * The LLM layer as agents see it: one method. Implementations add the provider per role, retries,
 * the circuit breaker, budgets, the ledger, the replay cache and schema repair.
 */
public interface Llm {
    LlmReply ask(LlmRequest request) throws LlmException;

    /** The model a role is configured to use, as printed ({@code provider/model}). */
    String describe(Role role);
}
