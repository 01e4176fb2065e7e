package archlab.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.sandbox.lang.StandardLibrary;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** check_definition, diff_definitions and estimate_cost. */
class DefinitionToolsTest {
    final DefinitionChecker checker = new DefinitionChecker();
    final CostEstimator costs = new CostEstimator(StandardLibrary.library());

    @Test
    void checksAndReportsFigures() {
        DefinitionChecker.Check c = checker.check(Fixtures.architecture("deltanet"));
        assertThat(c.ok()).isTrue();
        assertThat(c.params()).isPositive();
        assertThat(c.render()).startsWith("ok: deltanet, ").contains(" parameters, ").contains("hash ");
    }

    @Test
    void errorsCarryLineOpAndShape() {
        String bad = Fixtures.architecture("transformer").replace("o = softmax_attention(q, k, v)",
                "o = softmax_attention(q, transpose(k), v)");
        DefinitionChecker.Check c = checker.check(bad, "bad.arch");
        assertThat(c.ok()).isFalse();
        assertThat(c.params()).isNull();
        assertThat(c.firstError()).startsWith("bad.arch:").contains("[shape-mismatch]");
        assertThat(checker.checkDefinition(bad)).startsWith("invalid: 1 error");
    }

    @Test
    void manyErrorsStayBounded() {
        StringBuilder b = new StringBuilder("model(tokens):\n");
        for (int i = 0; i < 600; i++) {
            b.append("    a").append(i).append(" = undefined_").append(i).append(" + ").append("q".repeat(200)).append('\n');
        }
        b.append("    return lm_head(embed(tokens, 8))\n");
        DefinitionChecker.Check c = checker.check(b.toString());
        assertThat(c.errors().size()).isGreaterThan(DefinitionChecker.MAX_ERRORS);
        assertThat(c.render().length()).isLessThanOrEqualTo(DefinitionChecker.MAX_CHARS);
        assertThat(checker.check("x".repeat(DefinitionChecker.MAX_SOURCE_CHARS + 1)).firstError()).contains("too-large");
        assertThat(checker.checkDefinition(" ")).isEqualTo("error: the definition is empty");
    }

    @Test
    void diffShowsTheEdit() {
        String before = Fixtures.architecture("transformer");
        String after = before.replace("q = rope(split_heads(linear(x, d), heads))",
                "q = rope(split_heads(short_conv(linear(x, d)), heads))");
        DefinitionChecker.Diff d = checker.diff(before, after);
        assertThat(d.sameComputation()).isFalse();
        assertThat(d.render()).contains("conv1d(kernel=4)");
        assertThat(checker.diff(before, before).sameComputation()).isTrue();
        assertThatThrownBy(() -> checker.diff(before, "nonsense")).hasMessageStartingWith("the second definition does not check");
        assertThat(checker.diffDefinitions(null, after)).startsWith("error: the first definition does not check");
    }

    @Test
    void costPartsAddUpToTheTotals() {
        for (String name : Fixtures.NAMES) {
            CostEstimator.Estimate e = costs.estimate(Fixtures.architecture(name), null, null);
            assertThat(e.seqLen()).isEqualTo(128);
            assertThat(e.vocab()).isEqualTo(256);
            if (e.partsLeftOut() == 0) {
                assertThat(e.parts().stream().mapToLong(CostEstimator.Part::params).sum()).isEqualTo(e.params());
                assertThat(e.parts().stream().mapToDouble(CostEstimator.Part::flopsPerToken).sum())
                        .isCloseTo(e.flopsPerToken(), Offset.offset(1e-6 * e.flopsPerToken()));
            }
        }
        CostEstimator.Estimate t = costs.estimate(Fixtures.architecture("transformer"), null, null);
        assertThat(t.parts()).extracting(CostEstimator.Part::scope).contains("layer[*]/attention", "layer[*]/mlp", "model");
    }

    @Test
    void attentionCostGrowsWithSequenceLength() {
        String src = Fixtures.architecture("transformer");
        CostEstimator.Estimate shortSeq = costs.estimate(src, 64, null);
        CostEstimator.Estimate longSeq = costs.estimate(src, 1024, 512);
        assertThat(longSeq.flopsPerToken()).isGreaterThan(shortSeq.flopsPerToken());
        assertThat(longSeq.params()).isGreaterThan(shortSeq.params()); // a larger vocabulary: larger embed and head
        assertThat(costs.estimateCost(src, 1024, 512)).startsWith("transformer: ").contains("seq_len 1024, vocab 512");
        assertThatThrownBy(() -> costs.estimate(src, 0, null)).hasMessage("seq_len must be positive, got 0");
        assertThat(costs.estimateCost("model(tokens):\n    return x\n", null, null))
                .startsWith("error: the definition does not check: ");
    }

    @Test
    void costTextIsBoundedForAModelWithManyParts() {
        StringBuilder b = new StringBuilder("param d = 16\n");
        for (int i = 0; i < 40; i++) {
            b.append("block part").append(i).append("(x):\n    return x + mlp(rmsnorm(x), ").append(16 + i).append(")\n");
        }
        b.append("model(tokens):\n    x0 = embed(tokens, d)\n");
        for (int i = 0; i < 40; i++) {
            b.append("    x").append(i + 1).append(" = part").append(i).append("(x").append(i).append(")\n");
        }
        b.append("    return lm_head(x40)\n");
        CostEstimator.Estimate e = costs.estimate(b.toString(), null, null);
        assertThat(e.parts()).hasSize(CostEstimator.MAX_PARTS);
        assertThat(e.partsLeftOut()).isPositive(); // each part and its mlp, and the model level
        assertThat(e.render()).contains("… " + e.partsLeftOut() + " smaller parts");
        assertThat(e.render().length()).isLessThanOrEqualTo(CostEstimator.MAX_CHARS);
    }
}
