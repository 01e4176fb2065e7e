package archlab.agent.search;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.DefinitionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The value model's features of a model definition, on the reference architectures. */
class DefinitionFeaturesTest {
    private static ModelDefinition reference(String name) throws IOException, DefinitionException {
        Path file = Path.of("../knowledge-base/architectures/" + name + ".arch");
        return ModelDefinition.parse(Files.readString(file), file.toString());
    }

    @Test
    void graphFeaturesOfATransformer() throws Exception {
        ModelDefinition d = reference("transformer");
        Map<String, Double> f = DefinitionFeatures.of(d);
        assertThat(f.keySet()).anyMatch(k -> k.startsWith("wl:0:")).anyMatch(k -> k.startsWith("wl:1:"))
                .anyMatch(k -> k.startsWith("wl:2:"));
        assertThat(f).containsKey("op:linear").containsKey("op:embed");
        // two layers, each q, k, v, the attention output and two MLP projections, plus the head
        assertThat(f.get("op:linear")).isGreaterThanOrEqualTo(2 * 6.0);
        assertThat(f.get("depth")).isGreaterThan(10.0);
        assertThat(f.get("log2_params")).isCloseTo(Math.log(d.parameterCount()) / Math.log(2),
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(f.get("log2_flops")).isCloseTo(Math.log(d.flopsPerToken()) / Math.log(2),
                org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void namesAndLayoutDoNotChangeTheFeaturesButTheDesignDoes() throws Exception {
        ModelDefinition d = reference("transformer");
        ModelDefinition renamed = ModelDefinition.parse(d.source().replaceAll("\\bx2\\b", "stacked")
                .replaceAll("\\bh\\b", "hidden"), "renamed.arch");
        assertThat(DefinitionFeatures.of(renamed)).isEqualTo(DefinitionFeatures.of(d));
        assertThat(DefinitionFeatures.of(reference("mamba"))).isNotEqualTo(DefinitionFeatures.of(d));
        ModelDefinition deeper = ModelDefinition.parse(d.source().replace("param layers = 2", "param layers = 3"),
                "deeper.arch");
        assertThat(DefinitionFeatures.of(deeper).get("depth")).isGreaterThan(DefinitionFeatures.of(d).get("depth"));
    }

    @Test
    void theHypothesisEmbeddingIsAppended() throws Exception {
        ModelDefinition d = reference("gla");
        Map<String, Double> f = DefinitionFeatures.of(d, "gate the state", text -> new float[] {0.5f, -0.25f});
        assertThat(f).containsEntry("text:0", 0.5).containsEntry("text:1", -0.25);
        assertThat(f).containsAllEntriesOf(DefinitionFeatures.of(d));
    }
}
