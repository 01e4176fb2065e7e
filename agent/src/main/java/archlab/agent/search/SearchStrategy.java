package archlab.agent.search;

import java.util.List;

/**
 * A search strategy as ask/tell: {@link #next} says which node to expand with which move, the caller
 * proposes candidates (planner and coder, or a {@link SearchSpace}), {@link #screen} picks the ones worth
 * evaluating, and {@link #observe} takes each result. Strategies are chosen by name through
 * {@link SearchStrategies#create}. Not thread-safe: one campaign thread drives it; several steps may
 * be in flight at once (chosen candidates count as virtual visits until their results arrive).
 */
public interface SearchStrategy {
    /** The name it was created by ({@code mcts}, {@code rea}, {@code random}, {@code pool}, {@code greedy}). */
    String name();

    /** Levels 1 and 2: the next node to expand and the move, or fresh candidates. */
    Expansion next();

    /**
     * Level 3: of the candidates proposed for {@code expansion}, the ones to evaluate (at most
     * {@link Expansion#evaluations}), best first. Candidates the search has already seen are dropped.
     * When nothing new is left the chosen list is empty and the node is not chosen again.
     */
    Screening screen(Expansion expansion, List<Candidate> candidates);

    /** A result arrived. */
    void observe(Observation observation);

    /** The value model's prequential ranking quality so far (NaN where a strategy has no value model). */
    RankQuality rankQuality();

    /** The number of results observed. */
    int observed();
}
