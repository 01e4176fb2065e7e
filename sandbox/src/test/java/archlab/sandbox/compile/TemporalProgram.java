package archlab.sandbox.compile;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A random model definition that mixes information over time in every way the language allows:
 * score matrices built from projections, from positions and from broadcasts, masked or not, windowed,
 * scaled on either side, pushed through exp and friends (overflowing on purpose), summed, averaged,
 * maxed and softmaxed over keys, cumulated over keys and queries, transposed, contracted with
 * {@code @}; and sequences through shift (lag 0 included), conv1d, cumsum, rope, positions, scan
 * (with {@code positions(x)} first too) and library blocks.
 *
 * <p>It is not always accepted: a consumer reads an unmasked matrix now and then, and a transpose
 * reopens a mask, as a researcher's draft would. Every value is used: the model returns a head over
 * the sum of the sequences nothing else read, and a matrix nothing read is folded in through
 * {@code causal_zero(s) @ x0}.
 */
final class TemporalProgram {
    static final int D = 8;

    private enum Kind { SEQ, SCORE }

    /** A coarse guess of the checker's mask, only to make accepted drafts likely. */
    private enum Mask { OPEN, NEG_INF, ZERO }

    private record Value(String name, Kind kind, Mask mask) {
    }

    private final Random rng;
    private final List<Value> values = new ArrayList<>();
    private final List<Boolean> used = new ArrayList<>();
    private final StringBuilder body = new StringBuilder();
    private int next;

    private TemporalProgram(Random rng) {
        this.rng = rng;
    }

    static String generate(Random rng) {
        return new TemporalProgram(rng).build();
    }

