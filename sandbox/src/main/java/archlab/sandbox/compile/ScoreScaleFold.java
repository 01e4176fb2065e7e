package archlab.sandbox.compile;

import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.OpNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Where a score matrix {@code a @ b} ({@code [.., T, T]}) is only ever divided or multiplied by a
 * number, as in {@code (q @ transpose(k)) / dk ** 0.5}, the compiler scales {@code a} ({@code [.., T, d]})
 * before the product instead, and the division becomes the product itself: one element-wise pass
 * over the [B, H, T, T] matrix fewer, forward and backward. The values differ only in rounding (and
 * where the unscaled product would overflow and the scaled one does not).
 *
 * @param scales the factor to multiply each such product's left operand by
 * @param absorbed the divisions and multiplications that then pass their operand through
 */
record ScoreScaleFold(Map<OpNode, Double> scales, Set<OpNode> absorbed) {

    static ScoreScaleFold of(ArchGraph graph) {
        ScoreScaleFold fold = new ScoreScaleFold(new HashMap<>(), new HashSet<>());
        fold.collect(graph);
        return fold;
    }

    private void collect(ArchGraph g) {
        for (OpNode n : g.nodes()) {
            if (n.body() != null) {
                collect(n.body());
            }
            boolean scaling = n.op().equals("div") || n.op().equals("mul");
            if (!scaling || !n.inputs().get(1).op().equals("const")) {
                continue;
            }
            // the number second: the compiler passes operand 0 through (a number first, `0.5 * s`, is left alone)
            OpNode product = n.inputs().get(0);
            if (!product.op().equals("matmul") || product.readsKeys() || !product.shape().isScoreMatrix()
                    || g.dag().outDegreeOf(product) != 1 || scales.containsKey(product)) {
                continue;
            }
            double c = ((Number) n.inputs().get(1).attrs().get("value")).doubleValue();
            if (c == 0 || !Double.isFinite(c)) {
                continue;
            }
            scales.put(product, n.op().equals("div") ? 1 / c : c);
            absorbed.add(n);
        }
    }
}
