package archlab.sandbox.lang;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.sandbox.ModelDefinition;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A param may apply elementwise functions to numbers (ASI-Arch ports write log(0.9) as a decay's start). */
class ParamFunctionsTest {

    static ModelDefinition parse(String params, String scale) throws DefinitionException {
        String source = params + "model(tokens):\n    x = embed(tokens, 8)\n    return linear(x * " + scale
                + ", vocab)\n";
        return ModelDefinition.parse(source, "p.arch", StandardLibrary.library(), Map.of());
    }

    @Test
    void logExpAndClampOfNumbersAreNumbers() throws Exception {
        ModelDefinition computed = parse("param a = log(0.5)\nparam b = exp(-a) * clamp(3, 0, 1) + sign(-2)\n", "b");
        ModelDefinition literal = parse("", "1");
        // exp(-log(0.5)) * 1 - 1 = 1: the same graph as the literal
        assertThat(computed.canonicalHash()).isEqualTo(literal.canonicalHash());
    }

    @Test
    void tensorOpsStayOutOfParams() {
        assertThatThrownBy(() -> parse("param a = maximum(1, 2)\n", "a"))
                .hasMessageContaining("param-not-number").hasMessageContaining("exp, log, sqrt and clamp");
    }
}
