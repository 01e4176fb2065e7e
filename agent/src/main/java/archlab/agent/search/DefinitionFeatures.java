package archlab.agent.search;

import archlab.knowledge.similarity.TextEmbedder;
import archlab.knowledge.similarity.WlFeatures;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.OpNode;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The value model's features of a model definition, from its canonical graph:
 * <ul>
 * <li>{@code wl:KEY}: the Weisfeiler-Lehman subtree features of {@link WlFeatures} (labels of rounds 0 to
 *     2, size buckets, a scan's step graph), counts;</li>
 * <li>{@code op:NAME}: the primitive-op histogram, counted through scans' step graphs;</li>
 * <li>{@code depth}: the longest path from the tokens to the logits, in ops (a scan counts its step
 *     graph's depth);</li>
 * <li>{@code log2_params} and {@code log2_flops}: parameters and forward FLOPs per token, as log2;</li>
 * <li>{@code text:I}: optionally, the hypothesis's embedding, one feature per dimension.</li>
 * </ul>
 * A campaign's {@link SearchSpace#features} returns these for the definitions its coder writes.
 */
public final class DefinitionFeatures {
    private DefinitionFeatures() {
    }

    public static Map<String, Double> of(ModelDefinition d) {
        TreeMap<String, Double> out = new TreeMap<>();
        WlFeatures.of(d.graph()).forEach((k, v) -> out.put("wl:" + k, v.doubleValue()));
        histogram(d.graph(), out);
        out.put("depth", (double) depth(d.graph()));
        out.put("log2_params", log2(d.parameterCount()));
        out.put("log2_flops", log2(d.flopsPerToken()));
        return Collections.unmodifiableSortedMap(out);
    }

    /** The graph features plus the hypothesis's embedding by {@code embedder}. */
    public static Map<String, Double> of(ModelDefinition d, String hypothesis, TextEmbedder embedder) {
        TreeMap<String, Double> out = new TreeMap<>(of(d));
        float[] v = embedder.embed(hypothesis);
        for (int i = 0; i < v.length; i++) {
            out.put("text:" + i, (double) v[i]);
        }
        return Collections.unmodifiableSortedMap(out);
    }

    private static void histogram(ArchGraph g, Map<String, Double> out) {
        for (OpNode n : g.nodes()) {
            out.merge("op:" + n.op(), 1.0, Double::sum);
            if (n.body() != null) {
                histogram(n.body(), out);
            }
        }
    }

    /** Longest operand chain, in ops; nodes() is in topological order. */
    private static int depth(ArchGraph g) {
        Map<OpNode, Integer> depth = new HashMap<>();
        int max = 0;
        List<OpNode> nodes = g.nodes();
        for (OpNode n : nodes) {
            int d = 0;
            for (OpNode in : n.inputs()) {
                d = Math.max(d, depth.getOrDefault(in, 0));
            }
            d += n.body() == null ? 1 : Math.max(1, depth(n.body()));
            depth.put(n, d);
            max = Math.max(max, d);
        }
        return max;
    }

    private static double log2(double v) {
        return v <= 0 ? 0 : Math.log(v) / Math.log(2);
    }
}
