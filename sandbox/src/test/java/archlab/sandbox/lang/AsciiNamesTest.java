package archlab.sandbox.lang;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.sandbox.ModelDefinition;
import org.junit.jupiter.api.Test;

/** Names are ASCII, as docs/language.md says: a non-ASCII letter gets an error with its place and a fix. */
class AsciiNamesTest {
    static final String MODEL = "model(tokens):\n    %s = embed(tokens, 16)\n    return lm_head(%s)\n";

    @Test
    void aNonAsciiLetterInANameIsRefusedWithWhereAndWhy() {
        for (String name : new String[] {"\u03b1", "x\u00e9", "caf\u00e9_2"}) {
            assertThatThrownBy(() -> ModelDefinition.parse(String.format(MODEL, name, name), "m.arch"))
                    .isInstanceOf(DefinitionException.class)
                    .hasMessageContaining("2:").hasMessageContaining("names are ASCII letters, digits and '_'");
        }
    }

    @Test
    void asciiNamesStillCheck() throws Exception {
        assertThat(ModelDefinition.parse(String.format(MODEL, "h_2", "h_2"), "m.arch").canonicalHash()).isNotBlank();
    }
}
