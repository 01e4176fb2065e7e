package archlab.sandbox.lang;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A random valid model definition, kept as a small structure so that tests can print it many ways
 * (renamed, reordered, reformatted) and change it in exactly one place.
 *
 * <p>Every value is a {@code [B, T, d]} tensor. A body is a list of nodes; operand {@code -1} is the
 * body's argument (the block's {@code x}, or {@code embed(tokens, d)} in the model), operand {@code i}
 * the value of node {@code i}. Block {@code i} may call blocks {@code j < i}, so there is no recursion,
 * and block {@code i > 0} always calls block {@code i - 1}, so every block is used. Every value is used:
 * the body returns the sum of its last node and of every node nothing else reads.
 *
 * <p>Params: {@code d} (the width), {@code hidden = K * d} (an MLP width) and {@code layers} (the model's
 * repeat count).
 */
public final class GeneratedProgram {
    public enum Kind { UNARY, LINEAR, MLP, NORM, ADD, MUL, SCALE, CALL, REPEAT }

    static final List<String> UNARY_FNS = List.of("exp", "log", "sqrt", "abs", "sigmoid", "tanh", "relu", "gelu",
            "silu", "softplus", "elu");
    static final List<String> MLP_FNS = List.of("gelu", "relu", "silu");
    static final List<String> NORMS = List.of("rmsnorm", "layernorm");
    static final List<Double> CONSTANTS = List.of(0.5, 2.0, 3.0, 0.125, 1.5, 10.0, 0.001);
    static final List<Integer> WIDTHS = List.of(8, 16, 24, 40, 96, 128);

    /** One statement's value. Fields unused by a kind are zero or null. */
    public static final class Node {
        public Kind kind;
        public String fn;       // UNARY, MLP (activation), NORM, SCALE ("*" or "+")
        public int a = -1;      // first operand
        public int b = -1;      // second operand (ADD, MUL)
        public int width;       // MLP hidden width; 0 means the param 'hidden'
        public double constant; // SCALE
        public int block;       // CALL, REPEAT: the callee's index
        public int count;       // REPEAT: literal count; 0 means the param 'layers'

        Node copy() {
            Node n = new Node();
            n.kind = kind;
            n.fn = fn;
            n.a = a;
            n.b = b;
            n.width = width;
            n.constant = constant;
            n.block = block;
            n.count = count;
            return n;
        }

        List<Integer> operands() {
            return b >= -1 && (kind == Kind.ADD || kind == Kind.MUL) ? List.of(a, b) : List.of(a);
        }
    }

    public static final class Body {
        public final List<Node> nodes = new ArrayList<>();
        /** The terms of the returned sum, in order; -1 is the argument. */
        public final List<Integer> returns = new ArrayList<>();

        Body copy() {
            Body c = new Body();
            nodes.forEach(n -> c.nodes.add(n.copy()));
            c.returns.addAll(returns);
            return c;
        }

        /** How many times each node (index) and the argument (key -1) is read, the return included. */
        Map<Integer, Integer> uses() {
            Map<Integer, Integer> u = new HashMap<>();
            for (Node n : nodes) {
                for (int o : n.operands()) {
                    u.merge(o, 1, Integer::sum);
                }
            }
            for (int r : returns) {
                u.merge(r, 1, Integer::sum);
            }
            return u;
        }
    }

    public int d;
    public int hiddenFactor;
    public int layers;
    public final List<Body> blocks = new ArrayList<>();
    public Body model;

    private GeneratedProgram() {
    }

    public GeneratedProgram copy() {
        GeneratedProgram p = new GeneratedProgram();
        p.d = d;
        p.hiddenFactor = hiddenFactor;
        p.layers = layers;
        blocks.forEach(b -> p.blocks.add(b.copy()));
        p.model = model.copy();
        return p;
    }

    // ------------------------------------------------------------------ generation

