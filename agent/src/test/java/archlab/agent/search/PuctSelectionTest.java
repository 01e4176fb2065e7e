package archlab.agent.search;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.research.Move;
import archlab.knowledge.store.SearchNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Level 1 on a tree small enough to compute by hand. The tree, restored from a journal (fitness, visits,
 * value sum, best fitness in the subtree, prior):
 *
 * <pre>
 * root (N = 7)
 * +-- A  0.50  N 3  W 1.5  best 0.80  P 0.2
 * |   +-- A1 0.80  N 1  W 0.90  P 0.4
 * |   +-- A2 0.30  N 1  W 0.10  P 0.1
 * +-- B  0.70  N 3  W 1.8  best 0.70  P 0.5
 * |   +-- B1 0.40  N 1  W 0.20  P 0.6
 * |   +-- B2 0.65  N 1  W 0.55  P 0.2
 * +-- C  0.60  N 1  W 0.5  best 0.60  P 0.3
 * </pre>
 *
 * With c_w = 1 and alpha = 0.5 the root may have ceil(sqrt 7) = 3 children and A and B ceil(sqrt 3) = 2, so
 * selection descends from both; a leaf (N = 1, room for one child) is where it stops. kappa = 0, so a
 * node's prior is its prior mean, normalised over its siblings.
 */
class PuctSelectionTest {
    private static SearchNode node(String key, String parent, long seq, double fitness, int visits, double valueSum,
                                   double best, double prior) {
        return new SearchNode("test", key, parent, null, parent == null ? null : "mutate", parent == null ? 1 : 2,
                seq, seq + 1, fitness, visits, valueSum, best, prior, 0.0, false, Map.of("f", fitness));
    }

    private static final List<SearchNode> TREE = List.of(
            node("A", null, 0, 0.50, 3, 1.5, 0.80, 0.2),
            node("B", null, 1, 0.70, 3, 1.8, 0.70, 0.5),
            node("C", null, 2, 0.60, 1, 0.5, 0.60, 0.3),
            node("A1", "A", 3, 0.80, 1, 0.90, 0.80, 0.4),
            node("A2", "A", 4, 0.30, 1, 0.10, 0.30, 0.1),
            node("B1", "B", 5, 0.40, 1, 0.20, 0.40, 0.6),
            node("B2", "B", 6, 0.65, 1, 0.55, 0.65, 0.2));

    private static Expansion next(double cPuct, double maxBackup) {
        SearchSettings s = SearchSettings.builder().cPuct(cPuct).maxBackup(maxBackup).kappa(0).wideningC(1)
                .wideningAlpha(0.5).moves(List.of(Move.MUTATE, Move.RECOMBINE)).build();
        InMemoryJournal journal = new InMemoryJournal(new SearchHistory(7, TREE, List.of(), List.of()));
        return SearchStrategies.create("mcts", s, journal).next();
    }

    @Test
    void meanBackupWithStrongExplorationFollowsThePrior() {
        // root: U = Q + c P sqrt(7) / (1 + N)
        //   A: 1.5/3 + 0.2 * 2.6458 / 4 = 0.6323;  B: 1.8/3 + 0.5 * 2.6458 / 4 = 0.9307;  C: 0.5 + 0.3 * 2.6458 / 2 = 0.8969
        // B: P(B1) = 0.6 / 0.8 = 0.75, P(B2) = 0.25; sqrt(3) = 1.7321
        //   B1: 0.2 + 0.75 * 1.7321 / 2 = 0.8495;  B2: 0.55 + 0.25 * 1.7321 / 2 = 0.7665
        Expansion e = next(1.0, 0.0);
        assertThat(e.parent()).isEqualTo("B1");
        assertThat(e.step()).isEqualTo(8);
        assertThat(e.move()).isEqualTo(Move.MUTATE); // the bandit tries untried moves in order
    }

    @Test
    void meanBackupWithWeakExplorationFollowsTheValues() {
        // root, c = 0.2: A 0.5265, B 0.6661, C 0.5794 -> B
        // B: B1 0.2 + 0.2 * 0.6495 = 0.3299;  B2 0.55 + 0.2 * 0.2165 = 0.5933 -> B2
        assertThat(next(0.2, 0.0).parent()).isEqualTo("B2");
    }

    @Test
    void maxBackupFollowsTheBestResultInEachSubtree() {
        // ranks of the 7 results: 0.3 0.4 0.5 0.6 0.65 0.7 0.8 -> normalised (below + 1/2) / 7
        // root, c = 0.2: A norm(0.8) 0.9286 + 0.0265 = 0.9550;  B norm(0.7) 0.7857 + 0.0661 = 0.8519;
        //   C norm(0.6) 0.5 + 0.0794 = 0.5794 -> A
        // A: P(A1) = 0.8, P(A2) = 0.2: A1 0.9286 + 0.2 * 0.8 * 0.8660 = 1.0671;  A2 0.0714 + 0.0346 -> A1
        assertThat(next(0.2, 1.0).parent()).isEqualTo("A1");
    }

    @Test
    void theRootWidensWhenItsVisitsAllowAnotherFreshChild() {
        // one fresh node with one child: the root has N = 2, room for ceil(sqrt 2) = 2 children, and has 1
        List<SearchNode> small = List.of(node("A", null, 0, 0.5, 2, 1.0, 0.8, 0.5),
                node("A1", "A", 1, 0.8, 1, 0.75, 0.8, 0.5));
        SearchSettings s = SearchSettings.builder().moves(List.of(Move.MUTATE)).build();
        Expansion e = SearchStrategies.create("mcts", s, new InMemoryJournal(new SearchHistory(2, small, List.of(),
                List.of()))).next();
        assertThat(e.fresh()).isTrue();
        assertThat(e.move()).isNull();
    }
}
