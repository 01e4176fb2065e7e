package archlab.knowledge.similarity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.CanonicalHash;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WlFeaturesTest {
    static final String TRANSFORMER = Architectures.source("transformer");

    static double similarity(String a, String b) {
        return WlFeatures.cosine(WlFeatures.of(Architectures.graph(a)), WlFeatures.of(Architectures.graph(b)));
    }

    @Test
    void identicalDefinitionsHaveEqualFeaturesAndSimilarityOne() {
        Map<String, Integer> a = WlFeatures.of(Architectures.graph(TRANSFORMER));
        Map<String, Integer> b = WlFeatures.of(Architectures.graph(TRANSFORMER));
        assertThat(a).isEqualTo(b).isNotEmpty();
        assertThat(WlFeatures.cosine(a, b)).isEqualTo(1.0, within(1e-12));
    }

    @Test
    void renamingAndReorderingChangesNothing() {
        ArchGraph a = Architectures.graph(TRANSFORMER);
        ArchGraph b = Architectures.graph(Architectures.RENAMED_TRANSFORMER);
        assertThat(CanonicalHash.of(b)).isEqualTo(CanonicalHash.of(a));
        assertThat(WlFeatures.of(b)).isEqualTo(WlFeatures.of(a));
    }

    @Test
    void aSmallEditIsSimilarAWidthChangeMoreSoAnotherFamilyIsNot() {
        double swiglu = similarity(TRANSFORMER, TRANSFORMER.replace("mlp(rmsnorm(h), 4 * d)", "swiglu(rmsnorm(h), 4 * d)"));
        double noRope = similarity(TRANSFORMER, TRANSFORMER.replace(
                "q = rope(split_heads(linear(x, d), heads))", "q = split_heads(linear(x, d), heads)"));
        double wider = similarity(TRANSFORMER, TRANSFORMER.replace("param d = 64", "param d = 128"));
        double deeper = similarity(TRANSFORMER, TRANSFORMER.replace("param layers = 2", "param layers = 4"));
        assertThat(swiglu).isBetween(0.8, 0.99);
        assertThat(noRope).isBetween(0.8, 0.99);
        assertThat(wider).isBetween(0.95, 0.9999);
        assertThat(deeper).isBetween(0.95, 0.9999);
        for (String other : new String[] {"mamba", "hyena", "deltanet"}) {
            double s = similarity(TRANSFORMER, Architectures.source(other));
            assertThat(s).as("transformer vs " + other).isLessThan(0.4).isLessThan(swiglu - 0.4);
        }
    }

    @Test
    void featureKeysAreReadableAtRoundZeroAndHashedAfter() {
        Map<String, Integer> f = WlFeatures.of(Architectures.graph(TRANSFORMER), 2);
        // The MLP's expansion to 4 d, whatever d is; the output head by vocab; the width as a coarse bucket.
        assertThat(f).containsKey("0:linear{bias=F,out=x4}[B,T,n]").containsKey("0:linear{bias=F,out=vocab}[B,T,n]")
                .containsEntry("size:width:6", 1).containsEntry("0:input[B,T]", 1);
        assertThat(f.keySet()).anyMatch(k -> k.matches("1:[0-9a-f]{16}")).anyMatch(k -> k.matches("2:[0-9a-f]{16}"))
                .noneMatch(k -> k.startsWith("3:"));
        Map<String, Integer> zero = WlFeatures.of(Architectures.graph(TRANSFORMER), 0);
        assertThat(zero.keySet()).allMatch(k -> k.startsWith("0:") || k.startsWith("size:"));
        // One round-0 feature per node.
        int nodes = Architectures.graph(TRANSFORMER).nodes().size();
        assertThat(zero.entrySet().stream().filter(e -> e.getKey().startsWith("0:")).mapToInt(Map.Entry::getValue).sum())
                .isEqualTo(nodes);
    }

    @Test
    void scanStepGraphsContributeTheirOwnFeatures() {
        Map<String, Integer> f = WlFeatures.of(Architectures.reference("mamba"));
        assertThat(f.keySet()).anyMatch(k -> k.startsWith("scan>0:scan_state"));
        assertThat(f.keySet()).anyMatch(k -> k.startsWith("scan>2:"));
    }

    @Test
    void cosineOfEmptyVectorsIsZero() {
        assertThat(WlFeatures.cosine(Map.of(), Map.of("0:x", 1))).isZero();
        assertThat(WlFeatures.cosine(Map.of("0:a", 2), Map.of("0:b", 3))).isZero();
    }
}
