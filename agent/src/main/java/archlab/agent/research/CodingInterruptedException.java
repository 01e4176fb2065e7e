package archlab.agent.research;

import archlab.agent.llm.LlmException;

/**
 * A coder's model could not be asked any more (budget spent, provider down, no valid reply) in the
 * middle of a coding. It carries the attempts made so far, so that they are recorded with the failed
 * experiment and nothing is lost; its {@link #kind()} is the cause's.
 */
public final class CodingInterruptedException extends LlmException {
    private final transient Coding partial;

    public CodingInterruptedException(Coding partial, LlmException cause) {
        super(cause.kind(), "coding \"" + partial.proposal().title() + "\" stopped after "
                + partial.attempts().size() + " attempt(s): " + cause.getMessage(), cause);
        this.partial = partial;
    }

    /** The coding as far as it got: no definition, every attempt made. */
    public Coding partial() {
        return partial;
    }
}
