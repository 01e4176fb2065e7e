package archlab.agent.search;

import archlab.agent.research.Move;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Where candidates come from and how the search reads them. The tabular NAS-Bench-201 space
 * ({@code nb201.Nb201Space}) implements it directly; a campaign implements it over the planner and
 * coder, whose candidates are model definitions ({@link DefinitionFeatures} gives their features).
 *
 * @param <C> the candidate type
 */
public interface SearchSpace<C> {
    /** The space's name, for reports. */
    String name();

    /** The research moves this space can carry out (a subset of {@link Move}). */
    List<Move> moves();

    /**
     * Up to {@code k} candidates that descend from no evaluated node: the seeds of a campaign, or
     * random designs where the space can draw them.
     */
    List<C> fresh(int k, SplittableRandom rng);

    /**
     * Up to {@code k} distinct candidates that apply {@code move} to {@code parent}, leaning on
     * {@code references} where the move uses them (recombination). May return fewer, or candidates the
     * search has seen before: the search screens duplicates out by {@link #key}.
     */
    List<C> propose(C parent, Move move, List<C> references, int k, SplittableRandom rng);

    /** The canonical key: two candidates with one key are the same design. */
    String key(C candidate);

    /** The value model's sparse input features. */
    Map<String, Double> features(C candidate);
}
