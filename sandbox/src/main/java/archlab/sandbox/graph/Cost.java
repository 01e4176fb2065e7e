package archlab.sandbox.graph;

/**
 * What a definition costs: its learnable parameters and its forward FLOPs per token.
 *
 * <p>FLOPs are counted for one sequence (batch 1) of length {@code T = seqLen} and divided by
 * {@code seqLen}. "Elements" means {@link Shape#elements(int)} of the op's output with B = 1 and
 * T = seqLen, unless the row says input. A multiply-add counts 2.
 *
 * <table>
 * <caption>FLOPs per op</caption>
 * <tr><th>op</th><th>FLOPs</th></tr>
 * <tr><td>{@code matmul} {@code [..., m, k] @ [..., k, n]}</td><td>2·k per output element
 *     (2·m·k·n per leading element; a contracted T counts seqLen)</td></tr>
 * <tr><td>{@code linear} {@code [..., in] → [..., out]}</td><td>2·in·out per output row, +out with
 *     {@code bias}</td></tr>
 * <tr><td>{@code conv1d} {@code [B, T, d]}, {@code kernel}</td><td>2·kernel·d per position (the bias is not counted, with or without)</td></tr>
 * <tr><td>{@code add sub mul div pow neg maximum minimum exp log sqrt abs sigmoid tanh relu gelu silu
 *     softplus elu sign clamp where}</td><td>1 per element</td></tr>
 * <tr><td>{@code var std}</td><td>3 per input element (mean, centre, square-and-sum)</td></tr>
 * <tr><td>{@code norm}</td><td>2 per input element</td></tr>
 * <tr><td>{@code sort topk}</td><td>n·log2(n) per sorted row of n (input elements × log2 n)</td></tr>
 * <tr><td>{@code softmax}</td><td>5 per element</td></tr>
 * <tr><td>{@code rmsnorm}</td><td>4 per element</td></tr>
 * <tr><td>{@code layernorm}</td><td>7 per element</td></tr>
 * <tr><td>{@code rope}</td><td>3 per element</td></tr>
 * <tr><td>{@code cumsum}</td><td>1 per element</td></tr>
 * <tr><td>{@code causal_mask causal_zero}</td><td>1 per element</td></tr>
 * <tr><td>{@code sum mean max}</td><td>1 per input element</td></tr>
 * <tr><td>{@code scan}</td><td>the FLOPs of one step of the body (whose shapes have no T) × seqLen</td></tr>
 * <tr><td>{@code input scan_state scan_input const parameter positions embed split_heads merge_heads
 *     transpose unsqueeze squeeze flatten concat slice shift eye progress gather}</td><td>0</td></tr>
 * </table>
 *
 * <p>Parameters are the sum of {@link OpNode#weights()} over every node, scan bodies included. A body's
 * weights are shared over time, so they count once; a {@code scan} owns no weights besides its body's,
 * so whatever its own {@code weights()} says, a scan contributes exactly the parameters of its body.
 */
public final class Cost {
    private Cost() {
    }

    /** The number of learnable parameters, scan bodies included (once each). */
    public static long parameters(ArchGraph g) {
        long total = 0;
        for (OpNode n : g.dag().vertexSet()) {
            total += n.body() != null ? parameters(n.body()) : n.weights();
        }
        return total;
    }

    /** Forward FLOPs per token for one sequence of {@code seqLen} tokens: {@link #flops} / seqLen. */
    public static double flopsPerToken(ArchGraph g, int seqLen) {
        if (seqLen <= 0) {
            throw new IllegalArgumentException("seqLen must be positive, not " + seqLen);
        }
        return flops(g, seqLen) / seqLen;
    }

    /** Forward FLOPs for one sequence (batch 1) of {@code seqLen} tokens. */
    public static double flops(ArchGraph g, int seqLen) {
        double total = 0;
        for (OpNode n : g.dag().vertexSet()) {
            total += flops(n, seqLen);
        }
        return total;
    }

    /** Forward FLOPs of one op for batch 1 and T = {@code seqLen}. */
    public static double flops(OpNode n, int seqLen) {
        double out = n.shape().elements(seqLen);
        return switch (n.op()) {
            case "input", "scan_state", "scan_input", "const", "parameter", "positions", "embed",
                 "split_heads", "merge_heads", "transpose", "unsqueeze", "squeeze", "flatten", "concat",
                 "slice", "shift", "eye", "progress", "gather" -> 0;
            case "add", "sub", "mul", "div", "pow", "neg", "maximum", "minimum", "exp", "log", "sqrt", "abs",
                 "sigmoid", "tanh", "relu", "gelu", "silu", "softplus", "elu", "cumsum", "causal_mask",
                 "causal_zero", "sign", "clamp", "where" -> out;
            case "var", "std" -> 3 * operand(n, 0).shape().elements(seqLen);
            case "norm" -> 2 * operand(n, 0).shape().elements(seqLen);
            case "sort", "topk" -> {
                Shape in = operand(n, 0).shape();
                double row = size(in.dim((Integer) attr(n, "dim")), seqLen);
                yield in.elements(seqLen) * Math.max(1, Math.log(row) / Math.log(2));
            }
            case "softmax" -> 5 * out;
            case "rmsnorm" -> 4 * out;
            case "layernorm" -> 7 * out;
            case "rope" -> 3 * out;
            case "sum", "mean", "max" -> operand(n, 0).shape().elements(seqLen);
            case "matmul" -> {
                Shape a = operand(n, 0).shape();
                yield out * 2 * size(a.dim(a.rank() - 1), seqLen);
            }
            case "linear" -> {
                double in = size(operand(n, 0).shape().last(), seqLen);
                boolean bias = Boolean.TRUE.equals(n.attrs().get("bias"));
                yield out * (2 * in + (bias ? 1 : 0));
            }
            case "conv1d" -> out * 2 * ((Number) attr(n, "kernel")).doubleValue();
            case "scan" -> {
                if (n.body() == null) {
                    throw new IllegalStateException("scan node " + n + " has no body");
                }
                yield flops(n.body(), seqLen) * seqLen;
            }
            default -> throw new IllegalStateException("no FLOP count for op '" + n.op() + "'");
        };
    }

    private static double size(int dim, int seqLen) {
        return dim == Shape.T ? seqLen : dim == Shape.B ? 1 : dim;
    }

    private static OpNode operand(OpNode n, int i) {
        if (n.inputs().size() <= i) {
            throw new IllegalStateException(n.op() + " node " + n + " lacks operand " + i);
        }
        return n.inputs().get(i);
    }

    private static Object attr(OpNode n, String key) {
        Object v = n.attrs().get(key);
        if (v == null) {
            throw new IllegalStateException(n.op() + " node " + n + " lacks attribute '" + key + "'");
        }
        return v;
    }
}
