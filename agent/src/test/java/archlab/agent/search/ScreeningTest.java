package archlab.agent.search;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.research.Move;
import archlab.agent.search.nb201.Nb201Cell;
import archlab.agent.search.nb201.Nb201Space;
import archlab.agent.search.nb201.SyntheticTable;
import archlab.knowledge.store.ScreenedCandidate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Level 3, and the rules every strategy keeps: never evaluate a key twice, record what was screened out. */
class ScreeningTest {
    private static SearchSettings settings(int proposals, int evaluations) {
        return SearchSettings.builder().seed(1).proposals(proposals).evaluations(evaluations).ensembleSize(4)
                .moves(List.of(Move.MUTATE, Move.RECOMBINE)).build();
    }

    @Test
    void theTopMByOptimisticScoreAreChosenAndTheRestRecordedWithTheirPredictions() {
        InMemoryJournal journal = new InMemoryJournal();
        SearchStrategy mcts = SearchStrategies.create("mcts", settings(40, 3), journal);
        ManualSteps steps = new ManualSteps(SyntheticTable.table(1));
        for (int i = 0; i < 10; i++) {
            steps.step(mcts);
        }
        ManualSteps.Decision d = steps.decide(mcts);
        assertThat(d.chosen()).hasSize(3);
        List<Screened> all = new ArrayList<>(d.chosen());
        all.addAll(d.screenedOut());
        double kappa = settings(40, 3).kappa();
        for (Screened s : all) {
            assertThat(s.score()).isEqualTo(s.prediction().mean() + kappa * s.prediction().uncertainty());
        }
        double worstChosen = d.chosen().stream().mapToDouble(Screened::score).min().orElseThrow();
        assertThat(d.screenedOut()).allSatisfy(s -> assertThat(s.score()).isLessThanOrEqualTo(worstChosen));
        assertThat(all).extracting(Screened::rank).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, all.size()).boxed().toList());
        assertThat(all).isSortedAccordingTo(Comparator.comparingDouble((Screened s) -> -s.score()));

        // the journal has every one of them, the chosen marked, with the predictions it was judged by
        List<ScreenedCandidate> rows = journal.screenings.stream().filter(r -> r.step() == d.expansion().step()).toList();
        assertThat(rows).hasSize(all.size());
        assertThat(rows.stream().filter(ScreenedCandidate::chosen).map(ScreenedCandidate::candidateKey))
                .containsExactlyInAnyOrderElementsOf(d.chosen().stream().map(Screened::key).toList());
        for (ScreenedCandidate r : rows) {
            Screened s = all.stream().filter(x -> x.key().equals(r.candidateKey())).findFirst().orElseThrow();
            assertThat(r.predictedMean()).isEqualTo(s.prediction().mean());
            assertThat(r.predictedUncertainty()).isEqualTo(s.prediction().uncertainty());
            assertThat(r.parentKey()).isEqualTo(d.expansion().parent());
        }
    }

    @Test
    void noStrategyEvaluatesAKeyTwice() {
        for (String name : SearchStrategies.NAMES) {
            SearchStrategy s = SearchStrategies.create(name, settings(24, 1), new InMemoryJournal());
            ManualSteps steps = new ManualSteps(SyntheticTable.table(2));
            Set<String> evaluated = new HashSet<>();
            for (int i = 0; i < 60; i++) {
                for (Screened c : steps.step(s).chosen()) {
                    assertThat(evaluated.add(c.key())).as(name + " evaluated " + c.key() + " twice").isTrue();
                }
            }
            assertThat(s.observed()).isEqualTo(evaluated.size());
        }
    }

    @Test
    void duplicatesAreDroppedAndANodeWithNothingNewIsNotChosenAgain() {
        InMemoryJournal journal = new InMemoryJournal();
        SearchSettings s = SearchSettings.builder().proposals(2).evaluations(1).ensembleSize(2)
                .moves(List.of(Move.MUTATE)).build();
        SearchStrategy mcts = SearchStrategies.create("mcts", s, journal);
        Expansion first = mcts.next();
        assertThat(first.fresh()).isTrue();
        Candidate a = new Candidate("a", Map.of("x", 1.0));
        Screening sa = mcts.screen(first, List.of(a, a));
        assertThat(sa.chosen()).extracting(Screened::key).containsExactly("a");
        assertThat(sa.duplicates()).isEqualTo(1);
        mcts.observe(Observation.of(first, a, 0.5));

        // the root has N = 1 and one child: a grows; it proposes only itself, so it is spent
        Expansion second = mcts.next();
        assertThat(second.parent()).isEqualTo("a");
        Screening none = mcts.screen(second, List.of(a));
        assertThat(none.chosen()).isEmpty();
        assertThat(journal.nodes.get("a").exhausted()).isTrue();
        // with a spent, the root widens instead
        assertThat(mcts.next().fresh()).isTrue();
    }

    @Test
    void mctsDropsDesignsItCannotTellFromOnesItHasSeen() {
        // two NB201 cells that differ only in edges that compute nothing are the same network: same features
        Nb201Space space = new Nb201Space();
        Nb201Cell a = Nb201Cell.parse(
                "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|");
        Nb201Cell twin = Nb201Cell.parse(
                "|nor_conv_3x3~0|+|skip_connect~0|none~1|+|skip_connect~0|nor_conv_3x3~1|none~2|");
        Candidate ca = new Candidate(space.key(a), space.features(a));
        Candidate ct = new Candidate(space.key(twin), space.features(twin));
        Candidate other = new Candidate("other", Map.of("x", 1.0));
        SearchStrategy mcts = SearchStrategies.create("mcts", settings(4, 2), new InMemoryJournal());
        Expansion e = mcts.next();
        Screening s = mcts.screen(e, List.of(ca, ct, other));
        assertThat(s.chosen()).extracting(Screened::key).containsExactlyInAnyOrder(ca.key(), "other");
        assertThat(s.duplicates()).isEqualTo(1);
        mcts.observe(Observation.of(e, ca, 0.5));
        mcts.observe(Observation.of(e, other, 0.4));
        Expansion next = mcts.next();
        assertThat(mcts.screen(next, List.of(ct)).chosen()).isEmpty();
        // the baselines only compare keys
        SearchStrategy random = SearchStrategies.create("random", settings(4, 1), new InMemoryJournal());
        Expansion r = random.next();
        random.observe(Observation.of(r, random.screen(r, List.of(ca)).chosen().get(0).candidate(), 0.5));
        Expansion r2 = random.next();
        assertThat(random.screen(r2, List.of(ct)).chosen()).extracting(Screened::key).containsExactly(ct.key());
    }

    @Test
    void failedEvaluationsCountAsTheWorstResult() {
        SearchStrategy mcts = SearchStrategies.create("mcts", settings(4, 1), new InMemoryJournal());
        Expansion e = mcts.next();
        Candidate c = new Candidate("broken", Map.of("x", 1.0));
        mcts.screen(e, List.of(c));
        mcts.observe(Observation.of(e, c, null));
        assertThat(mcts.observed()).isEqualTo(1);
        // nothing but REFINE is worth doing to a failure, and this space has no REFINE: the root widens
        assertThat(mcts.next().fresh()).isTrue();
    }
}
