package archlab.agent.research;

import java.util.List;
import java.util.Objects;

/**
 * What the coder made of a proposal: the definition that passed every stage, or none, with every
 * attempt in order.
 */
public record Coding(Proposal proposal, String definition, List<CodingAttempt> attempts) {
    public Coding {
        Objects.requireNonNull(proposal, "proposal");
        attempts = List.copyOf(attempts);
    }

    public boolean ok() {
        return definition != null;
    }
}
