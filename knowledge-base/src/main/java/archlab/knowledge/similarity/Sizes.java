package archlab.knowledge.similarity;

import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.graph.Shape;

/**
 * Sizes of an op relative to its operand. A width written as {@code linear(x, 4 * d)} in one definition
 * and as {@code linear(x, 512)} in a wider one is the same design: four times the input width. Both the
 * Weisfeiler-Lehman labels and the mined-subroutine codes describe such a size by its ratio to the
 * operand's dim ({@code x4}, {@code x1}, {@code /4}, {@code x3/2}), by {@code vocab}, or failing that
 * by its literal value ({@code =64}).
 *
 * <p>A ratio {@code m/n} is used when {@code size == D * m // n} exactly, with {@code 1 <= n <= 8} and
 * {@code 1 <= m <= 16}, the smallest {@code n} first. A generated block writes it back as
 * {@code size(x, axis) * m // n}, which reproduces the size for every operand with the same ratio.
 */
public final class Sizes {
    public static final int MAX_DENOMINATOR = 8;
    public static final int MAX_NUMERATOR = 16;

    private Sizes() {
    }

    /**
     * How a size relates to a reference dim.
     *
     * @param vocab     the size is the graph's vocabulary (the built-in param {@code vocab})
     * @param num       numerator of the ratio, 0 when the size is a literal
     * @param den       denominator of the ratio, 0 when the size is a literal
     * @param literal   the size itself
     */
    public record Relation(boolean vocab, int num, int den, int literal) {
        public boolean isRatio() {
            return num > 0;
        }

        /** {@code vocab}, {@code x4}, {@code /2}, {@code x3/2}, {@code x1} or {@code =64}. */
        public String label() {
            if (vocab) {
                return "vocab";
            }
            if (!isRatio()) {
                return "=" + literal;
            }
            if (num == 1 && den > 1) {
                return "/" + den;
            }
            return "x" + num + (den > 1 ? "/" + den : "");
        }
    }

    /** The relation of {@code size} to the reference dim {@code dim} (B, T or a size); vocab if {@code vocab > 0} matches. */
    public static Relation relate(int size, int dim, int vocab) {
        if (vocab > 0 && size == vocab) {
            return new Relation(true, 0, 0, size);
        }
        if (size > 0 && dim > 0) {
            for (int n = 1; n <= MAX_DENOMINATOR; n++) {
                long prod = (long) size * n;
                if (prod % dim == 0) {
                    long m = prod / dim;
                    if (m >= 1 && m <= MAX_NUMERATOR && ((long) dim * m) / n == size) {
                        return new Relation(false, (int) m, n, size);
                    }
                }
            }
        }
        return new Relation(false, 0, 0, size);
    }

    /** The graph's vocabulary, read off its {@code embed} op; 0 when it has none. */
    public static int vocab(ArchGraph g) {
        for (OpNode n : g.dag().vertexSet()) {
            if (n.op().equals("embed") && n.attrs().get("vocab") instanceof Number v) {
                return v.intValue();
            }
        }
        return 0;
    }

    /**
     * The reference dim of a size attribute of {@code n}: the last dim of the operand for
     * {@code linear.out}, the sliced dim for {@code slice.start} and {@code slice.end}; {@code null} when the
     * attribute is not a size that is taken relative to an operand.
     */
    public static Integer referenceDim(OpNode n, String attr) {
        if (n.inputs().isEmpty()) {
            return null;
        }
        Shape in = n.inputs().get(0).shape();
        if (in.rank() == 0) {
            return null;
        }
        if (n.op().equals("linear") && attr.equals("out")) {
            return in.last();
        }
        if (n.op().equals("slice") && (attr.equals("start") || attr.equals("end"))
                && n.attrs().get("dim") instanceof Number d && d.intValue() < in.rank()) {
            return in.dim(d.intValue());
        }
        return null;
    }

    /** The axis of the operand that {@link #referenceDim} reads, as written in a block ({@code -1} or the dim). */
    public static int referenceAxis(OpNode n) {
        if (n.op().equals("slice") && n.attrs().get("dim") instanceof Number d) {
            return d.intValue();
        }
        return -1;
    }

    /** The shape with sizes above 1 written {@code n}: {@code [B,n,T,T]}; keeps rank, time axes and broadcast dims. */
    public static String pattern(Shape s) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < s.rank(); i++) {
            if (i > 0) {
                b.append(',');
            }
            int d = s.dim(i);
            b.append(d == Shape.B ? "B" : d == Shape.T ? "T" : d == 1 ? "1" : "n");
        }
        return b.append(']').toString();
    }
}
