package archlab.sandbox.graph;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One primitive operation in a definition's graph, after blocks are expanded. Nodes have identity:
 * two calls of {@code linear} with the same input are two nodes with two sets of weights.
 *
 * <p>Attributes hold everything besides the inputs that determines the op: sizes, axes (always
 * non-negative), constants and flags. Values are Integer, Double, Boolean or List of Integer.
 */
public final class OpNode {
    /** How a score matrix ({@code [..., T, T]}) is masked, for the causality check. */
    public enum Mask { NONE, OPEN, NEG_INF, ZERO }

    private final int id;
    private final String op;
    private final SortedMap<String, Object> attrs;
    private final Shape shape;
    private final Mask mask;
    private final List<OpNode> inputs;
    private final long weights;
    private final ArchGraph body;
    private final String scope;
    private final String file;
    private final int line;
    private final int col;

    OpNode(int id, String op, Map<String, Object> attrs, Shape shape, Mask mask, List<OpNode> inputs, long weights,
           ArchGraph body, String scope, String file, int line, int col) {
        this.id = id;
        this.op = op;
        this.attrs = Collections.unmodifiableSortedMap(new TreeMap<>(attrs));
        this.shape = shape;
        this.mask = mask;
        this.inputs = List.copyOf(inputs);
        this.weights = weights;
        this.body = body;
        this.scope = scope;
        this.file = file;
        this.line = line;
        this.col = col;
    }

    /** Unique within its graph, in creation order. */
    public int id() {
        return id;
    }

    public String op() {
        return op;
    }

    public SortedMap<String, Object> attrs() {
        return attrs;
    }

    public Shape shape() {
        return shape;
    }

    public Mask mask() {
        return mask;
    }

    /** Operands in argument order. */
    public List<OpNode> inputs() {
        return inputs;
    }

    /** The number of learnable parameters this op owns. */
    public long weights() {
        return weights;
    }

    /** The step graph of a {@code scan}; null for every other op. */
    public ArchGraph body() {
        return body;
    }

    /** Where in the block expansion the op sits, such as {@code layer[1]/mixer}. Empty at model level. */
    public String scope() {
        return scope;
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    public int col() {
        return col;
    }

    /**
     * Whether this op reads across the key axis (the last) of a score matrix: {@code @} with a score
     * matrix on the left, and {@code softmax}, {@code sum}, {@code mean}, {@code max} over its last dim.
     * These are the only places where one position's value meets another key's, so the compilers
     * refill the masked entries there, whatever they hold (docs/language.md, "Masks hold for every value").
     */
    public boolean readsKeys() {
        if (inputs.isEmpty() || !inputs.get(0).shape().isScoreMatrix()) {
            return false;
        }
        return switch (op) {
            case "matmul" -> true;
            case "softmax", "sum", "mean", "max" -> (Integer) attrs.get("dim") == inputs.get(0).shape().rank() - 1;
            default -> false;
        };
    }

    /** Ops whose operands may be swapped without changing the result. */
    public boolean commutative() {
        return switch (op) {
            case "add", "mul", "maximum", "minimum" -> true;
            default -> false;
        };
    }

    public String location() {
        return file + ":" + line + ":" + col;
    }

    @Override
    public String toString() {
        return "%" + id + " = " + op + attrs + " " + shape;
    }
}