    private String build() {
        add("x", Kind.SEQ, Mask.OPEN, "embed(tokens, " + D + ")");
        int statements = 3 + rng.nextInt(9);
        for (int i = 0; i < statements; i++) {
            if (rng.nextInt(3) == 0) {
                score();
            } else {
                seq();
            }
        }
        List<String> terms = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            if (used.get(i)) {
                continue;
            }
            Value v = values.get(i);
            terms.add(v.kind() == Kind.SEQ ? v.name() : "causal_zero(" + v.name() + ") @ " + values.get(0).name());
        }
        String out = String.join(" + ", terms);
        return """
                arch temporal
                block rnn_step(h, u):
                    h2 = tanh(linear(u, %d) + h * 0.5)
                    return h2, h2

                block pos_step(S, p):
                    S2 = S * 0.9 + p
                    return S2, S2 * 0.1

                model(tokens):
                %s    return linear(rmsnorm(%s), vocab)
                """.formatted(D, body, out);
    }

    // ------------------------------------------------------------------ sequences [B, T, D]

    private void seq() {
        String a = pick(Kind.SEQ).name();
        String e = switch (rng.nextInt(20)) {
            case 0 -> "linear(" + a + ", " + D + ")";
            case 1 -> unary() + "(" + a + ")";
            case 2 -> a + " " + op() + " " + pick(Kind.SEQ).name();
            case 3 -> rng.nextBoolean() ? a + " * " + constant() : constant() + " * " + a;
            case 4 -> (rng.nextBoolean() ? "rmsnorm(" : "layernorm(") + a + ")";
            case 5 -> "shift(" + a + ", steps=" + rng.nextInt(4) + ")";
            case 6 -> "conv1d(" + a + ", " + (1 + rng.nextInt(4)) + ")";
            case 7 -> rng.nextBoolean() ? "cumsum(" + a + ")" : "cumsum(" + a + ", -1)";
            case 8 -> "rope(" + a + ")";
            case 9 -> a + " * sigmoid(positions(" + a + ") - " + rng.nextInt(6) + ") + positions(" + a + ") * 0.01";
            case 10 -> "scan(rnn_step, " + a + ", state=" + D + ")";
            case 11 -> "transpose(scan(pos_step, positions(" + a + "), state=" + D + "), a=0, b=1) + " + a;
            case 12, 13 -> read(a);
            case 14 -> a + " * " + (rng.nextBoolean() ? "mean(" : rng.nextBoolean() ? "max(" : "sum(") + a
                    + ", -1, keepdim=true)";
            case 15 -> "softmax(" + a + ")";
            case 16 -> "short_conv(" + a + ", kernel=" + (1 + rng.nextInt(4)) + ")";
            case 17 -> "mlp(" + a + ", " + 2 * D + ")";
            case 18 -> "merge_heads(" + heads() + "(split_heads(" + a + ", 2), split_heads(linear(" + a + ", " + D
                    + "), 2), split_heads(" + pick(Kind.SEQ).name() + ", 2)))";
            default -> "merge_heads(decayed_linear_attention(elu1(split_heads(" + a + ", 2)), elu1(split_heads(linear("
                    + a + ", " + D + "), 2)), split_heads(" + a + ", 2), sigmoid(split_heads(linear(" + a + ", 2), 2))))";
        };
        add("v", Kind.SEQ, Mask.OPEN, e);
    }

    private String heads() {
        return switch (rng.nextInt(3)) {
            case 0 -> "softmax_attention";
            case 1 -> "taylor_attention";
            default -> "linear_attention";
        };
    }

    /** A sequence that reads across keys of a score matrix: @, softmax, or a reduction over the keys. */
    private String read(String v) {
        Value s = hasScore() ? pick(Kind.SCORE) : null;
        if (s == null) {
            return "causal_zero(" + v + " @ transpose(" + v + ")) @ " + v;
        }
        String m = s.name();
        boolean draft = rng.nextInt(10) == 0;    // now and then, read without the mask it needs
        return switch (rng.nextInt(4)) {
            case 0 -> (s.mask() == Mask.ZERO || draft ? m : "causal_zero(" + m + ")") + " @ " + v;
            case 1 -> "softmax(" + (s.mask() == Mask.NEG_INF || draft ? m : "causal_mask(" + m + ")") + ") @ " + v;
            case 2 -> v + " * " + (rng.nextBoolean() ? "mean(" : "sum(") + (s.mask() == Mask.ZERO || draft ? m
                    : "causal_zero(" + m + ")") + ", -1, keepdim=true)";
            default -> v + " * max(" + (s.mask() != Mask.OPEN || draft ? m : "causal_mask(" + m + ")")
                    + ", -1, keepdim=true)";
        };
    }

    // ------------------------------------------------------------------ score matrices [B, T, T] or [T, T]

    private void score() {
        if (!hasScore() || rng.nextInt(3) == 0) {
            String a = pick(Kind.SEQ).name();
            String b = pick(Kind.SEQ).name();
            switch (rng.nextInt(4)) {
                case 0, 1 -> add("s", Kind.SCORE, Mask.OPEN, a + " @ transpose(" + b + ")");
                case 2 -> add("s", Kind.SCORE, Mask.OPEN, "(transpose(positions(" + a + ")) - positions(" + a + ")) * "
                        + constant());
                default -> add("s", Kind.SCORE, Mask.OPEN, "sum(" + a + ", -1, keepdim=true) - transpose(sum(" + b
                        + ", -1, keepdim=true))");
            }
            return;
        }
        Value s = pick(Kind.SCORE);
        String m = s.name();
        int window = rng.nextInt(3) == 0 ? 1 + rng.nextInt(4) : 0;
        String w = window > 0 ? ", window=" + window : "";
        switch (rng.nextInt(16)) {
            case 0, 1 -> add("s", Kind.SCORE, Mask.NEG_INF, "causal_mask(" + m + w + ")");
            case 2, 3 -> add("s", Kind.SCORE, Mask.ZERO, "causal_zero(" + m + w + ")");
            case 4 -> add("s", Kind.SCORE, s.mask() == Mask.NEG_INF ? Mask.ZERO : Mask.OPEN, "exp(" + m + ")");
            case 5 -> add("s", Kind.SCORE, Mask.OPEN, "exp(" + m + " * " + (5 + rng.nextInt(40)) + ")");
            case 6 -> add("s", Kind.SCORE, s.mask(), rng.nextBoolean() ? m + " * " + constant()
                    : constant() + " * " + m);
            case 7 -> add("s", Kind.SCORE, s.mask(), m + " * softplus(parameter(1, 1, init=" + constant() + "))");
            case 8 -> add("s", Kind.SCORE, s.mask() == Mask.ZERO ? Mask.ZERO : Mask.OPEN,
                    (rng.nextBoolean() ? "tanh(" : "relu(") + m + ")");
            case 9 -> add("s", Kind.SCORE, s.mask() == Mask.NEG_INF ? Mask.ZERO : Mask.OPEN, "sigmoid(" + m + ")");
            case 10 -> add("s", Kind.SCORE, s.mask() == Mask.NEG_INF ? Mask.NEG_INF : Mask.OPEN, "cumsum(" + m
                    + ", dim=-1)");
            case 11 -> add("s", Kind.SCORE, s.mask() == Mask.ZERO ? Mask.ZERO : Mask.OPEN, "cumsum(" + m + ", dim=-2)");
            case 12 -> add("s", Kind.SCORE, Mask.OPEN, "transpose(" + m + ")");
            case 13 -> add("s", Kind.SCORE, s.mask() == Mask.NEG_INF ? Mask.ZERO : Mask.OPEN, "softmax("
                    + (s.mask() == Mask.NEG_INF ? m : "causal_mask(" + m + ")") + ")");
            case 14 -> {
                Value o = pick(Kind.SCORE);
                add("s", Kind.SCORE, s.mask() == o.mask() ? s.mask() : Mask.OPEN, m + " " + op() + " " + o.name());
            }
            default -> add("s", Kind.SCORE, s.mask(), m + " / (sum(" + (s.mask() == Mask.ZERO ? m : "causal_zero("
                    + m + ")") + ", -1, keepdim=true) + 1e-6)");
        }
    }

    // ------------------------------------------------------------------ helpers

    private void add(String prefix, Kind kind, Mask mask, String expression) {
        String name = prefix + next++;
        values.add(new Value(name, kind, mask));
        used.add(false);
        body.append("    ").append(name).append(" = ").append(expression).append('\n');
        // everything the expression names is now read; the value itself is not yet
        for (int i = 0; i < values.size() - 1; i++) {
            if (expression.matches(".*\\b" + values.get(i).name() + "\\b.*")) {
                used.set(i, true);
            }
        }
    }

    private boolean hasScore() {
        return values.stream().anyMatch(v -> v.kind() == Kind.SCORE);
    }

    /** A value of the kind, the newer ones more often. */
    private Value pick(Kind kind) {
        List<Value> of = values.stream().filter(v -> v.kind() == kind).toList();
        int i = of.size() - 1 - Math.min(of.size() - 1, (int) Math.abs(rng.nextGaussian() * 2));
        return of.get(i);
    }

    private String unary() {
        String[] fns = {"exp", "log", "sqrt", "abs", "sigmoid", "tanh", "relu", "gelu", "silu", "softplus", "elu"};
        return fns[rng.nextInt(fns.length)];
    }

    private String op() {
        return new String[] {"+", "-", "*", "/"}[rng.nextInt(4)];
    }

    private String constant() {
        return new String[] {"0.25", "0.5", "2", "3", "0.01", "10"}[rng.nextInt(6)];
    }
}
