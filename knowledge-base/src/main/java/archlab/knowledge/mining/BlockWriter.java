package archlab.knowledge.mining;

import archlab.knowledge.similarity.Sizes;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.graph.Shape;
import archlab.sandbox.lang.Ast.Arg;
import archlab.sandbox.lang.Ast.Assign;
import archlab.sandbox.lang.Ast.Binary;
import archlab.sandbox.lang.Ast.Block;
import archlab.sandbox.lang.Ast.Bool;
import archlab.sandbox.lang.Ast.Call;
import archlab.sandbox.lang.Ast.Expr;
import archlab.sandbox.lang.Ast.KwArg;
import archlab.sandbox.lang.Ast.Name;
import archlab.sandbox.lang.Ast.Num;
import archlab.sandbox.lang.Ast.Pos;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.Ast.Return;
import archlab.sandbox.lang.Ast.Stmt;
import archlab.sandbox.lang.Ast.Unary;
import archlab.sandbox.lang.Primitives;
import archlab.sandbox.lang.Printer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a pattern as a block of the language. The block takes the pattern's inputs (placeholders) as
 * arguments {@code a, b, c, ...} in canonical order, assigns a name to each op that is read twice or whose
 * width another op reads with {@code size()}, writes everything else inline, and returns the root.
 *
 * <p>Sizes: {@code linear}'s width and {@code slice}'s bounds are written relative to the operand,
 * {@code size(x, -1) * m // n}, when the pattern's code says so (see {@link Sizes}), so the block is
 * right for every input width at which the pattern was found; other sizes ({@code heads}, a kernel, a
 * parameter's shape, {@code embed}'s width) are literals, as they are in the code. Ops in the order of the
 * canonical walk make the text of a block a function of its code.
 */
final class BlockWriter {
    private static final Pos P = new Pos(1, 1);

    /** A pattern that has no block form (an op the writer does not know). */
    static final class Unwritable extends Exception {
        Unwritable(String message) {
            super(message, null, false, false);
        }
    }

    private BlockWriter() {
    }

    /** The block's text, without comments. */
    static String write(PatternGraph g, PatternCode.Canon canon, String name) throws Unwritable {
        Map<Integer, Expr> exprOf = new HashMap<>();
        List<Arg> args = new ArrayList<>();
        for (int i = 0; i < canon.placeholders.size(); i++) {
            String arg = argName(i);
            args.add(new Arg(arg, null, P));
            exprOf.put(canon.placeholders.get(i), new Name(arg, P));
        }
        Set<Integer> internal = new HashSet<>(canon.postOrder);
        Map<Integer, Integer> uses = new HashMap<>();
        Set<Integer> sized = new HashSet<>();
        for (int v : canon.postOrder) {
            int[] order = canon.operandOrder.get(v);
            if (order == null) {
                continue;
            }
            for (int o : g.operands[v]) {
                uses.merge(o, 1, Integer::sum);
            }
            if (!g.relations.get(v).isEmpty() && g.operands[v].length > 0) {
                boolean ratio = g.relations.get(v).values().stream().anyMatch(Sizes.Relation::isRatio);
                if (ratio) {
                    sized.add(g.operands[v][0]);
                }
            }
        }
        List<Stmt> body = new ArrayList<>();
        int temp = 0;
        for (int v : canon.postOrder) {
            Expr e = expression(g, v, canon, exprOf);
            boolean named = v != canon.root && (uses.getOrDefault(v, 0) > 1 || sized.contains(v) && internal.contains(v));
            if (named) {
                String t = "t" + (++temp);
                body.add(new Assign(List.of(new Name(t, P)), e, P));
                exprOf.put(v, new Name(t, P));
            } else {
                exprOf.put(v, e);
            }
        }
        body.add(new Return(List.of(exprOf.get(canon.root)), P));
        Block block = new Block(name, args, body, P);
        return Printer.print(new Program(null, List.of(), List.of(block), null));
    }

    /** {@code a, b, ..., z, a1, b1, ...}: never a keyword, a primitive or a built-in param. */
    static String argName(int i) {
        String base = String.valueOf((char) ('a' + i % 26));
        return i < 26 ? base : base + (i / 26);
    }

    private static Expr expression(PatternGraph g, int v, PatternCode.Canon canon, Map<Integer, Expr> exprOf)
            throws Unwritable {
        OpNode n = g.nodes[v];
        String op = n.op();
        Map<String, Object> at = n.attrs();
        if (op.equals("const")) {
            return number(((Number) at.get("value")).doubleValue());
        }
        boolean chosenStart = switch (op) {
            case "parameter" -> at.get("init") instanceof String;
            case "linear" -> at.containsKey("init") || at.containsKey("std") || at.containsKey("bias_init");
            case "conv1d" -> at.containsKey("init") || at.containsKey("std") || Boolean.FALSE.equals(at.get("bias"))
                    || at.containsKey("bias_init");
            default -> false;
        };
        if (chosenStart) {
            // identity, dirac and uniform starts, and a conv1d without bias, have no block form yet
            throw new Unwritable("op '" + op + "' with a chosen start " + at + " has no block form");
        }
        if (op.equals("parameter")) {
            List<Expr> dims = new ArrayList<>();
            for (int d : n.shape().dims()) {
                dims.add(number(d));
            }
            List<KwArg> kw = at.containsKey("init")
                    ? List.of(new KwArg("init", number(((Number) at.get("init")).doubleValue()), P))
                    : List.of(new KwArg("std", number(((Number) at.get("std")).doubleValue()), P));
            return new Call("parameter", dims, kw, P);
        }
        int[] ops = g.operands[v];
        List<Expr> x = new ArrayList<>();
        for (int k = 0; k < ops.length; k++) {
            x.add(exprOf.get(ops[k]));
        }
        // Commutative ops are written in canonical operand order, so equal codes give equal text.
        int[] order = canon.operandOrder.get(v);
        List<Expr> ordered = new ArrayList<>();
        for (int k : order) {
            ordered.add(x.get(k));
        }
        if (n.commutative()) {
            x = ordered;
        }
        switch (op) {
            case "add": return new Binary("+", x.get(0), x.get(1), P);
            case "sub": return new Binary("-", x.get(0), x.get(1), P);
            case "mul": return new Binary("*", x.get(0), x.get(1), P);
            case "div": return new Binary("/", x.get(0), x.get(1), P);
            case "matmul": return new Binary("@", x.get(0), x.get(1), P);
            case "neg": return new Unary("-", x.get(0), P);
            case "pow": return new Binary("**", x.get(0), number(((Number) at.get("exponent")).doubleValue()), P);
            case "maximum", "minimum": return call(op, x);
            case "embed": return call(op, List.of(x.get(0), number(intAttr(n, "dim"))));
            case "linear": {
                List<KwArg> kw = Boolean.TRUE.equals(at.get("bias"))
                        ? List.of(new KwArg("bias", new Bool(true, P), P)) : List.of();
                return new Call("linear", List.of(x.get(0), size(g, v, "out", x.get(0))), kw, P);
            }
            case "conv1d": return call(op, List.of(x.get(0), number(intAttr(n, "kernel"))));
            case "rmsnorm", "layernorm", "rope", "positions", "merge_heads", "flatten": return call(op, x);
            case "softmax", "cumsum": return new Call(op, x, List.of(kw("dim", intAttr(n, "dim"))), P);
            case "causal_mask", "causal_zero": {
                int w = intAttr(n, "window");
                return new Call(op, x, w > 0 ? List.of(kw("window", w)) : List.of(), P);
            }
            case "shift": return new Call(op, x, List.of(kw("steps", intAttr(n, "steps"))), P);
            case "split_heads": return call(op, List.of(x.get(0), number(intAttr(n, "heads"))));
            case "transpose":
                return new Call(op, x, List.of(kw("a", intAttr(n, "a")), kw("b", intAttr(n, "b"))), P);
            case "unsqueeze", "squeeze": return call(op, List.of(x.get(0), number(intAttr(n, "dim"))));
            case "concat": return new Call(op, x, List.of(kw("dim", intAttr(n, "dim"))), P);
            case "slice":
                return new Call(op, List.of(x.get(0), size(g, v, "start", x.get(0)), size(g, v, "end", x.get(0))),
                        List.of(kw("dim", intAttr(n, "dim"))), P);
            case "sum", "mean", "max":
                return new Call(op, x, List.of(kw("dim", intAttr(n, "dim")),
                        new KwArg("keepdim", new Bool(Boolean.TRUE.equals(at.get("keepdim")), P), P)), P);
            default:
                if (Primitives.UNARY.contains(op)) {
                    return call(op, x);
                }
                throw new Unwritable("no block form for op '" + op + "'");
        }
    }

    private static Call call(String op, List<Expr> args) {
        return new Call(op, args, List.of(), P);
    }

    private static KwArg kw(String name, int value) {
        return new KwArg(name, number(value), P);
    }

    private static int intAttr(OpNode n, String key) throws Unwritable {
        Object v = n.attrs().get(key);
        if (!(v instanceof Number num)) {
            throw new Unwritable("op '" + n.op() + "' has no attribute '" + key + "'");
        }
        return num.intValue();
    }

    /** A size attribute as the code describes it: vocab, a ratio of the operand's dim, or a literal. */
    private static Expr size(PatternGraph g, int v, String key, Expr operand) throws Unwritable {
        OpNode n = g.nodes[v];
        Sizes.Relation r = g.relations.get(v).get(key);
        int literal = intAttr(n, key);
        if (r == null || !r.isRatio() && !r.vocab()) {
            return number(literal);
        }
        if (r.vocab()) {
            return new Name("vocab", P);
        }
        if (!(operand instanceof Name)) {
            throw new Unwritable("the operand of '" + n.op() + "' has no name to take its size from");
        }
        Expr e = new Call("size", List.of(operand, number(Sizes.referenceAxis(n))), List.of(), P);
        if (r.num() != 1) {
            e = new Binary("*", e, number(r.num()), P);
        }
        if (r.den() != 1) {
            e = new Binary("//", e, number(r.den()), P);
        }
        return e;
    }

    static Expr number(double v) {
        boolean integral = v == Math.rint(v) && Math.abs(v) < 1e15;
        double a = Math.abs(v);
        Expr e = new Num(a, integral, P);
        return v < 0 || (v == 0 && 1 / v < 0) ? new Unary("-", e, P) : e;
    }

    /**
     * A definition that calls the block on inputs of the representative's shapes and turns its result into
     * logits, or null when an input or the result has a shape this cannot build.
     */
    static String wrapper(PatternGraph g, PatternCode.Canon canon, String blockName) {
        List<String> lines = new ArrayList<>();
        List<String> argExprs = new ArrayList<>();
        boolean[] usesH = {false};
        for (int i = 0; i < canon.placeholders.size(); i++) {
            int p = canon.placeholders.get(i);
            String e = input(g.nodes[p], usesH);
            if (e == null) {
                return null;
            }
            if (e.equals("tokens")) {
                argExprs.add("tokens");
            } else {
                lines.add("    p" + i + " = " + e);
                argExprs.add("p" + i);
            }
        }
        OpNode root = g.nodes[canon.root];
        String call = blockName + "(" + String.join(", ", argExprs) + ")";
        String ret = result(root, g.output[canon.root], usesH);
        if (ret == null) {
            return null;
        }
        StringBuilder b = new StringBuilder("model(tokens):\n");
        if (usesH[0]) {
            b.append("    h = embed(tokens, 64)\n");
        }
        for (String l : lines) {
            b.append(l).append('\n');
        }
        b.append("    r = ").append(call).append('\n');
        b.append("    return ").append(ret).append('\n');
        return b.toString();
    }

    private static String input(OpNode n, boolean[] usesH) {
        Shape s = n.shape();
        if (n.op().equals("input")) {
            return "tokens";
        }
        List<Integer> d = s.dims();
        if (s.timeAxes() == 0 && !d.contains(Shape.B)) {
            if (d.isEmpty()) {
                return null;
            }
            // Through an op: a bare parameter would be a leaf, which a pattern always includes.
            StringBuilder b = new StringBuilder("tanh(parameter(");
            for (int i = 0; i < d.size(); i++) {
                b.append(i > 0 ? ", " : "").append(d.get(i));
            }
            return b.append(", std=0.02))").toString();
        }
        usesH[0] = true;
        if (s.rank() == 2 && d.get(0) == Shape.T && d.get(1) == 1) {
            return "positions(h)";
        }
        if (s.isScoreMatrix()) {
            String scores = scores(d.subList(0, d.size() - 2));
            if (scores == null) {
                return null;
            }
            return switch (n.mask()) {
                case NEG_INF -> "causal_mask(" + scores + ")";
                case ZERO -> "causal_zero(" + scores + ")";
                case OPEN -> scores;
                default -> null;
            };
        }
        if (s.rank() < 2 || d.get(0) != Shape.B) {
            return null;
        }
        if (s.timeAxes() != 1) {
            return null;
        }
        int t = s.timeAxis();
        if (s.rank() == 2) {
            return "squeeze(linear(h, 1), 2)";
        }
        if (s.rank() == 3) {
            int w = d.get(3 - t);
            return t == 1 ? "linear(h, " + w + ")" : "transpose(linear(h, " + w + "), a=1, b=2)";
        }
        if (s.rank() == 4) {
            // [B, p, T, k] from split_heads, then move T where it belongs.
            List<Integer> rest = new ArrayList<>(d.subList(1, 4));
            rest.remove(t - 1);
            String x = "split_heads(linear(h, " + rest.get(0) * rest.get(1) + "), " + rest.get(0) + ")";
            return switch (t) {
                case 1 -> "transpose(" + x + ", a=1, b=2)";
                case 2 -> x;
                default -> "transpose(" + x + ", a=2, b=3)";
            };
        }
        return null;
    }

    /**
     * An open score matrix with the given leading dims ({@code [], [B], [p], [B, p]}): {@code q @ transpose(k)}
     * with a batch, the lags {@code t - j} (scaled per leading dim) without one.
     */
    private static String scores(List<Integer> lead) {
        if (lead.stream().anyMatch(x -> x == Shape.T)) {
            return null;
        }
        boolean batch = !lead.isEmpty() && lead.get(0) == Shape.B;
        List<Integer> rest = batch ? lead.subList(1, lead.size()) : lead;
        if (rest.stream().anyMatch(x -> x < 1)) {
            return null;
        }
        if (batch) {
            if (rest.size() > 1) {
                return null;
            }
            String q = rest.isEmpty() ? "linear(h, 8)" : "split_heads(linear(h, " + 8 * rest.get(0) + "), " + rest.get(0) + ")";
            return q + " @ transpose(" + q + ")";
        }
        String lags = "(positions(h) - transpose(positions(h)))";
        if (rest.isEmpty()) {
            return lags;
        }
        StringBuilder b = new StringBuilder("parameter(");
        for (int x : rest) {
            b.append(x).append(", ");
        }
        b.append("1, 1, std=0.02) * ");
        String l = lags;
        for (int i = 0; i < rest.size(); i++) {
            l = "unsqueeze(" + l + ", 0)";
        }
        return b.append(l).toString();
    }

    private static String result(OpNode root, boolean isOutput, boolean[] usesH) {
        Shape s = root.shape();
        List<Integer> d = s.dims();
        if (isOutput) {
            return "r";
        }
        if (s.rank() == 2 && d.get(0) == Shape.T && d.get(1) == 1) {
            usesH[0] = true;
            return "linear(h * r, vocab)";
        }
        if (s.isScoreMatrix()) {
            String weights = switch (root.mask()) {
                case NEG_INF -> "softmax(r)";
                case ZERO -> "r";
                case OPEN -> "causal_zero(r)";
                default -> null;
            };
            List<Integer> lead = new ArrayList<>(d.subList(0, d.size() - 2));
            if (!lead.isEmpty() && lead.get(0) == Shape.B) {
                lead.remove(0);
            }
            if (weights == null || lead.size() > 1 || lead.stream().anyMatch(x -> x < 1)) {
                return null;
            }
            usesH[0] = true;
            if (lead.isEmpty()) {
                return "linear(" + weights + " @ linear(h, 8), vocab)";
            }
            return "linear(merge_heads(" + weights + " @ split_heads(linear(h, " + 8 * lead.get(0) + "), "
                    + lead.get(0) + ")), vocab)";
        }
        if (s.rank() < 2 || d.get(0) != Shape.B) {
            return null;
        }
        if (s.timeAxes() != 1) {
            return null;
        }
        int t = s.timeAxis();
        String x = switch (s.rank()) {
            case 2 -> "unsqueeze(r, 2)";
            case 3 -> t == 1 ? "r" : "transpose(r, a=1, b=2)";
            case 4 -> switch (t) {
                case 1 -> "flatten(r)";
                case 2 -> "merge_heads(r)";
                default -> "merge_heads(transpose(r, a=2, b=3))";
            };
            default -> null;
        };
        return x == null ? null : "linear(" + x + ", vocab)";
    }
}
