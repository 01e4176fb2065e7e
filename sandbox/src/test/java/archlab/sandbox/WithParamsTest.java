package archlab.sandbox;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WithParamsTest {
    @Test
    void smallerWidthGivesFewerParametersAndTheSameStructure() throws Exception {
        String src = Files.readString(Path.of("../knowledge-base/architectures/transformer.arch"));
        ModelDefinition full = ModelDefinition.parse(src, "transformer.arch");
        String narrow = ModelDefinition.withParams(src, "transformer.arch", Map.of("d", 32));
        ModelDefinition small = ModelDefinition.parse(narrow, "transformer.arch");
        assertThat(narrow).contains("param d = 32");
        assertThat(small.parameterCount()).isLessThan(full.parameterCount());
        assertThat(small.graph().nodes()).hasSameSizeAs(full.graph().nodes());
        assertThat(ModelDefinition.withParams(src, "t.arch", Map.of())).isSameAs(src);
    }

    @Test
    void anUndeclaredParamIsNamed() throws Exception {
        String src = "arch tiny\nparam d = 16\nmodel(tokens):\n    return lm_head(embed(tokens, d))\n";
        assertThatThrownBy(() -> ModelDefinition.withParams(src, "tiny.arch", Map.of("width", 8, "d", 8)))
                .hasMessage("tiny.arch declares no param width; its params are d");
    }
}
