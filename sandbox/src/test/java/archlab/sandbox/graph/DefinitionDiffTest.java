package archlab.sandbox.graph;

import static archlab.sandbox.graph.TestGraph.attrs;
import static org.assertj.core.api.Assertions.assertThat;

import archlab.sandbox.graph.DefinitionDiff.Change;
import archlab.sandbox.graph.DefinitionDiff.Kind;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DefinitionDiffTest {

    /** Options for {@link #model}. */
    private record Opts(int layers, String act, Integer conv, Integer onlyLayer1Act, boolean gateFromX) {
        static Opts of(String act) {
            return new Opts(2, act, null, null, false);
        }

        Opts conv(int kernel) {
            return new Opts(layers, act, kernel, onlyLayer1Act, gateFromX);
        }
    }

    /**
     * <pre>
     * block mixer(x):                      # line 7
     *     h = linear(x, 8)                 # line 8, col 9
     *     g = act(h)                       # line 9, col 9
     *     c = conv1d(g, kernel)            # line 12, col 5 (optional)
     *     return linear(c * x, 8)          # line 13
     * block layer(x): return x + mixer(x)  # line 20
     * model: embed, repeat(layers, layer), linear
     * </pre>
     */
    private static ArchGraph model(Opts o) {
        TestGraph g = new TestGraph();
        g.at("", 30, 9);
        OpNode tokens = g.tokens();
        OpNode x = g.embed(tokens, 8, 16);
        for (int i = 0; i < o.layers(); i++) {
            String mixer = "layer[" + i + "]/mixer";
            g.at(mixer, 8, 9);
            OpNode h = g.linear(x, 8);
            g.at(mixer, 9, 9);
            OpNode a = g.op(i == 1 && o.onlyLayer1Act() != null ? "relu" : o.act(), h);
            if (o.conv() != null) {
                g.at(mixer, 12, 5);
                a = g.node("conv1d", attrs("kernel", o.conv()), a.shape(), 8L * o.conv() + 8, null, a);
            }
            g.at(mixer, 13, 12);
            OpNode gate = g.op("mul", o.gateFromX() ? h : x, a);
            g.at(mixer, 13, 5);
            OpNode out = g.linear(gate, 8);
            g.at("layer[" + i + "]", 20, 12);
            x = g.op("add", x, out);
        }
        g.at("", 32, 12);
        return g.build(g.linear(x, 16));
    }

    @Test
    void identicalGraphsHaveNoChange() {
        DefinitionDiff d = DefinitionDiff.between(model(Opts.of("sigmoid")), model(Opts.of("sigmoid")));
        assertThat(d.isEmpty()).isTrue();
        assertThat(d.render()).isEqualTo("no structural change");
    }

    @Test
    void findsAChangedOpAndCollapsesRepeats() {
        DefinitionDiff d = DefinitionDiff.between(model(Opts.of("sigmoid")), model(Opts.of("tanh")));
        assertThat(d.changes()).containsExactly(
                new Change(Kind.CHANGED, "layer[*]/mixer", "sigmoid", "tanh", "9:9", "9:9", 2));
        assertThat(d.count()).isEqualTo(2);
        assertThat(d.render()).isEqualTo("~ layer[*]/mixer: sigmoid → tanh  (line 9:9, was 9:9)  ×2");
    }

    @Test
    void aChangeInOneRepeatKeepsItsIndex() {
        DefinitionDiff d = DefinitionDiff.between(model(Opts.of("sigmoid")),
                model(new Opts(2, "sigmoid", null, 1, false)));
        assertThat(d.render()).isEqualTo("~ layer[1]/mixer: sigmoid → relu  (line 9:9, was 9:9)");
    }

    @Test
    void findsAnAddedOpWithoutReportingWhatFlowsFromIt() {
        DefinitionDiff d = DefinitionDiff.between(model(Opts.of("sigmoid")), model(Opts.of("sigmoid").conv(4)));
        assertThat(d.changes()).containsExactly(
                new Change(Kind.ADDED, "layer[*]/mixer", null, "conv1d(kernel=4)", null, "12:5", 2));
        assertThat(d.render()).isEqualTo("+ layer[*]/mixer: conv1d(kernel=4)  (line 12:5)  ×2");
    }

    @Test
    void findsARemovedOp() {
        DefinitionDiff d = DefinitionDiff.between(model(Opts.of("sigmoid").conv(4)), model(Opts.of("sigmoid")));
        assertThat(d.render()).isEqualTo("- layer[*]/mixer: conv1d(kernel=4)  (was line 12:5)  ×2");
    }

    @Test
    void findsAChangedAttribute() {
        DefinitionDiff d = DefinitionDiff.between(model(Opts.of("sigmoid").conv(4)),
                model(Opts.of("sigmoid").conv(3)));
        assertThat(d.render())
                .isEqualTo("~ layer[*]/mixer: conv1d(kernel=4) → conv1d(kernel=3)  (line 12:5, was 12:5)  ×2");
    }

    @Test
    void findsARewiredOperand() {
        DefinitionDiff d = DefinitionDiff.between(model(Opts.of("sigmoid")),
                model(new Opts(2, "sigmoid", null, null, true)));
        assertThat(d.changes()).hasSize(1);
        Change c = d.changes().get(0);
        assertThat(c.kind()).isEqualTo(Kind.CHANGED);
        assertThat(c.scope()).isEqualTo("layer[*]/mixer");
        assertThat(c.after()).isEqualTo("mul (operands rewired)");
        assertThat(c.count()).isEqualTo(2);
    }

    @Test
    void sharingAWeightIsARemovedLinear() {
        TestGraph g1 = new TestGraph();
        OpNode x1 = g1.embed(g1.tokens(), 8, 16);
        g1.at("mixer", 3, 9);
        OpNode q1 = g1.linear(x1, 8);
        g1.at("mixer", 4, 9);
        OpNode k1 = g1.linear(x1, 8);
        g1.at("mixer", 5, 12);
        ArchGraph separate = g1.build(g1.op("sub", q1, k1));

        TestGraph g2 = new TestGraph();
        OpNode x2 = g2.embed(g2.tokens(), 8, 16);
        g2.at("mixer", 3, 9);
        OpNode q2 = g2.linear(x2, 8);
        g2.at("mixer", 5, 12);
        ArchGraph shared = g2.build(g2.op("sub", q2, q2));

        DefinitionDiff d = DefinitionDiff.between(separate, shared);
        assertThat(d.changes()).extracting(Change::kind, Change::before).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Kind.REMOVED, "linear(out=8)"));
    }

    @Test
    void aChangedParameterShapeIsReported() {
        TestGraph g1 = new TestGraph();
        OpNode x1 = g1.embed(g1.tokens(), 8, 16);
        g1.at("", 4, 9);
        OpNode p1 = g1.node("parameter", attrs("std", 0.02), Shape.of(8), 8, null);
        ArchGraph a = g1.build(g1.op("mul", Map.of(), x1.shape(), x1, p1));
        TestGraph g2 = new TestGraph();
        OpNode x2 = g2.embed(g2.tokens(), 8, 16);
        g2.at("", 4, 9);
        OpNode p2 = g2.node("parameter", attrs("std", 0.02), Shape.of(1), 1, null);
        ArchGraph b = g2.build(g2.op("mul", Map.of(), x2.shape(), x2, p2));
        assertThat(DefinitionDiff.between(a, b).render())
                .isEqualTo("~ model: parameter[8](std=0.02) [8] → parameter[1](std=0.02) [1]  (line 4:9, was 4:9)");
    }

    @Test
    void aChangedScanBodyIsAChangedScan() {
        DefinitionDiff d = DefinitionDiff.between(CanonicalHashTest.withScan("tanh"),
                CanonicalHashTest.withScan("sigmoid"));
        assertThat(d.render()).isEqualTo(
                "~ layer[0]/mixer: scan(axis=1, state=[4]) → scan(axis=1, state=[4]) (body: 1 change)"
                        + "  (line 7:5, was 7:5)");
    }

    @Test
    void describesOps() {
        TestGraph g = new TestGraph();
        OpNode x = g.embed(g.tokens(), 8, 16);
        assertThat(DefinitionDiff.describe(g.linear(x, 64))).isEqualTo("linear(out=64)");
        assertThat(DefinitionDiff.describe(g.linear(x, 64, true))).isEqualTo("linear(bias=true, out=64)");
        assertThat(DefinitionDiff.describe(g.constant(0.5))).isEqualTo("const 0.5");
        assertThat(DefinitionDiff.describe(g.constant(2.0))).isEqualTo("const 2");
        assertThat(DefinitionDiff.describe(g.op("sigmoid", x))).isEqualTo("sigmoid");
    }
}
