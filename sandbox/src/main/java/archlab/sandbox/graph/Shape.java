package archlab.sandbox.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A tensor shape. Each dim is a positive size, or one of the symbols {@link #B} (batch) and {@link #T}
 * (time), whose sizes are known only when the model runs.
 */
public record Shape(List<Integer> dims) {
    public static final int B = -1;
    public static final int T = -2;
    public static final Shape SCALAR = new Shape(List.of());

    public Shape {
        dims = List.copyOf(dims);
    }

    public static Shape of(Integer... dims) {
        return new Shape(List.of(dims));
    }

    public int rank() {
        return dims.size();
    }

    public int dim(int axis) {
        return dims.get(axis);
    }

    /** Resolves a possibly negative axis; -1 when it is out of range. */
    public int axis(int axis) {
        int a = axis < 0 ? axis + rank() : axis;
        return a >= 0 && a < rank() ? a : -1;
    }

    public int last() {
        return dims.get(rank() - 1);
    }

    public int timeAxes() {
        return (int) dims.stream().filter(d -> d == T).count();
    }

    /** The index of the first time axis, or -1. */
    public int timeAxis() {
        return dims.indexOf(T);
    }

    /** True when the last two dims are both time: a score matrix, rows queries and columns keys. */
    public boolean isScoreMatrix() {
        return rank() >= 2 && dims.get(rank() - 1) == T && dims.get(rank() - 2) == T;
    }

    public Shape with(int axis, int size) {
        List<Integer> d = new ArrayList<>(dims);
        d.set(axis, size);
        return new Shape(d);
    }

    public Shape without(int axis) {
        List<Integer> d = new ArrayList<>(dims);
        d.remove(axis);
        return new Shape(d);
    }

    public Shape inserting(int axis, int size) {
        List<Integer> d = new ArrayList<>(dims);
        d.add(axis, size);
        return new Shape(d);
    }

    /** The number of elements with B = 1 and T = {@code seqLen}. */
    public double elements(int seqLen) {
        double n = 1;
        for (int d : dims) {
            n *= d == B ? 1 : d == T ? seqLen : d;
        }
        return n;
    }

    public static String dimName(int d) {
        return d == B ? "B" : d == T ? "T" : Integer.toString(d);
    }

    @Override
    public String toString() {
        return dims.stream().map(Shape::dimName).collect(Collectors.joining(", ", "[", "]"));
    }
}