    public static GeneratedProgram random(Random r) {
        GeneratedProgram p = new GeneratedProgram();
        p.d = List.of(8, 16, 32, 64).get(r.nextInt(4));
        p.hiddenFactor = 2 + r.nextInt(3);
        p.layers = 1 + r.nextInt(3);
        int nBlocks = 1 + r.nextInt(3);
        for (int i = 0; i < nBlocks; i++) {
            p.blocks.add(body(r, i, 1 + r.nextInt(5), false));
        }
        p.model = body(r, nBlocks, r.nextInt(3), true);
        return p;
    }

    private static Body body(Random r, int index, int extra, boolean model) {
        Body b = new Body();
        List<Node> nodes = b.nodes;
        int forcedAt = r.nextInt(extra + 1);   // where the call of the previous block (or the model's repeat) goes
        boolean needsCall = model || index > 0;
        int total = extra + (needsCall ? 1 : 0);
        for (int i = 0; i < total; i++) {
            Node n = new Node();
            if (needsCall && i == forcedAt) {
                if (model) {
                    n.kind = Kind.REPEAT;
                    n.block = index - 1;
                    n.count = 0;
                } else {
                    n.kind = r.nextBoolean() ? Kind.CALL : Kind.REPEAT;
                    n.block = index - 1;
                    n.count = 1 + r.nextInt(2);
                }
                n.a = operand(r, i);
            } else {
                randomNode(r, n, i, index);
            }
            nodes.add(n);
        }
        Map<Integer, Integer> uses = b.uses();
        if (!nodes.isEmpty()) {
            b.returns.add(nodes.size() - 1);
        }
        for (int i = 0; i < nodes.size() - 1; i++) {
            if (!uses.containsKey(i)) {
                b.returns.add(i);
            }
        }
        if (!uses.containsKey(-1)) {
            b.returns.add(-1);
        }
        return b;
    }

    private static int operand(Random r, int i) {
        // Prefer recent values, so chains are long rather than all reading the argument.
        if (i == 0 || r.nextInt(5) == 0) {
            return -1;
        }
        return Math.max(0, i - 1 - r.nextInt(Math.min(i, 3)));
    }

    private static void randomNode(Random r, Node n, int i, int blockIndex) {
        int k = r.nextInt(blockIndex > 0 ? 9 : 7);
        n.a = operand(r, i);
        switch (k) {
            case 0 -> {
                n.kind = Kind.UNARY;
                n.fn = UNARY_FNS.get(r.nextInt(UNARY_FNS.size()));
            }
            case 1 -> n.kind = Kind.LINEAR;
            case 2 -> {
                n.kind = Kind.MLP;
                n.fn = MLP_FNS.get(r.nextInt(MLP_FNS.size()));
                n.width = r.nextInt(3) == 0 ? 0 : WIDTHS.get(r.nextInt(WIDTHS.size()));
            }
            case 3 -> {
                n.kind = Kind.NORM;
                n.fn = NORMS.get(r.nextInt(NORMS.size()));
            }
            case 4, 5 -> {
                n.kind = k == 4 ? Kind.ADD : Kind.MUL;
                n.b = operand(r, i);
            }
            case 6 -> {
                n.kind = Kind.SCALE;
                n.fn = r.nextBoolean() ? "*" : "+";
                n.constant = CONSTANTS.get(r.nextInt(CONSTANTS.size()));
            }
            default -> {
                n.kind = k == 7 ? Kind.CALL : Kind.REPEAT;
                n.block = r.nextInt(blockIndex);
                n.count = 1 + r.nextInt(2);
            }
        }
    }

    // ------------------------------------------------------------------ single changes

    /** A copy with exactly one op, width, constant or count changed; {@code what} describes it. */
    public record Mutant(GeneratedProgram program, String what) {
    }

