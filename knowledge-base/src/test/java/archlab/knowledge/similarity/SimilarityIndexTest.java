package archlab.knowledge.similarity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import archlab.sandbox.graph.ArchGraph;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SimilarityIndexTest {
    /** A deterministic bag-of-words embedder: each word hashed into one of 64 buckets. */
    static final TextEmbedder WORDS = text -> {
        float[] v = new float[64];
        for (String w : text.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
            if (!w.isEmpty()) {
                v[Math.floorMod(w.hashCode(), 64)] += 1;
            }
        }
        return v;
    };

    static List<ArchGraph> references = new ArrayList<>();

    @BeforeAll
    static void parse() {
        for (String name : Architectures.NAMES) {
            references.add(Architectures.reference(name));
        }
    }

    static SimilarityIndex referenceIndex(TextEmbedder embedder) {
        SimilarityIndex index = new SimilarityIndex(embedder);
        for (int i = 0; i < Architectures.NAMES.length; i++) {
            String name = Architectures.NAMES[i];
            Outcome outcome = name.equals("hyena") ? Outcome.failed("diverged", "loss became NaN at step 120")
                    : Outcome.done(0.5 + 0.05 * i);
            index.add(name, references.get(i), "motivation of " + name + " " + name, outcome);
        }
        return index;
    }

    @Test
    void aRenamedDefinitionIsADuplicate() {
        SimilarityIndex index = referenceIndex(null);
        ArchGraph renamed = Architectures.graph(Architectures.RENAMED_TRANSFORMER);
        List<SimilarHit> hits = index.similar(renamed, null, 3);
        assertThat(hits.get(0).experimentId()).isEqualTo("transformer");
        assertThat(hits.get(0).duplicate()).isTrue();
        assertThat(hits.get(0).score()).isEqualTo(1.0);
        assertThat(hits.get(0).graphScore()).isEqualTo(1.0);
        assertThat(hits.get(0).textScore()).isNull();
        assertThat(hits.get(1).duplicate()).isFalse();
        SimilarityReport report = index.report(SimilarityIndex.Candidate.of(renamed, null), 3);
        assertThat(report.isDuplicate()).isTrue();
        assertThat(report.duplicates()).containsExactly("transformer");
        assertThat(report.novelty()).isZero();
    }

    @Test
    void anEditFindsItsParentFirstAndReportsNeighbourOutcomes() {
        SimilarityIndex index = referenceIndex(null);
        String gla = Architectures.source("gla").replace("swiglu(rmsnorm(h), 4 * d)", "mlp(rmsnorm(h), 2 * d)");
        List<SimilarHit> hits = index.similar(Architectures.graph(gla), null, 8);
        assertThat(hits).hasSize(8);
        assertThat(hits.get(0).experimentId()).isEqualTo("gla");
        assertThat(hits.get(0).duplicate()).isFalse();
        assertThat(hits.get(0).graphScore()).isBetween(0.7, 0.999);
        assertThat(hits).isSortedAccordingTo((a, b) -> Double.compare(b.score(), a.score()));
        SimilarHit hyena = hits.stream().filter(h -> h.experimentId().equals("hyena")).findFirst().orElseThrow();
        assertThat(hyena.outcome().failureKind()).isEqualTo("diverged");
        assertThat(hyena.outcome().failureReason()).contains("NaN");
        SimilarityReport report = index.report(SimilarityIndex.Candidate.of(Architectures.graph(gla), null), 8);
        assertThat(report.failureKinds()).containsEntry("diverged", 1);
        assertThat(report.meanFitness()).isNotNull();
        assertThat(report.novelty()).isBetween(0.001, 0.3);
    }

    @Test
    void motivationTextAddsASignalAndFindsExperimentsWithoutAGraph() {
        SimilarityIndex index = referenceIndex(WORDS);
        // An imported experiment with no definition in our language: found by its motivation only.
        index.add("imported", null, "a gated convolution with an implicit long filter", Outcome.done(0.7));
        List<SimilarHit> hits = index.similar(null, "A gated convolution, with an implicit long filter.", 3);
        assertThat(hits.get(0).experimentId()).isEqualTo("imported");
        assertThat(hits.get(0).textScore()).isEqualTo(1.0, within(1e-6));
        assertThat(hits.get(0).graphScore()).isNull();
        // Same graph for two candidates; the motivation decides between equally plausible neighbours.
        ArchGraph transformer = references.get(List.of(Architectures.NAMES).indexOf("transformer"));
        SimilarHit top = index.similar(transformer, "motivation of transformer transformer", 1).get(0);
        assertThat(top.experimentId()).isEqualTo("transformer");
        assertThat(top.textScore()).isEqualTo(1.0, within(1e-6));
        SimilarHit retnet = index.similar(transformer, "motivation of retnet retnet", 8).stream()
                .filter(h -> h.experimentId().equals("retnet")).findFirst().orElseThrow();
        SimilarHit retnetNoText = index.similar(transformer, null, 8).stream()
                .filter(h -> h.experimentId().equals("retnet")).findFirst().orElseThrow();
        assertThat(retnet.score()).isGreaterThan(retnetNoText.score());
        assertThat(retnet.score()).isEqualTo(0.7 * retnet.graphScore() + 0.3 * retnet.textScore(), within(1e-9));
    }

    @Test
    void outcomesUpdateAndExperimentsCanBeRemoved() {
        SimilarityIndex index = referenceIndex(null);
        assertThat(index.updateOutcome("gla", Outcome.failed("oom", "out of memory"))).isTrue();
        assertThat(index.similar(references.get(2), null, 1).get(0).outcome().failureKind()).isEqualTo("oom");
        assertThat(index.remove("gla")).isTrue();
        assertThat(index.size()).isEqualTo(7);
        assertThat(index.similar(references.get(2), null, 8)).noneMatch(h -> h.experimentId().equals("gla"));
        // Re-adding an id replaces it.
        index.add("transformer", references.get(2), null, Outcome.UNKNOWN);
        assertThat(index.size()).isEqualTo(7);
        assertThat(index.similar(references.get(2), null, 1).get(0).experimentId()).isEqualTo("transformer");
    }

    @Test
    void thousandsOfExperimentsAnswerQuickly() {
        // 40 variants of the references, 50 ids each: 2,000 experiments.
        Random random = new Random(3);
        List<ArchGraph> variants = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String src = Architectures.source(Architectures.NAMES[i % Architectures.NAMES.length])
                    .replace("param d = 64", "param d = " + (32 << random.nextInt(3)))
                    .replace("param layers = 2", "param layers = " + (1 + random.nextInt(3)));
            variants.add(Architectures.graph(src));
        }
        SimilarityIndex index = new SimilarityIndex();
        long t0 = System.nanoTime();
        for (int i = 0; i < 2000; i++) {
            index.add("x" + i, variants.get(i % variants.size()), null, Outcome.done(random.nextDouble()));
        }
        long addMillis = (System.nanoTime() - t0) / 1_000_000;
        t0 = System.nanoTime();
        for (int q = 0; q < 50; q++) {
            List<SimilarHit> hits = index.similar(variants.get(q % variants.size()), null, 10);
            assertThat(hits).hasSize(10).allMatch(SimilarHit::duplicate);
        }
        double perQuery = (System.nanoTime() - t0) / 1e6 / 50;
        System.out.printf("similarity index: 2000 adds in %d ms, %.2f ms per query%n", addMillis, perQuery);
        assertThat(perQuery).isLessThan(200);
    }
}
