package archlab.sandbox.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgrapht.graph.DirectedAcyclicGraph;

/**
 * A tiny builder of {@link ArchGraph}s for tests, bypassing the language. Each op gets the current
 * scope and location ({@link #at}); ids count from {@code firstId} by {@code idStep}.
 */
final class TestGraph {
    static final int B = Shape.B;
    static final int T = Shape.T;

    private final DirectedAcyclicGraph<OpNode, ArchGraph.OperandEdge> dag =
            new DirectedAcyclicGraph<>(null, null, false, true);
    private final List<OpNode> inputs = new ArrayList<>();
    private int nextId;
    private final int idStep;
    private String scope = "";
    private int line = 1;
    private int col = 1;
    private String file = "test.arch";

    TestGraph() {
        this(0, 1);
    }

    TestGraph(int firstId, int idStep) {
        this.nextId = firstId;
        this.idStep = idStep;
    }

    /** Sets the scope and location of the ops built next. */
    TestGraph at(String scope, int line, int col) {
        this.scope = scope;
        this.line = line;
        this.col = col;
        return this;
    }

    TestGraph file(String file) {
        this.file = file;
        return this;
    }

    static Map<String, Object> attrs(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    OpNode node(String op, Map<String, Object> attrs, Shape shape, long weights, ArchGraph body, OpNode... in) {
        OpNode n = new OpNode(nextId, op, attrs, shape, OpNode.Mask.NONE, List.of(in), weights, body, scope, file,
                line, col);
        nextId += idStep;
        dag.addVertex(n);
        for (int i = 0; i < in.length; i++) {
            dag.addEdge(in[i], n, new ArchGraph.OperandEdge(in[i], n, i));
        }
        return n;
    }

    OpNode op(String op, Map<String, Object> attrs, Shape shape, OpNode... in) {
        return node(op, attrs, shape, 0, null, in);
    }

    /** An elementwise op with no attributes, shaped like its first operand. */
    OpNode op(String op, OpNode... in) {
        return op(op, Map.of(), in[0].shape(), in);
    }

    OpNode input(String op, Shape shape) {
        OpNode n = op(op, Map.of(), shape);
        inputs.add(n);
        return n;
    }

    OpNode tokens() {
        return input("input", Shape.of(B, T));
    }

    OpNode embed(OpNode ids, int dim, int vocab) {
        List<Integer> d = new ArrayList<>(ids.shape().dims());
        d.add(dim);
        return node("embed", attrs("dim", dim, "vocab", vocab), new Shape(d), (long) vocab * dim, null, ids);
    }

    OpNode linear(OpNode x, int out) {
        return linear(x, out, false);
    }

    OpNode linear(OpNode x, int out, boolean bias) {
        int in = x.shape().last();
        return node("linear", attrs("out", out, "bias", bias), x.shape().with(x.shape().rank() - 1, out),
                (long) in * out + (bias ? out : 0), null, x);
    }

    OpNode rmsnorm(OpNode x) {
        return node("rmsnorm", Map.of(), x.shape(), x.shape().last(), null, x);
    }

    OpNode constant(double value) {
        return op("const", attrs("value", value), Shape.SCALAR);
    }

    OpNode scan(ArchGraph body, Shape shape, Map<String, Object> attrs, OpNode... in) {
        return node("scan", attrs, shape, 0, body, in);
    }

    ArchGraph build(OpNode... outputs) {
        return new ArchGraph(dag, inputs, List.of(outputs));
    }
}
