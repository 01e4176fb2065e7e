package archlab.agent.research;

import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.DefinitionException;

import java.util.List;
import java.util.Objects;

/**
 * What the coder made of a proposal: the definition that passed every stage, checked (source, graph,
 * canonical hash, costs), or none, with every attempt in order. The checked definition travels on to
 * the store and the search as it is, so nothing downstream parses the text again.
 */
public record Coding(Proposal proposal, ModelDefinition checked, List<CodingAttempt> attempts) {
    public Coding {
        Objects.requireNonNull(proposal, "proposal");
        attempts = List.copyOf(attempts);
    }

    /** A coding whose source has not been checked yet (a test's, say): it is checked here, once. */
    public static Coding of(Proposal proposal, String source, List<CodingAttempt> attempts) {
        if (source == null) {
            return new Coding(proposal, null, attempts);
        }
        try {
            return new Coding(proposal, ModelDefinition.parse(source, CodingGate.FILE), attempts);
        } catch (DefinitionException e) {
            throw new IllegalArgumentException("a coding's definition must check: " + e.getMessage(), e);
        }
    }

    public static Coding failed(Proposal proposal, List<CodingAttempt> attempts) {
        return new Coding(proposal, null, attempts);
    }

    public boolean ok() {
        return checked != null;
    }

    /** The definition's source, or null when the coding failed. */
    public String definition() {
        return checked == null ? null : checked.source();
    }
}
