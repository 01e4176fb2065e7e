package archlab.sandbox.graph;

import static archlab.sandbox.graph.TestGraph.B;
import static archlab.sandbox.graph.TestGraph.T;
import static archlab.sandbox.graph.TestGraph.attrs;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class CanonicalHashTest {

    /** tokens → embed → linear → act → (x * c) + x → linear logits. */
    private static ArchGraph small(TestGraph g, String act, int hidden, double c) {
        OpNode tokens = g.tokens();
        OpNode x = g.embed(tokens, 8, 16);
        g.at("layer[0]/mixer", 3, 5);
        OpNode h = g.linear(x, hidden);
        OpNode a = g.op(act, h);
        OpNode back = g.linear(a, 8);
        OpNode k = g.constant(c);
        OpNode scaled = g.op("mul", Map.of(), back.shape(), back, k);
        g.at("layer[0]", 4, 9);
        OpNode sum = g.op("add", Map.of(), x.shape(), x, scaled);
        g.at("", 10, 1);
        return g.build(g.linear(sum, 16));
    }

    private static ArchGraph small(String act, int hidden, double c) {
        return small(new TestGraph(), act, hidden, c);
    }

    @Test
    void isSixtyFourHexDigits() {
        assertThat(CanonicalHash.of(small("sigmoid", 32, 0.5))).matches("[0-9a-f]{64}");
    }

    @Test
    void ignoresIdsScopesAndLocations() {
        ArchGraph a = small(new TestGraph(0, 1), "sigmoid", 32, 0.5);
        TestGraph other = new TestGraph(1000, 7).file("elsewhere.arch");
        ArchGraph b = small(other, "sigmoid", 32, 0.5);
        // Same structure, but every op in another scope and on another line.
        TestGraph moved = new TestGraph(5, 3);
        OpNode tokens = moved.at("x", 99, 99).tokens();
        OpNode x = moved.embed(tokens, 8, 16);
        moved.at("blk[3]/inner", 40, 2);
        OpNode h = moved.linear(x, 32);
        OpNode act = moved.op("sigmoid", h);
        OpNode back = moved.linear(act, 8);
        OpNode k = moved.constant(0.5);
        OpNode scaled = moved.op("mul", Map.of(), back.shape(), back, k);
        OpNode sum = moved.op("add", Map.of(), x.shape(), x, scaled);
        ArchGraph c = moved.build(moved.linear(sum, 16));

        assertThat(CanonicalHash.of(b)).isEqualTo(CanonicalHash.of(a));
        assertThat(CanonicalHash.of(c)).isEqualTo(CanonicalHash.of(a));
    }

    @Test
    void ignoresCreationOrderOfIndependentOps() {
        TestGraph g1 = new TestGraph();
        OpNode x1 = g1.embed(g1.tokens(), 8, 16);
        OpNode q1 = g1.linear(x1, 4);
        OpNode k1 = g1.linear(x1, 6);
        ArchGraph a = g1.build(g1.op("concat", attrs("dim", 2), Shape.of(B, T, 10), q1, k1));

        TestGraph g2 = new TestGraph();
        OpNode x2 = g2.embed(g2.tokens(), 8, 16);
        OpNode k2 = g2.linear(x2, 6);
        OpNode q2 = g2.linear(x2, 4);
        ArchGraph b = g2.build(g2.op("concat", attrs("dim", 2), Shape.of(B, T, 10), q2, k2));

        assertThat(CanonicalHash.of(b)).isEqualTo(CanonicalHash.of(a));
    }

    private static ArchGraph binary(String op, boolean swap) {
        TestGraph g = new TestGraph();
        OpNode x = g.embed(g.tokens(), 8, 16);
        OpNode p = g.linear(x, 8);
        OpNode q = g.op("sigmoid", x);
        return g.build(swap ? g.op(op, q, p) : g.op(op, p, q));
    }

    @Test
    void commutativeOperandOrderDoesNotMatter() {
        for (String op : new String[] {"add", "mul", "maximum", "minimum"}) {
            assertThat(CanonicalHash.of(binary(op, true))).as(op).isEqualTo(CanonicalHash.of(binary(op, false)));
        }
    }

    @Test
    void nonCommutativeOperandOrderMatters() {
        for (String op : new String[] {"sub", "div"}) {
            assertThat(CanonicalHash.of(binary(op, true))).as(op).isNotEqualTo(CanonicalHash.of(binary(op, false)));
        }
    }

    @Test
    void changesWithAnAttributeAnOpOrAConstant() {
        String base = CanonicalHash.of(small("sigmoid", 32, 0.5));
        assertThat(CanonicalHash.of(small("sigmoid", 64, 0.5))).isNotEqualTo(base);
        assertThat(CanonicalHash.of(small("tanh", 32, 0.5))).isNotEqualTo(base);
        assertThat(CanonicalHash.of(small("sigmoid", 32, 0.25))).isNotEqualTo(base);
        assertThat(CanonicalHash.of(small("sigmoid", 32, Double.parseDouble("0.50")))).isEqualTo(base);
    }

    @Test
    void changesWithAFlag() {
        Function<Boolean, ArchGraph> make = bias -> {
            TestGraph g = new TestGraph();
            OpNode x = g.embed(g.tokens(), 8, 16);
            return g.build(g.linear(x, 16, bias));
        };
        assertThat(CanonicalHash.of(make.apply(true))).isNotEqualTo(CanonicalHash.of(make.apply(false)));
    }

    @Test
    void numbersCompareByValue() {
        Function<Object, ArchGraph> make = p -> {
            TestGraph g = new TestGraph();
            OpNode x = g.embed(g.tokens(), 8, 16);
            return g.build(g.op("pow", attrs("exponent", p), x.shape(), x));
        };
        assertThat(CanonicalHash.of(make.apply(2))).isEqualTo(CanonicalHash.of(make.apply(2.0)));
        assertThat(CanonicalHash.of(make.apply(2))).isNotEqualTo(CanonicalHash.of(make.apply(2.5)));
        assertThat(CanonicalHash.of(make.apply(1e-5))).isEqualTo(CanonicalHash.of(make.apply(0.00001)));
    }

    @Test
    void changesWithAShape() {
        TestGraph g1 = new TestGraph();
        ArchGraph a = g1.build(g1.op("parameter", attrs("init", 1.0), Shape.of(4)));
        TestGraph g2 = new TestGraph();
        ArchGraph b = g2.build(g2.op("parameter", attrs("init", 1.0), Shape.of(8)));
        assertThat(CanonicalHash.of(a)).isNotEqualTo(CanonicalHash.of(b));
    }

    /** {@code q = linear(x, 8); k = q} against two separate linear calls. */
    private static ArchGraph qk(boolean shared) {
        TestGraph g = new TestGraph();
        OpNode x = g.embed(g.tokens(), 8, 16);
        OpNode q = g.linear(x, 8);
        OpNode k = shared ? q : g.linear(x, 8);
        return g.build(g.op("sub", q, k));
    }

    @Test
    void weightSharingIsNotTheSameAsTwoCalls() {
        ArchGraph shared = qk(true);
        ArchGraph separate = qk(false);
        assertThat(CanonicalHash.of(shared)).isNotEqualTo(CanonicalHash.of(separate));
        // As terms they are alike: the Merkle hash of the output does not see sharing.
        assertThat(CanonicalHash.merkle(shared).get(shared.output()))
                .isEqualTo(CanonicalHash.merkle(separate).get(separate.output()));
        assertThat(Cost.parameters(separate)).isEqualTo(Cost.parameters(shared) + 64);
    }

    /**
     * Two separate linear calls with equal Merkle hashes meet at a commutative op, and only one of them
     * is used again. Swapping the commutative operands must not change the hash.
     */
    private static ArchGraph tie(boolean swap, boolean reuseFirst) {
        TestGraph g = new TestGraph();
        OpNode x = g.embed(g.tokens(), 8, 16);
        OpNode l1 = g.linear(x, 8);
        OpNode l2 = g.linear(x, 8);
        OpNode s = swap ? g.op("add", l2, l1) : g.op("add", l1, l2);
        OpNode reused = g.op("sigmoid", reuseFirst ? l1 : l2);
        return g.build(g.op("sub", s, reused));
    }

    @Test
    void tiesBetweenEqualOperandsOfACommutativeOpAreBrokenByUse() {
        String h = CanonicalHash.of(tie(false, true));
        assertThat(CanonicalHash.of(tie(true, true))).isEqualTo(h);
        assertThat(CanonicalHash.of(tie(false, false))).isEqualTo(h);
        assertThat(CanonicalHash.of(tie(true, false))).isEqualTo(h);
    }

    @Test
    void reusingAValueDiffersFromRecomputingIt() {
        // sigmoid(l1) used twice vs computed twice: no weights involved, still a different graph.
        TestGraph g1 = new TestGraph();
        OpNode x1 = g1.embed(g1.tokens(), 8, 16);
        OpNode s1 = g1.op("sigmoid", x1);
        ArchGraph once = g1.build(g1.op("sub", s1, s1));
        TestGraph g2 = new TestGraph();
        OpNode x2 = g2.embed(g2.tokens(), 8, 16);
        ArchGraph twice = g2.build(g2.op("sub", g2.op("sigmoid", x2), g2.op("sigmoid", x2)));
        assertThat(CanonicalHash.of(once)).isNotEqualTo(CanonicalHash.of(twice));
    }

    @Test
    void outputOrderMatters() {
        TestGraph g1 = new TestGraph();
        OpNode s1 = g1.input("scan_state", Shape.of(B, 4));
        OpNode x1 = g1.input("scan_input", Shape.of(B, 4));
        OpNode n1 = g1.op("add", s1, x1);
        OpNode y1 = g1.op("tanh", n1);
        ArchGraph a = g1.build(n1, y1);
        TestGraph g2 = new TestGraph();
        OpNode s2 = g2.input("scan_state", Shape.of(B, 4));
        OpNode x2 = g2.input("scan_input", Shape.of(B, 4));
        OpNode n2 = g2.op("add", s2, x2);
        OpNode y2 = g2.op("tanh", n2);
        ArchGraph b = g2.build(y2, n2);
        assertThat(CanonicalHash.of(a)).isNotEqualTo(CanonicalHash.of(b));
    }

    @Test
    void inputsAreToldApartByPosition() {
        // Two inputs of the same shape, read in either order by a non-commutative op.
        TestGraph g1 = new TestGraph();
        OpNode s1 = g1.input("scan_input", Shape.of(B, 4));
        OpNode x1 = g1.input("scan_input", Shape.of(B, 4));
        ArchGraph a = g1.build(g1.op("sub", s1, x1));
        TestGraph g2 = new TestGraph();
        OpNode s2 = g2.input("scan_input", Shape.of(B, 4));
        OpNode x2 = g2.input("scan_input", Shape.of(B, 4));
        ArchGraph b = g2.build(g2.op("sub", x2, s2));
        assertThat(CanonicalHash.of(a)).isNotEqualTo(CanonicalHash.of(b));
    }

    static ArchGraph stepBody(String act) {
        TestGraph g = new TestGraph();
        OpNode s = g.input("scan_state", Shape.of(B, 4));
        OpNode x = g.input("scan_input", Shape.of(B, 4));
        OpNode n = g.op(act, g.op("add", s, g.linear(x, 4)));
        return g.build(n, n);
    }

    static ArchGraph withScan(String act) {
        TestGraph g = new TestGraph();
        OpNode x = g.embed(g.tokens(), 4, 16);
        g.at("layer[0]/mixer", 7, 5);
        OpNode y = g.scan(stepBody(act), x.shape(), attrs("axis", 1, "state", java.util.List.of(4)), x);
        g.at("", 9, 5);
        return g.build(g.linear(y, 16));
    }

    @Test
    void scanBodiesEnterTheHash() {
        assertThat(CanonicalHash.of(withScan("tanh"))).isEqualTo(CanonicalHash.of(withScan("tanh")));
        assertThat(CanonicalHash.of(withScan("tanh"))).isNotEqualTo(CanonicalHash.of(withScan("sigmoid")));
    }

    @Test
    void merkleCoversEveryNode() {
        ArchGraph g = small("sigmoid", 32, 0.5);
        Map<OpNode, String> m = CanonicalHash.merkle(g);
        assertThat(m.keySet()).containsExactlyInAnyOrderElementsOf(g.dag().vertexSet());
        assertThat(m.values()).allMatch(h -> h.matches("[0-9a-f]{64}"));
    }

    @Test
    void deadNodesCount() {
        TestGraph g1 = new TestGraph();
        OpNode x1 = g1.embed(g1.tokens(), 8, 16);
        ArchGraph a = g1.build(g1.linear(x1, 16));
        TestGraph g2 = new TestGraph();
        OpNode x2 = g2.embed(g2.tokens(), 8, 16);
        g2.linear(x2, 32); // never used
        ArchGraph b = g2.build(g2.linear(x2, 16));
        assertThat(CanonicalHash.of(a)).isNotEqualTo(CanonicalHash.of(b));
    }
}