    public Mutant mutate(Random r) {
        GeneratedProgram p = copy();
        List<Node> candidates = new ArrayList<>();
        List<String> where = new ArrayList<>();
        List<Body> bodies = new ArrayList<>(p.blocks);
        bodies.add(p.model);
        for (int bi = 0; bi < bodies.size(); bi++) {
            List<Node> ns = bodies.get(bi).nodes;
            for (int i = 0; i < ns.size(); i++) {
                Node n = ns.get(i);
                if (n.kind == Kind.UNARY || n.kind == Kind.MLP || n.kind == Kind.SCALE || n.kind == Kind.NORM
                        || n.kind == Kind.REPEAT && n.count > 0) {
                    candidates.add(n);
                    where.add((bi == p.blocks.size() ? "model" : "block " + bi) + " node " + i);
                }
            }
        }
        int choice = candidates.isEmpty() ? -1 : r.nextInt(candidates.size() + 2) - 2;
        if (choice == -2) {
            int old = p.d;
            p.d = other(r, List.of(8, 16, 32, 64), old);
            return new Mutant(p, "param d " + old + " -> " + p.d);
        }
        if (choice == -1) {
            int old = p.layers;
            p.layers = old + 1 + r.nextInt(2);
            return new Mutant(p, "param layers " + old + " -> " + p.layers);
        }
        Node n = candidates.get(choice);
        String at = where.get(choice);
        switch (n.kind) {
            case UNARY -> {
                String old = n.fn;
                n.fn = other(r, UNARY_FNS, old);
                return new Mutant(p, at + ": " + old + " -> " + n.fn);
            }
            case NORM -> {
                String old = n.fn;
                n.fn = other(r, NORMS, old);
                return new Mutant(p, at + ": " + old + " -> " + n.fn);
            }
            case MLP -> {
                if (r.nextBoolean()) {
                    String old = n.fn;
                    n.fn = other(r, MLP_FNS, old);
                    return new Mutant(p, at + ": mlp activation " + old + " -> " + n.fn);
                }
                int old = n.width == 0 ? p.hiddenFactor * p.d : n.width;
                int now = other(r, WIDTHS, old);
                n.width = now;
                return new Mutant(p, at + ": linear width " + old + " -> " + now);
            }
            case SCALE -> {
                if (r.nextInt(4) == 0) {
                    String old = n.fn;
                    n.fn = old.equals("*") ? "+" : "*";
                    return new Mutant(p, at + ": " + old + " constant -> " + n.fn + " constant");
                }
                double old = n.constant;
                n.constant = other(r, CONSTANTS, old);
                return new Mutant(p, at + ": constant " + old + " -> " + n.constant);
            }
            default -> {
                int old = n.count;
                n.count = old == 1 ? 2 : old - 1;
                return new Mutant(p, at + ": repeat count " + old + " -> " + n.count);
            }
        }
    }

    private static <T> T other(Random r, List<T> from, T not) {
        List<T> rest = new ArrayList<>(from);
        rest.remove(not);
        return rest.get(r.nextInt(rest.size()));
    }

    // ------------------------------------------------------------------ printing

    /** Which rewrites {@link #render} applies; each keeps the computation the same. */
    public record Style(boolean rename, boolean reorder, boolean reformat, boolean inline, boolean commute,
                        boolean expandRepeat) {
        public static final Style CANONICAL = new Style(false, false, false, false, false, false);
        public static final Style ALL = new Style(true, true, true, true, true, true);
    }

    /** The plain form: fixed names, statement order and layout. */
    public String canonical() {
        return render(Style.CANONICAL, new Random(0));
    }

    @Override
    public String toString() {
        return canonical();
    }

    /** Prints the program, applying the rewrites of {@code style}, with choices drawn from {@code r}. */
    public String render(Style style, Random r) {
        return new Renderer(style, r).program();
    }

    private static final Set<String> RESERVED = new HashSet<>();

    static {
        RESERVED.addAll(Lexer.KEYWORDS);
        RESERVED.addAll(Primitives.names());
        RESERVED.addAll(Primitives.BUILTIN_PARAMS.keySet());
        RESERVED.addAll(StandardLibrary.library().blocks().keySet());
        RESERVED.add("tokens");
    }

    private final class Renderer {
        final Style style;
        final Random r;
        final Set<String> taken = new HashSet<>();
        final String dName;
        final String hiddenName;
        final String layersName;
        final List<String> blockNames = new ArrayList<>();

