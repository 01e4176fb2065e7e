package archlab.knowledge.mining;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.lang.DefinitionException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Codes of patterns, and the blocks written from them: every op the language has, written back and checked. */
class BlockWriterTest {
    /** A definition whose block {@code probe} is the pattern; {@code WIDTH} is replaced by the width. */
    static ArchGraph probe(String body, int width) {
        String src = "param d = " + width + "\n\nblock probe(x):\n" + body.indent(4) + "\nmodel(tokens):\n"
                + "    x = embed(tokens, d)\n    return linear(probe(rmsnorm(x)), vocab)\n";
        try {
            return ModelDefinition.parse(src, "probe.arch").graph();
        } catch (DefinitionException e) {
            throw new AssertionError(e.getMessage() + "\n" + src, e);
        }
    }

    static List<OpNode> scope(ArchGraph g, String name) {
        return g.nodes().stream().filter(n -> n.scope().equals(name)).toList();
    }

    static Stream<String> bodies() {
        return Stream.of(
                "return silu(linear(x, d)) * sigmoid(conv1d(x, 4))",
                "return -(abs(x) ** 0.5) * 1e-6 - 2.5 + x / 3",
                "a, b = split(linear(x, 2 * d), 2)\nreturn a * sigmoid(b)",
                "a, b, c, e = split(x, 4 * 2 // 2, dim=-1)\nreturn concat(c, b, dim=2) * concat(a, e, dim=-1)",
                "q = rope(split_heads(linear(x, d), 4))\nk = rope(split_heads(linear(x, d), 4))\n"
                        + "v = split_heads(x, 4)\ns = causal_mask(q @ transpose(k) / 4, window=8)\n"
                        + "return merge_heads(softmax(s) @ v)",
                "q = split_heads(x, 2)\na = causal_zero(relu(q @ transpose(q, -2, -1)))\n"
                        + "return merge_heads(a @ q / (sum(a, -1, keepdim=true) + 1e-6))",
                "return x - mean(x, -1, keepdim=true) + max(x, dim=2, keepdim=true)",
                "y = concat(x, shift(x, steps=2), dim=-1)\nreturn linear(y, size(y, -1) // 2, bias=true)",
                "return cumsum(x) + squeeze(unsqueeze(x, 1), 1) + flatten(unsqueeze(x, -1))",
                "p = parameter(d, init=1)\nreturn x * p + p + x * parameter(d, std=0.1)",
                "return maximum(x, 0) + minimum(layernorm(x), 1) + elu(x) + softplus(x) + exp(-x) + log(1 + x * x)",
                "return tanh(x) * gelu(x) + sqrt(relu(x)) * positions(x)",
                "g = sigmoid(split_heads(linear(x, 4), 4)) ** (1 / 16)\nreturn merge_heads(g * split_heads(x, 4))");
    }

    @ParameterizedTest
    @MethodSource("bodies")
    void everyPatternIsWrittenAsABlockThatChecksAndHasItsCode(String body) throws Exception {
        ArchGraph g = probe(body, 64);
        PatternGraph pg = new PatternGraph(g);
        List<OpNode> ops = scope(g, "probe");
        long code = SubgraphCode.code(pg, ops);
        int[] members = ops.stream().filter(n -> PatternGraph.kindOf(n) == PatternGraph.OP)
                .mapToInt(n -> pg.index.get(n)).toArray();
        int root = SubgraphCodeTestSupport.root(pg, members);
        PatternCode.Canon canon = new PatternCode(pg).canon(members, members.length, root);
        assertThat(canon.code).isEqualTo(code);
        String name = MinedSubroutine.nameFor(Hash64.hex(code));
        String block = BlockWriter.write(pg, canon, name);
        assertThat(SubroutineMiner.checks(pg, canon, name, block, code)).as(block).isTrue();
        // The text is a function of the code: the same pattern at another width is written alike.
        ArchGraph wide = probe(body, 128);
        PatternGraph wpg = new PatternGraph(wide);
        List<OpNode> wops = scope(wide, "probe");
        int[] wmembers = wops.stream().filter(n -> PatternGraph.kindOf(n) == PatternGraph.OP)
                .mapToInt(n -> wpg.index.get(n)).toArray();
        PatternCode.Canon wcanon = new PatternCode(wpg).canon(wmembers, wmembers.length, SubgraphCodeTestSupport.root(wpg, wmembers));
        if (wcanon.code == code) {
            assertThat(BlockWriter.write(wpg, wcanon, name)).isEqualTo(block);
        }
    }

    @Test
    void codesIgnoreWidthsNamesAndOperandOrderButNotWiringOrRatios() {
        String motif = "return silu(linear(x, d)) * sigmoid(conv1d(x, 4))";
        String code = codeOf(motif, 64);
        assertThat(codeOf(motif, 32)).isEqualTo(code);
        assertThat(codeOf("u = x\nreturn sigmoid(conv1d(u, 4)) * silu(linear(u, d))", 48)).isEqualTo(code);
        assertThat(codeOf("return silu(linear(x, 2 * d))", 64)).isNotEqualTo(codeOf("return silu(linear(x, d))", 64))
                .isEqualTo(codeOf("return silu(linear(x, 2 * d))", 32));
        assertThat(codeOf("return silu(linear(x, d)) * sigmoid(conv1d(x, 3))", 64)).isNotEqualTo(code);
        // Two different inputs instead of one read twice.
        String two = "y = tanh(x)\nreturn silu(linear(x, d)) * sigmoid(conv1d(y, 4))";
        ArchGraph g = probe(two, 64);
        List<OpNode> withoutTanh = scope(g, "probe").stream().filter(n -> !n.op().equals("tanh")).toList();
        assertThat(SubgraphCode.of(g, withoutTanh)).isNotEqualTo(code);
    }

    static String codeOf(String body, int width) {
        ArchGraph g = probe(body, width);
        return SubgraphCode.of(g, scope(g, "probe"));
    }

    @Test
    void aSetWithTwoSinksIsNotAPattern() {
        ArchGraph g = probe("return silu(linear(x, d)) * sigmoid(conv1d(x, 4))", 64);
        List<OpNode> sinks = scope(g, "probe").stream().filter(n -> n.op().equals("silu") || n.op().equals("sigmoid"))
                .toList();
        assertThatThrownBy(() -> SubgraphCode.of(g, sinks)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than one sink");
    }
}
