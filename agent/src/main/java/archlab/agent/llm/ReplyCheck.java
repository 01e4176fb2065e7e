package archlab.agent.llm;

import java.util.Optional;

/**
 * What a caller requires of a reply beyond its schema: a list that must not be empty, a definition
 * that must mention the hypothesis. A reply it rejects is treated like malformed output: the problem
 * is quoted to the model in the repair prompt, within the same bounded number of repairs.
 */
@FunctionalInterface
public interface ReplyCheck {
    ReplyCheck ANY = reply -> Optional.empty();

    /** Why the reply cannot be used, in words the model can act on; empty when it can. */
    Optional<String> problem(LlmReply reply);
}
