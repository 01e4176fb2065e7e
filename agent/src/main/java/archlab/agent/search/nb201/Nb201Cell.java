package archlab.agent.search.nb201;

import java.util.List;

/**
 * A NAS-Bench-201 cell: a DAG on four nodes (0 = input, 3 = output) with an operation on each of its six
 * edges 0-1, 0-2, 1-2, 0-3, 1-3, 2-3. Five operations per edge make 5^6 = 15,625 cells, numbered by
 * {@code code} (edge e's operation is the base-5 digit e). Written in the benchmark's notation, e.g.
 * {@code |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|}:
 * the edges into node 1, then node 2, then node 3, each as {@code op~source}.
 */
public record Nb201Cell(int code) {
    /** The operations, in the benchmark's names. */
    public static final List<String> OPS = List.of("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3",
            "avg_pool_3x3");
    public static final int EDGES = 6;
    public static final int SIZE = 15_625;
    /** Edge e runs from FROM[e] to TO[e]. */
    static final int[] FROM = {0, 0, 1, 0, 1, 2};
    static final int[] TO = {1, 2, 2, 3, 3, 3};
    private static final int[] POW = {1, 5, 25, 125, 625, 3125};

    public Nb201Cell {
        if (code < 0 || code >= SIZE) {
            throw new IllegalArgumentException("cell code out of range [0, " + SIZE + "): " + code);
        }
    }

    public static Nb201Cell of(int... ops) {
        if (ops.length != EDGES) {
            throw new IllegalArgumentException("a cell has " + EDGES + " edges, got " + ops.length + " operations");
        }
        int code = 0;
        for (int e = 0; e < EDGES; e++) {
            if (ops[e] < 0 || ops[e] >= OPS.size()) {
                throw new IllegalArgumentException("operation index out of range on edge " + e + ": " + ops[e]);
            }
            code += ops[e] * POW[e];
        }
        return new Nb201Cell(code);
    }

    /** The operation index (into {@link #OPS}) on edge {@code e}. */
    public int op(int e) {
        return code / POW[e] % 5;
    }

    /** This cell with edge {@code e} set to operation {@code op}. */
    public Nb201Cell with(int e, int op) {
        return new Nb201Cell(code + (op - op(e)) * POW[e]);
    }

    /** The number of edges whose operations differ. */
    public int distance(Nb201Cell other) {
        int d = 0;
        for (int e = 0; e < EDGES; e++) {
            if (op(e) != other.op(e)) {
                d++;
            }
        }
        return d;
    }

    /** The benchmark's string for this cell. */
    public String arch() {
        StringBuilder b = new StringBuilder();
        for (int e = 0; e < EDGES; e++) {
            if (e == 1 || e == 3) {
                b.append("|+");
            }
            b.append('|').append(OPS.get(op(e))).append('~').append(FROM[e]);
        }
        return b.append('|').toString();
    }

    /** Parses the benchmark's notation; the error names what is wrong. */
    public static Nb201Cell parse(String arch) {
        String[] nodes = arch.strip().split("\\+", -1);
        if (nodes.length != 3) {
            throw new IllegalArgumentException("not a NAS-Bench-201 cell (expected three '+'-separated nodes): " + arch);
        }
        int[] ops = new int[EDGES];
        int e = 0;
        for (int node = 0; node < 3; node++) {
            String part = nodes[node];
            if (!part.startsWith("|") || !part.endsWith("|") || part.length() < 2) {
                throw new IllegalArgumentException("node " + (node + 1) + " of " + arch + " is not |op~i|...|: " + part);
            }
            String[] edges = part.substring(1, part.length() - 1).split("\\|", -1);
            if (edges.length != node + 1) {
                throw new IllegalArgumentException("node " + (node + 1) + " of " + arch + " needs " + (node + 1)
                        + " incoming edges, found " + edges.length);
            }
            for (int i = 0; i < edges.length; i++, e++) {
                int tilde = edges[i].lastIndexOf('~');
                if (tilde < 0) {
                    throw new IllegalArgumentException("edge '" + edges[i] + "' of " + arch + " is not op~source");
                }
                String op = edges[i].substring(0, tilde);
                String from = edges[i].substring(tilde + 1);
                if (!from.equals(Integer.toString(i))) {
                    throw new IllegalArgumentException("edge '" + edges[i] + "' of " + arch + " should come from node "
                            + i + ", not " + from);
                }
                int index = OPS.indexOf(op);
                if (index < 0) {
                    throw new IllegalArgumentException("unknown operation '" + op + "' in " + arch + "; expected one of "
                            + String.join(", ", OPS));
                }
                ops[e] = index;
            }
        }
        return of(ops);
    }

    @Override
    public String toString() {
        return arch();
    }
}
