package archlab.knowledge.similarity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The default text embedder, for real: motivations that mean the same are near, unrelated ones are not. */
class MiniLmTextEmbedderTest {
    @Test
    void paraphrasedMotivationsRankFirst() {
        SimilarityIndex index = new SimilarityIndex(new MiniLmTextEmbedder());
        index.add("decay", null, "Add a data-dependent forget gate so the recurrent state can decay old associations.",
                Outcome.done(0.6));
        index.add("moe", null, "Route each token to two of eight expert MLPs to raise capacity at constant cost.",
                Outcome.done(0.5));
        index.add("conv", null, "A short causal convolution before attention helps induction heads form.",
                Outcome.failed("diverged", "NaN"));
        List<SimilarHit> hits = index.similar(null, "let the memory forget: a learned gate that decays the state", 3);
        assertThat(hits.get(0).experimentId()).isEqualTo("decay");
        assertThat(hits.get(0).textScore()).isGreaterThan(hits.get(1).textScore() + 0.1);
    }
}