        Renderer(Style style, Random r) {
            this.style = style;
            this.r = r;
            taken.addAll(RESERVED);
            dName = fresh("d");
            hiddenName = fresh("hidden");
            layersName = fresh("layers");
            for (int i = 0; i < blocks.size(); i++) {
                blockNames.add(fresh("blk" + i));
            }
        }

        String fresh(String plain) {
            if (!style.rename) {
                taken.add(plain);
                return plain;
            }
            while (true) {
                String first = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
                String rest = first + "0123456789";
                StringBuilder s = new StringBuilder().append(first.charAt(r.nextInt(first.length())));
                int len = r.nextInt(4) == 0 ? 10 + r.nextInt(20) : r.nextInt(6);
                for (int i = 0; i < len; i++) {
                    s.append(rest.charAt(r.nextInt(rest.length())));
                }
                String name = s.toString();
                if (taken.add(name)) {
                    return name;
                }
            }
        }

        String program() {
            List<String> items = new ArrayList<>();
            String dParam = "param " + dName + eq() + d;
            String hiddenParam = "param " + hiddenName + eq() + hiddenFactor + op("*") + dName;
            String layersParam = "param " + layersName + eq() + layers;
            List<String> blockTexts = new ArrayList<>();
            for (int i = 0; i < blocks.size(); i++) {
                blockTexts.add(block(i));
            }
            String modelText = block(-1);
            items.add(dParam);
            items.add(hiddenParam);
            items.add(layersParam);
            items.addAll(blockTexts);
            items.add(modelText);
            if (style.reorder) {
                // Any order after arch, as long as 'hidden' comes after 'd'.
                List<String> shuffled = new ArrayList<>(items);
                java.util.Collections.shuffle(shuffled, r);
                int di = shuffled.indexOf(dParam);
                int hi = shuffled.indexOf(hiddenParam);
                if (hi < di) {
                    shuffled.set(di, hiddenParam);
                    shuffled.set(hi, dParam);
                }
                items = shuffled;
            }
            StringBuilder out = new StringBuilder();
            if (style.reformat) {
                out.append(blankOrComment(0));
                if (r.nextBoolean()) {
                    out.append("arch ").append("gen_").append(r.nextInt(1000)).append(comment()).append('\n');
                }
            }
            for (String item : items) {
                if (style.reformat) {
                    out.append(blankOrComment(0));
                }
                out.append(item);
                if (!item.endsWith("\n")) {
                    out.append(style.reformat ? comment() : "").append('\n');
                }
                if (!style.reformat) {
                    out.append('\n');
                }
            }
            String text = out.toString();
            if (style.reformat && r.nextInt(5) == 0) {
                text = text.replace("\n", "\r\n");
            }
            if (style.reformat && r.nextInt(4) == 0) {
                text = text.stripTrailing();
            }
            return text;
        }

