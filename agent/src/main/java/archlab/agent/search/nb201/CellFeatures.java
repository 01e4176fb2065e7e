package archlab.agent.search.nb201;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The value model's features of a NAS-Bench-201 cell, from its graph rather than from edge positions:
 * the cell as a DAG whose vertices are the input, the two inner sums, the output and one vertex per
 * operation (an edge i -op-> j becomes i -> op -> j), pruned to what reaches from input to output
 * ({@code none} edges and dead branches compute nothing). On that graph:
 * <ul>
 * <li>{@code wl0:LABEL} .. {@code wl2:HASH}: Weisfeiler-Lehman subtree features, the counts of each
 *     vertex's label after 0, 1 and 2 rounds of relabelling by its predecessors' and successors' labels
 *     (round 0 is the operation histogram), the same construction as
 *     {@code archlab.knowledge.similarity.WlFeatures} for model definitions;</li>
 * <li>{@code depth}: the longest input-to-output path, in operations;</li>
 * <li>{@code paths}: the number of input-to-output paths;</li>
 * <li>{@code params}: parameters per channel squared (9 per 3x3 convolution, 1 per 1x1); a cell's
 *     FLOPs are proportional to it, so it stands for both;</li>
 * <li>{@code disconnected}: 1 when no path reaches the output.</li>
 * </ul>
 */
public final class CellFeatures {
    /** The default rounds of relabelling. */
    public static final int ITERATIONS = 2;

    private CellFeatures() {
    }

    public static Map<String, Double> of(Nb201Cell cell) {
        return of(cell, ITERATIONS);
    }

    /** The features with {@code iterations} rounds of WL relabelling (0: the operation histogram only). */
    public static Map<String, Double> of(Nb201Cell cell, int iterations) {
        if (iterations < 0) {
            throw new IllegalArgumentException("iterations must be >= 0, got " + iterations);
        }
        // vertices 0..3 are the cell's nodes; 4.. are operation vertices
        boolean[] fromInput = new boolean[4];
        fromInput[0] = true;
        for (int e = 0; e < Nb201Cell.EDGES; e++) {
            if (cell.op(e) != 0 && fromInput[Nb201Cell.FROM[e]]) {
                fromInput[Nb201Cell.TO[e]] = true;
            }
        }
        boolean[] toOutput = new boolean[4];
        toOutput[3] = true;
        for (int e = Nb201Cell.EDGES - 1; e >= 0; e--) {
            if (cell.op(e) != 0 && toOutput[Nb201Cell.TO[e]]) {
                toOutput[Nb201Cell.FROM[e]] = true;
            }
        }
        TreeMap<String, Double> out = new TreeMap<>();
        if (!fromInput[3]) {
            out.put("disconnected", 1.0);
            out.put("wl0:in", 1.0);
            out.put("wl0:out", 1.0);
            return Collections.unmodifiableSortedMap(out);
        }
        List<String> labels = new ArrayList<>(List.of("in", "sum", "sum", "out"));
        List<List<Integer>> preds = new ArrayList<>();
        List<List<Integer>> succs = new ArrayList<>();
        for (int v = 0; v < 4; v++) {
            preds.add(new ArrayList<>());
            succs.add(new ArrayList<>());
        }
        int params = 0;
        for (int e = 0; e < Nb201Cell.EDGES; e++) {
            int op = cell.op(e);
            int from = Nb201Cell.FROM[e];
            int to = Nb201Cell.TO[e];
            if (op == 0 || !fromInput[from] || !toOutput[to]) {
                continue;
            }
            int v = labels.size();
            labels.add(Nb201Cell.OPS.get(op));
            preds.add(new ArrayList<>(List.of(from)));
            succs.add(new ArrayList<>(List.of(to)));
            succs.get(from).add(v);
            preds.get(to).add(v);
            params += op == 3 ? 9 : op == 2 ? 1 : 0;
        }
        boolean[] alive = new boolean[labels.size()];
        for (int v = 0; v < labels.size(); v++) {
            alive[v] = v >= 4 || fromInput[v] && toOutput[v];
        }
        List<String> current = labels;
        for (int round = 0; round <= iterations; round++) {
            if (round > 0) {
                List<String> next = new ArrayList<>(current.size());
                for (int v = 0; v < current.size(); v++) {
                    next.add(hash(current.get(v) + "<" + sortedLabels(preds.get(v), current) + ">"
                            + sortedLabels(succs.get(v), current)));
                }
                current = next;
            }
            for (int v = 0; v < current.size(); v++) {
                if (alive[v]) {
                    out.merge("wl" + round + ":" + current.get(v), 1.0, Double::sum);
                }
            }
        }
        // longest path and path count, in topological order (0, 1, 2, 3 are already ordered)
        int[] depth = new int[4];
        long[] paths = new long[4];
        paths[0] = 1;
        for (int e = 0; e < Nb201Cell.EDGES; e++) {
            int op = cell.op(e);
            int from = Nb201Cell.FROM[e];
            int to = Nb201Cell.TO[e];
            if (op != 0 && fromInput[from] && toOutput[to]) {
                depth[to] = Math.max(depth[to], depth[from] + 1);
                paths[to] += paths[from];
            }
        }
        out.put("depth", (double) depth[3]);
        out.put("paths", (double) paths[3]);
        out.put("params", (double) params);
        return Collections.unmodifiableSortedMap(out);
    }

    private static String sortedLabels(List<Integer> vertices, List<String> labels) {
        List<String> l = new ArrayList<>(vertices.size());
        for (int v : vertices) {
            l.add(labels.get(v));
        }
        Collections.sort(l);
        return String.join(",", l);
    }

    /** 64-bit FNV-1a as 16 hex digits: stable across runs and machines. */
    private static String hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return String.format("%016x", h);
    }
}
