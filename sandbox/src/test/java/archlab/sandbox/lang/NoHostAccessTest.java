package archlab.sandbox.lang;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.sandbox.CheckReport;
import archlab.sandbox.ModelDefinition;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Definitions cannot do I/O or reach the host: the language has no strings, no imports, no attribute
 * access, and only tensor ops; every way a hostile (or prompt-injected) definition might try is an
 * error that names where it is, never an effect.
 */
class NoHostAccessTest {
    static final String HEAD = "model(tokens):\n    x = embed(tokens, 16)\n";

    @Test
    void hostFunctionsStringsImportsAndAttributesAreErrors() {
        List<String> attempts = List.of(
                "    y = open(\"/etc/passwd\")\n",
                "    y = open(x)\n",
                "    y = exec(x)\n",
                "    y = eval(x)\n",
                "    y = system(x)\n",
                "    y = __import__(x)\n",
                "    y = print(x)\n",
                "    y = read_file(x)\n",
                "    y = socket(x)\n",
                "    y = x.__class__\n",
                "    y = getattr(x, 1)\n",
                "import os\n",
                "from os import system\n",
                "    y = \"rm -rf /\"\n",
                "    y = `id`\n",
                "    y = x[0]\n",
                "    with open(x) as f:\n");
        for (String attempt : attempts) {
            String source = HEAD + attempt + "    return lm_head(x)\n";
            CheckReport r = ModelDefinition.check(source, "hostile.arch");
            assertThat(r.ok()).as(attempt).isFalse();
            assertThat(r.errors()).as(attempt).isNotEmpty()
                    .allSatisfy(d -> assertThat(d.line()).isPositive());
        }
    }
}
