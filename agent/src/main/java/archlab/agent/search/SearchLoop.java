package archlab.agent.search;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * One strategy driving one space in process: each {@link #step} asks the strategy where to expand, has the
 * space propose, lets the strategy screen, evaluates the chosen candidates and reports the results. This
 * is all a benchmark needs; a campaign does the same steps itself with the planner, coder and sandbox in
 * place of {@link SearchSpace#propose} and the evaluator.
 *
 * @param <C> the candidate type
 */
public final class SearchLoop<C> {
    /** How a candidate is scored: its fitness, higher is better, or null when it failed. */
    @FunctionalInterface
    public interface Evaluator<C> {
        Double evaluate(C candidate);
    }

    /** One evaluated candidate of a step. */
    public record Evaluated<C>(C candidate, String key, Double fitness, Screened screened) {
    }

    /** Steps in a row that may yield nothing new before the loop decides the space is used up. */
    static final int MAX_EMPTY_STEPS = 1_000;

    private final SearchSpace<C> space;
    private final SearchStrategy strategy;
    private final long seed;
    private final Map<String, C> known = new HashMap<>();

    public SearchLoop(SearchSpace<C> space, SearchStrategy strategy, long seed) {
        this.space = Objects.requireNonNull(space, "space");
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.seed = seed;
    }

    /**
     * Runs steps until one evaluates something, and returns what it evaluated. Throws when
     * {@value #MAX_EMPTY_STEPS} steps in a row find nothing new (a space smaller than the budget).
     */
    public List<Evaluated<C>> step(Evaluator<C> evaluator) {
        for (int empty = 0; empty < MAX_EMPTY_STEPS; empty++) {
            Expansion e = strategy.next();
            SplittableRandom rng = new SplittableRandom(seed * 0xD1B54A32D192ED03L + e.step() * 0x9E3779B97F4A7C15L);
            List<C> proposed;
            if (e.fresh()) {
                proposed = space.fresh(e.proposals(), rng);
            } else {
                C parent = known(e.parent());
                List<C> references = new ArrayList<>(e.references().size());
                for (String r : e.references()) {
                    references.add(known(r));
                }
                proposed = space.propose(parent, e.move(), references, e.proposals(), rng);
            }
            Map<String, C> byKey = new HashMap<>();
            List<Candidate> candidates = new ArrayList<>(proposed.size());
            for (C c : proposed) {
                String key = space.key(c);
                byKey.putIfAbsent(key, c);
                candidates.add(new Candidate(key, space.features(c)));
            }
            Screening screening = strategy.screen(e, candidates);
            if (screening.chosen().isEmpty()) {
                continue;
            }
            List<Evaluated<C>> out = new ArrayList<>(screening.chosen().size());
            for (Screened s : screening.chosen()) {
                C c = byKey.get(s.key());
                Double fitness = evaluator.evaluate(c);
                known.put(s.key(), c);
                strategy.observe(Observation.of(e, s.candidate(), fitness));
                out.add(new Evaluated<>(c, s.key(), fitness, s));
            }
            return out;
        }
        throw new IllegalStateException(strategy.name() + " found nothing new to evaluate in " + MAX_EMPTY_STEPS
                + " steps in a row; the space " + space.name() + " seems used up");
    }

    private C known(String key) {
        C c = known.get(key);
        if (c == null) {
            throw new IllegalStateException("the strategy asked to expand " + key + ", which this loop never evaluated");
        }
        return c;
    }
}
