package archlab.agent.research;

/**
 * Writes a definition for a proposal and repairs it, check → shapes → smoke train, within a bounded
 * number of attempts; every attempt is returned.
 */
public interface Coder {
    Coding code(ResearchContext context, Proposal proposal);
}