        String block(int index) {
            Body body = index < 0 ? model : blocks.get(index);
            String indent = style.reformat ? " ".repeat(1 + r.nextInt(8)) : "    ";
            StringBuilder out = new StringBuilder();
            String arg = fresh(index < 0 ? "tokens" : "x");
            String input = arg;
            if (index < 0) {
                out.append("model(").append(arg).append("):").append(style.reformat ? comment() : "").append('\n');
            } else {
                out.append("block ").append(blockNames.get(index)).append(style.reformat && r.nextBoolean() ? "( " : "(")
                        .append(arg).append(style.reformat && r.nextBoolean() ? " )" : ")").append(":")
                        .append(style.reformat ? comment() : "").append('\n');
            }
            List<Node> nodes = body.nodes;
            Map<Integer, Integer> uses = body.uses();
            boolean[] inlined = new boolean[nodes.size()];
            if (style.inline) {
                for (int i = 0; i < nodes.size(); i++) {
                    inlined[i] = uses.getOrDefault(i, 0) == 1 && r.nextInt(3) == 0;
                }
            }
            String embedName = null;
            if (index < 0) {
                embedName = fresh("x");
                out.append(blank(indent)).append(indent).append(embedName).append(eq()).append("embed(").append(arg)
                        .append(comma()).append(param(dName, d)).append(")").append(style.reformat ? comment() : "")
                        .append('\n');
                input = embedName;
            }
            String[] names = new String[nodes.size()];
            for (int i = 0; i < nodes.size(); i++) {
                names[i] = fresh("v" + i);
            }
            final String in = input;
            String[] exprs = new String[nodes.size()];
            List<Integer> order = order(nodes, inlined);
            java.util.function.IntFunction<String> ref = o -> o < 0 ? in : inlined[o] ? exprs[o] : names[o];
            java.util.function.IntPredicate wrap = o -> o >= 0 && inlined[o] && isBinary(nodes.get(o));
            // Expressions, built in index order so that inlined operands are ready.
            for (int i = 0; i < nodes.size(); i++) {
                exprs[i] = expr(nodes.get(i), ref, wrap);
            }
            for (int i : order) {
                out.append(blank(indent)).append(indent).append(names[i]).append(eq()).append(maybeParens(exprs[i]))
                        .append(style.reformat ? comment() : "").append('\n');
            }
            // The return: the sum of its terms, left to right.
            StringBuilder ret = new StringBuilder();
            for (int t = 0; t < body.returns.size(); t++) {
                int term = body.returns.get(t);
                String s = term < 0 ? in : inlined[term] ? exprs[term] : names[term];
                if (term >= 0 && inlined[term] && isBinary(nodes.get(term))) {
                    s = "(" + s + ")";
                }
                if (t > 0) {
                    ret.append(op("+"));
                }
                ret.append(s);
            }
            String value = ret.toString();
            if (index < 0) {
                value = "lm_head(" + "rmsnorm(" + value + "))";
            }
            out.append(blank(indent)).append(indent).append("return ").append(value)
                    .append(style.reformat ? comment() : "").append('\n');
            return out.toString();
        }

        /** A statement order: the plain one, or a random topological order of the written statements. */
        List<Integer> order(List<Node> nodes, boolean[] inlined) {
            List<Integer> written = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                if (!inlined[i]) {
                    written.add(i);
                }
            }
            if (!style.reorder) {
                return written;
            }
            Map<Integer, Set<Integer>> deps = new HashMap<>();
            for (int i : written) {
                Set<Integer> ds = new HashSet<>();
                collect(nodes, inlined, nodes.get(i), ds);
                deps.put(i, ds);
            }
            List<Integer> out = new ArrayList<>();
            Set<Integer> done = new HashSet<>();
            List<Integer> pending = new ArrayList<>(written);
            while (!pending.isEmpty()) {
                List<Integer> ready = pending.stream().filter(i -> done.containsAll(deps.get(i))).toList();
                int pick = ready.get(r.nextInt(ready.size()));
                out.add(pick);
                done.add(pick);
                pending.remove(Integer.valueOf(pick));
            }
            return out;
        }

        void collect(List<Node> nodes, boolean[] inlined, Node n, Set<Integer> into) {
            for (int o : n.operands()) {
                if (o < 0) {
                    continue;
                }
                if (inlined[o]) {
                    collect(nodes, inlined, nodes.get(o), into);
                } else {
                    into.add(o);
                }
            }
        }

        boolean isBinary(Node n) {
            return n.kind == Kind.ADD || n.kind == Kind.MUL || n.kind == Kind.SCALE;
        }

