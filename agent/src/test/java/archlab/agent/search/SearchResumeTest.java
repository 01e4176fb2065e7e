package archlab.agent.search;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.research.Move;
import archlab.agent.search.nb201.SyntheticTable;
import archlab.evaluators.tabular.TabularEvaluator;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.SearchNode;
import archlab.knowledge.store.Store;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "All tree statistics live in the store, so the search resumes exactly": a search that wrote to a run
 * folder's store, closed, and was restored from it makes the same next decision (node, move, proposals,
 * predictions, choice) as the same search that never stopped.
 */
class SearchResumeTest {
    @TempDir
    Path run;

    private static final TabularEvaluator TABLE = SyntheticTable.table(3);

    private static SearchSettings settings() {
        return SearchSettings.builder().seed(42).proposals(48).ensembleSize(4).moves(
                List.of(Move.MUTATE, Move.RECOMBINE)).build();
    }

    @Test
    void mctsStatisticsSurviveClosingAndReopeningTheStore() {
        ManualSteps steps = new ManualSteps(TABLE);
        String campaignId;
        try (Store store = Store.openRunFolder(run)) {
            campaignId = store.campaigns().insert(Campaign.create("resume", "{}", "offline")).id();
            SearchStrategy written = SearchStrategies.create("mcts", settings(), new StoreJournal(store, campaignId));
            for (int i = 0; i < 15; i++) {
                steps.step(written);
            }
        }
        InMemoryJournal uninterruptedJournal = new InMemoryJournal();
        SearchStrategy uninterrupted = SearchStrategies.create("mcts", settings(), uninterruptedJournal);
        for (int i = 0; i < 15; i++) {
            steps.step(uninterrupted);
        }

        try (Store store = Store.openRunFolder(run)) {
            List<SearchNode> stored = store.searchStats().nodes(campaignId);
            assertThat(withoutCampaign(stored)).isEqualTo(withoutCampaign(List.copyOf(uninterruptedJournal.nodes.values())));
            assertThat(stored).hasSize(15);
            assertThat(store.searchStats().moves(campaignId)).isNotEmpty();
            assertThat(store.searchStats().predictions(campaignId)).isNotEmpty()
                    .allSatisfy(p -> assertThat(p.fitness()).isNotNull());
            assertThat(store.searchStats().screenings(campaignId, false))
                    .anySatisfy(s -> assertThat(s.chosen()).isFalse());

            SearchStrategy resumed = SearchStrategies.create("mcts", settings(), new StoreJournal(store, campaignId));
            assertThat(resumed.observed()).isEqualTo(15);
            ManualSteps.Decision afterRestart = steps.decide(resumed);
            ManualSteps.Decision withoutRestart = steps.decide(uninterrupted);
            assertThat(afterRestart.expansion()).isEqualTo(withoutRestart.expansion());
            assertThat(afterRestart.chosen()).isEqualTo(withoutRestart.chosen());
            assertThat(afterRestart.screenedOut()).isEqualTo(withoutRestart.screenedOut());
            assertThat(resumed.rankQuality()).isEqualTo(uninterrupted.rankQuality());
        }
    }

    @Test
    void everyStrategyResumesFromTheStore() {
        for (String name : SearchStrategies.NAMES) {
            ManualSteps steps = new ManualSteps(TABLE);
            try (Store store = Store.openRunFolder(run.resolve(name))) {
                String id = store.campaigns().insert(Campaign.create(name, "{}", "offline")).id();
                SearchStrategy a = SearchStrategies.create(name, settings(), new StoreJournal(store, id));
                SearchStrategy b = SearchStrategies.create(name, settings(), new InMemoryJournal());
                for (int i = 0; i < 14; i++) {
                    steps.step(a);
                    steps.step(b);
                }
                SearchStrategy resumed = SearchStrategies.create(name, settings(), new StoreJournal(store, id));
                ManualSteps.Decision r = steps.decide(resumed);
                ManualSteps.Decision u = steps.decide(b);
                assertThat(r.expansion()).as(name).isEqualTo(u.expansion());
                assertThat(r.chosen()).as(name).isEqualTo(u.chosen());
            }
        }
    }

    @Test
    void aNewCampaignsValueModelCanStartFromEarlierCampaigns() {
        ManualSteps steps = new ManualSteps(TABLE);
        try (Store store = Store.openRunFolder(run)) {
            String first = store.campaigns().insert(Campaign.create("first", "{}", "offline")).id();
            SearchStrategy a = SearchStrategies.create("mcts", settings(), new StoreJournal(store, first));
            for (int i = 0; i < 20; i++) {
                steps.step(a);
            }
            String second = store.campaigns().insert(Campaign.create("second", "{}", "offline")).id();
            ManualSteps.Decision cold = steps.decide(SearchStrategies.create("mcts", settings(),
                    new StoreJournal(store, second)));
            assertThat(cold.chosen()).allSatisfy(c -> assertThat(c.prediction().uncertainty()).isEqualTo(0.5));
            String third = store.campaigns().insert(Campaign.create("third", "{}", "offline")).id();
            ManualSteps.Decision warm = steps.decide(SearchStrategies.create("mcts", settings(),
                    new StoreJournal(store, third, true)));
            // trained on the first campaign's 20 results: the forecasts differ from one candidate to the next
            List<Double> means = new ArrayList<>();
            warm.chosen().forEach(c -> means.add(c.prediction().mean()));
            warm.screenedOut().forEach(c -> means.add(c.prediction().mean()));
            assertThat(new HashSet<>(means)).hasSizeGreaterThan(3);
        }
    }

    /** Node rows without the campaign id, which differs between the two journals. */
    private static Map<String, String> withoutCampaign(List<SearchNode> nodes) {
        return nodes.stream().collect(Collectors.toMap(SearchNode::key,
                n -> n.toString().replace("campaignId=" + n.campaignId() + ", ", "")));
    }
}
