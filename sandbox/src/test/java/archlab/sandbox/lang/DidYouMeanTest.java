package archlab.sandbox.lang;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Unknown names get the archlab spelling of a PyTorch name, a typo's fix, or nothing, never an unrelated op. */
class DidYouMeanTest {

    /** The first diagnostic of a one-line model that calls {@code call}. */
    static Diagnostic check(String call) {
        String source = "model(tokens):\n    x = embed(tokens, 16)\n    y = " + call + "\n    return linear(y, vocab)\n";
        Ast.Program p;
        try {
            p = Parser.parse(source, "t.arch");
        } catch (DefinitionException e) {
            throw new AssertionError(e);
        }
        List<Diagnostic> d = Validator.validate(p, "t.arch", StandardLibrary.library());
        assertThat(d).as(call).isNotEmpty();
        return d.get(0);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "einsum(x, x)          | no einsum: move the contracted dim last",
            "masked_fill(x, x)     | causal_mask(s) or causal_zero(s)",
            "tril(x)               | causal_zero(s)",
            "clip(x, 0, 1)         | clamp(x, lo, hi)",
            "layer_norm(x)         | layernorm(x)",
            "logsigmoid(x)         | -softplus(-x)",
            "cat(x, x)             | concat(a, b, dim=-1)",
            "normalize(x)          | l2norm(x)",
            "rsqrt(x)              | x ** -0.5",
            "scaled_dot_product_attention(x, x, x) | softmax_attention(q, k, v)",
            "index_select(x, 1)    | gather(x, (i0, i1, ...), dim)",
            "dropout(x)            | trains without dropout",
            "swish(x)              | silu(x)",
            "LayerNorm(x)          | (case)layernorm",
            "GELU(x)               | (case)gelu",
    })
    void pytorchNamesGetTheirArchlabSpelling(String call, String expected) {
        Diagnostic d = check(call);
        assertThat(d.code()).isEqualTo("unknown-op");
        if (expected.startsWith("(case)")) {
            // PyTorch's module classes: the functional spelling is archlab's
            assertThat(d.message()).contains("did you mean '" + expected.substring(6) + "'?");
        } else {
            assertThat(d.message()).contains("in archlab this is").contains(expected);
        }
    }

    @Test
    void theOpsIssue18AddedAreNoLongerUnknown() {
        for (String call : List.of("clamp(x, 0, 1)", "var(x, -1)", "std(x, -1)", "norm(x, -1)", "sort(x)",
                "topk(x, 2)", "sign(x)", "where(x, x, 0.0)", "x @ eye(16)", "x * progress()", "gather(x, (0, 1), -1)")) {
            String source = "model(tokens):\n    x = embed(tokens, 16)\n    y = " + call + "\n    return linear(y, vocab)\n";
            try {
                assertThat(Validator.validate(Parser.parse(source, "t.arch"), "t.arch", StandardLibrary.library()))
                        .as(call).isEmpty();
            } catch (DefinitionException e) {
                throw new AssertionError(call, e);
            }
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"sofmax(x), softmax", "'lienar(x, 16)', linear", "rmsnrom(x), rmsnorm", "tahn(x), tanh",
            "sigmod(x), sigmoid", "cumsun(x), cumsum", "exq(x), ''", "sqrr(x), ''", "sorted(x), sort"})
    void typosAreFixedAndOtherWordsAreLeftAlone(String call, String fix) {
        Diagnostic d = check(call);
        if (fix.isEmpty()) {
            assertThat(d.message()).doesNotContain("did you mean");
        } else {
            assertThat(d.message()).contains("did you mean '" + fix + "'?");
        }
    }

    @Test
    void aReplacedLetterInAShortNameIsAnotherWordNotATypo() {
        var ops = new java.util.HashSet<>(Primitives.names());
        // 'sort' used to suggest 'sqrt'; now sort exists, and the rule itself refuses the pair
        assertThat(Validator.suggest("sqrt", java.util.Set.of("sort"))).isEmpty();
        assertThat(Validator.suggest("mask", ops)).isEmpty();
        assertThat(Validator.suggest("topk", java.util.Set.of("top"))).isEqualTo("; did you mean 'top'?");
        assertThat(Validator.suggest("rleu", ops)).isEqualTo("; did you mean 'relu'?");
        assertThat(Validator.suggest("gelu", java.util.Set.of("relu", "selu"))).isEmpty();
    }

    @Test
    void initialiserNamesFromTorchNnInitAreTranslated() {
        Diagnostic d = check("linear(x, 16, init=xavier_uniform)");
        assertThat(d.code()).isEqualTo("unknown-name");
        assertThat(d.message()).contains("unknown initialiser 'xavier_uniform'")
                .contains("init=uniform(bound) with bound = sqrt(6 / (fan_in + fan_out))");
        Diagnostic call = check("conv1d(x, 4, init=kaiming_normal(0.1))");
        assertThat(call.message()).contains("unknown initialiser 'kaiming_normal'").contains("init=normal(std)");
    }

    @Test
    void everySpellingNamesSomethingThatExists() {
        for (Map.Entry<String, String> e : PyTorchNames.spellings().entrySet()) {
            assertThat(Primitives.isPrimitive(e.getKey()) || StandardLibrary.library().contains(e.getKey()))
                    .as("'%s' is an archlab name itself, so its spelling would never be shown", e.getKey())
                    .isFalse();
        }
    }
}