        String expr(Node n, java.util.function.IntFunction<String> ref, java.util.function.IntPredicate wrap) {
            String a = ref.apply(n.a);
            if (wrap.test(n.a)) {
                a = "(" + a + ")";
            }
            return switch (n.kind) {
                case UNARY, NORM -> n.fn + "(" + a + ")";
                case LINEAR -> "linear(" + a + comma() + param(dName, d) + ")";
                case MLP -> "linear(" + n.fn + "(linear(" + a + comma() + width(n) + "))" + comma() + param(dName, d)
                        + ")";
                case ADD, MUL -> {
                    String b = ref.apply(n.b);
                    if (wrap.test(n.b)) {
                        b = "(" + b + ")";
                    }
                    String o = op(n.kind == Kind.ADD ? "+" : "*");
                    yield style.commute && r.nextBoolean() ? b + o + a : a + o + b;
                }
                case SCALE -> {
                    String c = number(n.constant);
                    yield style.commute && r.nextBoolean() ? c + op(n.fn) + a : a + op(n.fn) + c;
                }
                case CALL -> blockNames.get(n.block) + "(" + a + ")";
                case REPEAT -> {
                    String name = blockNames.get(n.block);
                    int count = n.count == 0 ? layers : n.count;
                    if (style.expandRepeat && r.nextBoolean()) {
                        yield (name + "(").repeat(count) + a + ")".repeat(count);
                    }
                    String c = n.count == 0 ? param(layersName, layers) : Integer.toString(n.count);
                    yield "repeat(" + c + comma() + name + comma() + a + ")";
                }
            };
        }

        String width(Node n) {
            if (n.width == 0) {
                if (style.inline && r.nextInt(3) == 0) {
                    return hiddenFactor + op("*") + param(dName, d);
                }
                return param(hiddenName, hiddenFactor * d);
            }
            if (style.inline && r.nextInt(4) == 0) {
                // The same number, computed.
                return switch (r.nextInt(3)) {
                    case 0 -> "(" + (n.width * 2) + op("//") + "2)";
                    case 1 -> "(" + (n.width - 3) + op("+") + "3)";
                    default -> "(" + (n.width / 8) + op("*") + "8)";
                };
            }
            return Integer.toString(n.width);
        }

        /** A param's name, or (when inlining) its value. */
        String param(String name, int value) {
            return style.inline && r.nextInt(3) == 0 ? Integer.toString(value) : name;
        }

        /** A constant; when inlining, in any of its spellings (the value is what counts). */
        String number(double c) {
            if (!style.inline) {
                return Double.toString(c);
            }
            String plain = Double.toString(c);
            return switch (r.nextInt(4)) {
                case 0 -> plain + "0";
                case 1 -> c == Math.rint(c) ? Long.toString((long) c) : plain;
                case 2 -> String.format(Locale.ROOT, "%se0", plain);
                default -> c < 1 ? plain.substring(1) : plain;
            };
        }

        String eq() {
            return style.reformat ? List.of(" = ", "=", "  =   ", " =").get(r.nextInt(4)) : " = ";
        }

        String op(String o) {
            return style.reformat ? List.of(" " + o + " ", o, "  " + o + " ").get(r.nextInt(3))
                    : " " + o + " ";
        }

        String comma() {
            if (!style.reformat) {
                return ", ";
            }
            return switch (r.nextInt(6)) {
                case 0 -> ",";
                case 1 -> " , ";
                case 2 -> ",\n" + " ".repeat(r.nextInt(12));   // a call wrapped over lines
                case 3 -> ",  # wrapped\n        ";
                default -> ", ";
            };
        }

        String maybeParens(String e) {
            return style.reformat && r.nextInt(4) == 0 ? "(" + e + ")" : e;
        }

        String comment() {
            return r.nextInt(4) == 0 ? "   # " + List.of("note", "x = y(", "block f(x):", "  ", "#").get(r.nextInt(5)) : "";
        }

        String blank(String indent) {
            return style.reformat ? blankOrComment(indent.length()) : "";
        }

        String blankOrComment(int width) {
            StringBuilder s = new StringBuilder();
            int n = r.nextInt(5) == 0 ? 1 + r.nextInt(2) : 0;
            for (int i = 0; i < n; i++) {
                s.append(switch (r.nextInt(3)) {
                    case 0 -> "";
                    case 1 -> " ".repeat(r.nextInt(10));
                    default -> " ".repeat(r.nextInt(Math.max(1, width + 3))) + "# comment " + r.nextInt(100);
                }).append('\n');
            }
            return s.toString();
        }
    }
}
