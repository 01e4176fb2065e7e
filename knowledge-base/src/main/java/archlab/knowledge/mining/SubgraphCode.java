package archlab.knowledge.mining;

import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.OpNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The canonical code of a pattern in a graph, as the miner computes it (see {@link PatternCode}): equal for
 * every occurrence of the same ops, attributes, relative sizes and wiring, whatever the graph around it,
 * the names, or the input widths.
 */
public final class SubgraphCode {
    private SubgraphCode() {
    }

    /**
     * The code (16 hex digits) of the pattern formed by {@code ops} in {@code graph}. Constants and
     * parameters in {@code ops} are ignored (a pattern always holds the ones its ops read); the other ops
     * must have one sink, of which all others are ancestors through the set.
     *
     * @throws IllegalArgumentException when the ops are not such a pattern, or hold the model input or a scan
     */
    public static String of(ArchGraph graph, Collection<OpNode> ops) {
        return Hash64.hex(code(new PatternGraph(graph), ops));
    }

    static long code(PatternGraph g, Collection<OpNode> ops) {
        List<Integer> members = new ArrayList<>();
        for (OpNode n : ops) {
            Integer i = g.index.get(n);
            if (i == null) {
                throw new IllegalArgumentException(n + " is not in the graph");
            }
            if (g.kind[i] == PatternGraph.BOUNDARY) {
                throw new IllegalArgumentException(n.op() + " cannot be part of a pattern");
            }
            if (g.kind[i] == PatternGraph.OP && !members.contains(i)) {
                members.add(i);
            }
        }
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a pattern needs at least one op");
        }
        boolean[] in = new boolean[g.size];
        members.forEach(m -> in[m] = true);
        int root = -1;
        for (int m : members) {
            boolean read = false;
            for (int r : g.readers[m]) {
                read |= in[r];
            }
            if (!read) {
                if (root >= 0) {
                    throw new IllegalArgumentException("the ops have more than one sink: " + g.nodes[root] + " and "
                            + g.nodes[m]);
                }
                root = m;
            }
        }
        // Every member must reach the root through members: the single sink guarantees it in a DAG.
        int[] arr = members.stream().mapToInt(Integer::intValue).toArray();
        return new PatternCode(g).code(arr, arr.length, root);
    }
}
