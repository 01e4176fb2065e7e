package archlab.agent.search;

import archlab.agent.search.nb201.Nb201Cell;
import archlab.agent.search.nb201.Nb201Space;
import archlab.evaluators.tabular.TabularEvaluator;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Drives a strategy step by step the way a campaign does: ask, propose (here from the NB201 space, with
 * randomness from the step number), screen, evaluate, tell. Nothing is kept between steps but the
 * strategy itself, so a strategy restored from its journal can take over at any step.
 */
final class ManualSteps {
    private final Nb201Space space = new Nb201Space();
    private final TabularEvaluator table;

    ManualSteps(TabularEvaluator table) {
        this.table = table;
    }

    /** One step's decisions, for comparison. */
    record Decision(Expansion expansion, List<Screened> chosen, List<Screened> screenedOut) {
    }

    /** Asks and screens (levels 1 to 3) without evaluating. */
    Decision decide(SearchStrategy strategy) {
        Expansion e = strategy.next();
        SplittableRandom rng = new SplittableRandom(e.step() * 7_919L + 13);
        List<Nb201Cell> proposed;
        if (e.fresh()) {
            proposed = space.fresh(e.proposals(), rng);
        } else {
            List<Nb201Cell> refs = new ArrayList<>();
            for (String r : e.references()) {
                refs.add(Nb201Cell.parse(r));
            }
            proposed = space.propose(Nb201Cell.parse(e.parent()), e.move(), refs, e.proposals(), rng);
        }
        List<Candidate> candidates = new ArrayList<>();
        for (Nb201Cell c : proposed) {
            candidates.add(new Candidate(space.key(c), space.features(c)));
        }
        Screening s = strategy.screen(e, candidates);
        return new Decision(e, s.chosen(), s.screenedOut());
    }

    /** A full step: decide, then evaluate the chosen candidates in the table and report them. */
    Decision step(SearchStrategy strategy) {
        Decision d = decide(strategy);
        for (Screened s : d.chosen()) {
            strategy.observe(Observation.of(d.expansion(), s.candidate(), table.accuracy(s.key())));
        }
        return d;
    }
}
