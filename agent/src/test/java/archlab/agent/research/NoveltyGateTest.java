package archlab.agent.research;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.knowledge.similarity.MiniLmTextEmbedder;
import archlab.knowledge.similarity.TextEmbedder;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Store;
import archlab.sandbox.ModelDefinition;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The novelty gate with the real all-MiniLM-L6-v2 embedder and a real store. */
class NoveltyGateTest {
    static final TextEmbedder MINILM = new MiniLmTextEmbedder();

    static final String TRIED = "Short convolutions on the queries and keys sharpen associative recall, because each "
            + "key then carries the local context of its pair.";
    static final String PARAPHRASE = "Short convolutions on queries and keys sharpen associative recall, since every "
            + "key then carries the local context of its pair.";
    static final String DIFFERENT = "Replace the normalised linear attention with the delta rule, so that writing a "
            + "new value for a key overwrites the old one instead of adding interference.";

    @TempDir
    Path dir;
    Store store;
    Campaign campaign;
    NoveltyGate gate;

    @BeforeEach
    void open() {
        store = Store.openRunFolder(dir);
        campaign = store.campaigns().insert(Campaign.create("t", "", "llm"));
        store.experiments().insert(Experiment.builder("exp-tried", campaign.id())
                .hypothesis(new Hypothesis("Short conv on q and k", TRIED, null))
                .checkedDefinition(Fixtures.CHILD_CONV).status(ExperimentStatus.DONE).fitness(0.61).build());
        gate = new NoveltyGate(store.experiments(), MINILM, NoveltyGate.DEFAULT_THRESHOLD);
    }

    @AfterEach
    void close() {
        store.close();
    }

    static Proposal proposal(String title, String motivation) {
        return new Proposal(title, motivation, null, null, null, new Direction(Move.MUTATE, "", null), Map.of());
    }

    @Test
    void aParaphraseOfATriedMotivationIsRejectedWithTheExperimentItRepeats() {
        NoveltyGate.Screening s = gate.screen(campaign.id(), List.of(proposal("Convolved keys", PARAPHRASE)));

        assertThat(s.accepted()).isEmpty();
        NoveltyGate.Rejection r = s.rejected().get(0);
        assertThat(r.repeats()).isEqualTo("exp-tried");
        assertThat(r.similarity()).isGreaterThanOrEqualTo(NoveltyGate.DEFAULT_THRESHOLD);
        assertThat(r.reason()).startsWith("repeats experiment exp-tried \"Short conv on q and k\" (motivation similarity 0.")
                .endsWith("done, fitness 0.610)");
    }

    @Test
    void aDifferentIdeaOnTheSameTopicIsAccepted() {
        NoveltyGate.Screening s = gate.screen(campaign.id(), List.of(proposal("Delta rule", DIFFERENT)));

        assertThat(s.accepted()).extracting(Proposal::title).containsExactly("Delta rule");
        assertThat(s.rejected()).isEmpty();
    }

    @Test
    void twoVersionsOfOneNewIdeaInOneBatchKeepTheFirst() {
        String again = "Use the delta rule instead of normalised linear attention, so that writing a new value for a "
                + "key overwrites the old one rather than adding interference.";
        NoveltyGate.Screening s = gate.screen(campaign.id(),
                List.of(proposal("Delta rule", DIFFERENT), proposal("Delta rule again", again)));

        assertThat(s.accepted()).extracting(Proposal::title).containsExactly("Delta rule");
        assertThat(s.rejected()).singleElement().satisfies(r -> {
            assertThat(r.repeats()).isNull();
            assertThat(r.reason()).startsWith("repeats hypothesis \"Delta rule\" of the same batch");
        });
    }

    @Test
    void aDefinitionWithACanonicalHashInTheCampaignIsADuplicate() throws Exception {
        String hash = ModelDefinition.parse(Fixtures.CHILD_CONV, "x.arch").canonicalHash();
        String other = ModelDefinition.parse(Fixtures.CHILD_SOFTMAX, "x.arch").canonicalHash();

        assertThat(gate.duplicateOf(campaign.id(), hash)).get().extracting(Experiment::id).isEqualTo("exp-tried");
        assertThat(gate.duplicateOf(campaign.id(), other)).isEmpty();
        assertThat(gate.duplicateOf("cmp-elsewhere", hash)).isEmpty();
        assertThat(gate.duplicateOf(campaign.id(), null)).isEmpty();
    }

    @Test
    void withoutAnEmbedderOnlyTheSameTextRepeats() {
        NoveltyGate exact = new NoveltyGate(store.experiments(), null, NoveltyGate.DEFAULT_THRESHOLD);

        NoveltyGate.Screening s = exact.screen(campaign.id(), List.of(proposal("a", "  " + TRIED.toUpperCase() + " "),
                proposal("b", PARAPHRASE)));

        assertThat(s.rejected()).extracting(r -> r.proposal().title()).containsExactly("a");
        assertThat(s.accepted()).extracting(Proposal::title).containsExactly("b");
        assertThatThrownBy(() -> new NoveltyGate(store.experiments(), null, 0)).hasMessageContaining("(0, 1]");
    }
}
