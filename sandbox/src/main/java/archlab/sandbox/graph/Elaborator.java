package archlab.sandbox.graph;

import archlab.sandbox.graph.ArchGraph.OperandEdge;
import archlab.sandbox.graph.OpNode.Mask;
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
import archlab.sandbox.lang.Ast.Tuple;
import archlab.sandbox.lang.Ast.Unary;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Diagnostic;
import archlab.sandbox.lang.Library;
import archlab.sandbox.lang.Primitives;
import archlab.sandbox.lang.Signature;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jgrapht.graph.DirectedAcyclicGraph;

/**
 * Turns a validated definition into its graph: evaluates params, expands every block call in place,
 * infers shapes and checks causality. Stops at the first error, which it locates in the user's file
 * and explains with the op and the shapes involved.
 */
public final class Elaborator {
    public static final int MAX_NODES = 200_000;
    public static final int MAX_DIM = Integer.MAX_VALUE / 2;
    public static final int MAX_REPEAT = 1000;

    /** A value during expansion. */
    sealed interface Value permits NumV, BoolV, TensorV, TupleV, BlockV, InitV {
    }

    record NumV(double v) implements Value {
    }

    record BoolV(boolean v) implements Value {
    }

    record TensorV(OpNode node) implements Value {
    }

    record TupleV(List<Value> items) implements Value {
    }

    record BlockV(String name) implements Value {
    }

    /** An initialiser named in {@code init=}: zeros, identity, dirac, normal(std) or uniform(bound). */
    record InitV(String kind, double arg) implements Value {
    }

    /** The graph with the built-in params it was expanded with. */
    public record Result(ArchGraph graph, int vocab, int seqLen) {
    }

    /** One block call on the expansion stack. */
    private record Frame(String block, String callFile, Pos callPos, String scope) {
    }

    /** An error raised deep in the expansion, located in the file whose code was running. */
    private static final class Failure extends RuntimeException {
        final String code;
        final String file;
        final Pos pos;
        List<Frame> frames;

        Failure(String code, String file, Pos pos, String message) {
            super(message, null, false, false);
            this.code = code;
            this.file = file;
            this.pos = pos;
        }
    }

    /** The graph under construction: the model's, or a scan step's. */
    private final class Builder {
        final DirectedAcyclicGraph<OpNode, OperandEdge> dag = new DirectedAcyclicGraph<>(null, null, false, true);
        final List<OpNode> inputs = new ArrayList<>();
    }

    private final String userFile;
    private final Library library;
    private final Map<String, Block> fileBlocks = new LinkedHashMap<>();
    private final Map<String, Value> fileGlobals = new LinkedHashMap<>();
    private final Map<String, Value> builtinGlobals = new LinkedHashMap<>();
    private final Deque<Frame> stack = new ArrayDeque<>();
    private final Map<String, Integer> repeatIndex = new HashMap<>();
    private Builder builder;
    private int nextId;
    private int nodeCount;
    private int vocab;
    private int seqLen;

    private Elaborator(String userFile, Library library) {
        this.userFile = userFile;
        this.library = library;
    }

    /**
     * Expands a validated program. {@code overrides} sets built-in params (vocab, seq_len) as a task
     * does; the file's own values are the defaults.
     */
    public static Result elaborate(Program program, String file, Library library, Map<String, Integer> overrides)
            throws DefinitionException {
        Elaborator e = new Elaborator(file, library);
        try {
            ArchGraph graph = e.run(program, overrides);
            return new Result(graph, e.vocab, e.seqLen);
        } catch (Failure f) {
            throw new DefinitionException(e.locate(f));
        } catch (StackOverflowError so) {
            throw new DefinitionException(Diagnostic.error("too-large", file, 1, 1,
                    "the definition expands too deeply to analyse"));
        }
    }

    private ArchGraph run(Program program, Map<String, Integer> overrides) {
        for (Map.Entry<String, Integer> b : Primitives.BUILTIN_PARAMS.entrySet()) {
            builtinGlobals.put(b.getKey(), new NumV(b.getValue()));
        }
        fileGlobals.putAll(builtinGlobals);
        for (var p : program.params()) {
            Value v = eval(p.value(), new HashMap<>(), userFile);
            fileGlobals.put(p.name(), v);
            if (Primitives.BUILTIN_PARAMS.containsKey(p.name())) {
                builtinGlobals.put(p.name(), v);
            }
        }
        for (Map.Entry<String, Integer> o : overrides.entrySet()) {
            fileGlobals.put(o.getKey(), new NumV(o.getValue()));
            builtinGlobals.put(o.getKey(), new NumV(o.getValue()));
        }
        Pos top = program.model().pos();
        vocab = positiveInt(fileGlobals.get("vocab"), "vocab", userFile, top);
        seqLen = positiveInt(fileGlobals.get("seq_len"), "seq_len", userFile, top);
        program.blocks().forEach(b -> fileBlocks.put(b.name(), b));

        builder = new Builder();
        OpNode tokens = node("input", Map.of(), Shape.of(Shape.B, Shape.T), Mask.NONE, List.of(), 0, null,
                userFile, top);
        builder.inputs.add(tokens);
        Block model = program.model();
        Map<String, Value> env = new HashMap<>();
        env.put(model.args().get(0).name(), new TensorV(tokens));
        Value result = body(model, env, userFile);
        OpNode logits = tensor(result, "the model's result", userFile, returnPos(model));
        Shape want = Shape.of(Shape.B, Shape.T, vocab);
        if (!logits.shape().equals(want)) {
            throw new Failure("output-shape", userFile, returnPos(model), "the model must return logits of shape "
                    + want + " (vocab = " + vocab + "), but returns " + logits.shape()
                    + (logits.shape().rank() == 3 && logits.shape().dim(2) != vocab
                    ? "; end with lm_head(x) or linear(x, vocab)" : ""));
        }
        return new ArchGraph(builder.dag, builder.inputs, List.of(logits));
    }

    // ---------------------------------------------------------------- statements and blocks

    private Value body(Block block, Map<String, Value> env, String file) {
        for (Stmt st : block.body()) {
            if (st instanceof Assign as) {
                Value v = eval(as.value(), env, file);
                if (as.targets().size() == 1) {
                    env.put(as.targets().get(0).id(), v);
                } else {
                    if (!(v instanceof TupleV t) || t.items().size() != as.targets().size()) {
                        throw new Failure("unpack", file, as.pos(), "cannot unpack " + describe(v) + " into "
                                + as.targets().size() + " names");
                    }
                    for (int i = 0; i < t.items().size(); i++) {
                        env.put(as.targets().get(i).id(), t.items().get(i));
                    }
                }
            } else {
                Return r = (Return) st;
                if (r.values().size() == 1) {
                    return eval(r.values().get(0), env, file);
                }
                List<Value> vs = new ArrayList<>();
                for (Expr e : r.values()) {
                    vs.add(eval(e, env, file));
                }
                return new TupleV(vs);
            }
        }
        throw new Failure("missing-return", file, block.pos(), "block '" + block.name() + "' has no return");
    }

    private static Pos returnPos(Block b) {
        return b.body().isEmpty() ? b.pos() : b.body().get(b.body().size() - 1).pos();
    }

    private Value callBlock(String name, Call call, List<Value> positional, Map<String, Value> keywords,
                            String file, String scopeSegment) {
        // Lexical scope: user code sees its own blocks first, then the library; library code sees
        // only the library, so a file's block never changes what a library block computes.
        Block def;
        String defFile;
        Map<String, Value> globals;
        if (file.equals(userFile) && fileBlocks.containsKey(name)) {
            def = fileBlocks.get(name);
            defFile = userFile;
            globals = fileGlobals;
        } else if (library.contains(name)) {
            def = library.get(name).block();
            defFile = library.get(name).file();
            globals = builtinGlobals;
        } else {
            throw new Failure("unknown-op", file, call.pos(), "unknown block '" + name + "'");
        }
        if (positional.size() > def.args().size()) {
            throw new Failure("arity", file, call.pos(), "block '" + name + "' takes " + def.args().size()
                    + " arguments, got " + positional.size());
        }
        Map<String, Value> env = new HashMap<>();
        for (int i = 0; i < def.args().size(); i++) {
            Arg a = def.args().get(i);
            Value v = i < positional.size() ? positional.get(i) : keywords.get(a.name());
            if (v == null) {
                if (a.defaultValue() == null) {
                    throw new Failure("arity", file, call.pos(), "block '" + name + "' is missing its argument '"
                            + a.name() + "'");
                }
                v = eval(a.defaultValue(), new HashMap<>(globals), defFile, globals);
            }
            env.put(a.name(), v);
        }
        for (String k : keywords.keySet()) {
            if (def.args().stream().noneMatch(a -> a.name().equals(k))) {
                throw new Failure("unknown-argument", file, call.pos(), "block '" + name
                        + "' has no argument named '" + k + "'");
            }
        }
        if (stack.size() > 200) {
            throw new Failure("too-large", file, call.pos(), "blocks nest more than 200 calls deep");
        }
        String scope = stack.isEmpty() || stack.peek().scope().isEmpty() ? scopeSegment
                : stack.peek().scope() + "/" + scopeSegment;
        stack.push(new Frame(name, file, call.pos(), scope));
        try {
            return body(def, env, defFile, globals);
        } catch (Failure f) {
            if (f.frames == null) {
                f.frames = new ArrayList<>(stack);
            }
            throw f;
        } finally {
            stack.pop();
        }
    }

    private final Deque<Map<String, Value>> globalsStack = new ArrayDeque<>();

    private Value body(Block block, Map<String, Value> env, String file, Map<String, Value> globals) {
        globalsStack.push(globals);
        try {
            return body(block, env, file);
        } finally {
            globalsStack.pop();
        }
    }

    private Map<String, Value> globals() {
        return globalsStack.isEmpty() ? fileGlobals : globalsStack.peek();
    }

    // ---------------------------------------------------------------- expressions

    private Value eval(Expr e, Map<String, Value> env, String file, Map<String, Value> globals) {
        globalsStack.push(globals);
        try {
            return eval(e, env, file);
        } finally {
            globalsStack.pop();
        }
    }

    private Value eval(Expr e, Map<String, Value> env, String file) {
        if (e instanceof Num n) {
            return new NumV(n.value());
        }
        if (e instanceof Bool b) {
            return new BoolV(b.value());
        }
        if (e instanceof Name n) {
            Value v = env.get(n.id());
            if (v == null) {
                v = globals().get(n.id());
            }
            if (v == null && (fileBlocks.containsKey(n.id()) || library.contains(n.id()))) {
                v = new BlockV(n.id());
            }
            if (v == null) {
                throw new Failure("unknown-name", file, n.pos(), "unknown name '" + n.id() + "'");
            }
            return v;
        }
        if (e instanceof Tuple t) {
            List<Value> items = new ArrayList<>();
            for (Expr i : t.items()) {
                items.add(eval(i, env, file));
            }
            return new TupleV(items);
        }
        if (e instanceof Unary u) {
            Value v = eval(u.operand(), env, file);
            if (v instanceof NumV n) {
                return new NumV(-n.v());
            }
            if (!(v instanceof TensorV)) {
                throw new Failure("type", file, u.pos(), "unary '-' cannot take " + describe(v));
            }
            OpNode x = tensor(v, "the operand of unary '-'", file, u.pos());
            return unary("neg", x, file, u.pos());
        }
        if (e instanceof Binary b) {
            return binary(b, eval(b.left(), env, file), eval(b.right(), env, file), file);
        }
        Call c = (Call) e;
        return call(c, env, file);
    }

    private Value binary(Binary b, Value l, Value r, String file) {
        String op = b.op();
        for (Value v : List.of(l, r)) {
            if (v instanceof BoolV || v instanceof TupleV || v instanceof BlockV) {
                throw new Failure("type", file, b.pos(), "'" + op + "' cannot take " + describe(v)
                        + "; it works on numbers and tensors");
            }
        }
        if (l instanceof NumV x && r instanceof NumV y) {
            double v = switch (op) {
                case "+" -> x.v() + y.v();
                case "-" -> x.v() - y.v();
                case "*" -> x.v() * y.v();
                case "/" -> {
                    if (y.v() == 0) {
                        throw new Failure("division-by-zero", file, b.pos(), "division by zero");
                    }
                    yield x.v() / y.v();
                }
                case "//" -> {
                    if (y.v() == 0) {
                        throw new Failure("division-by-zero", file, b.pos(), "integer division by zero");
                    }
                    yield Math.floor(x.v() / y.v());
                }
                case "**" -> Math.pow(x.v(), y.v());
                default -> throw new Failure("type", file, b.pos(), "'@' multiplies tensors, not numbers");
            };
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                throw new Failure("number-range", file, b.pos(), "'" + op + "' on " + fmt(x.v()) + " and "
                        + fmt(y.v()) + " is not a finite number");
            }
            return new NumV(v);
        }
        if (op.equals("@")) {
            return new TensorV(matmul(tensor(l, "the left operand of '@'", file, b.pos()),
                    tensor(r, "the right operand of '@'", file, b.pos()), file, b.pos()));
        }
        if (op.equals("//")) {
            throw new Failure("type", file, b.pos(), "'//' divides numbers; for tensors use '/'");
        }
        if (op.equals("**")) {
            OpNode x = tensor(l, "the base of '**'", file, b.pos());
            if (!(r instanceof NumV p)) {
                throw new Failure("type", file, b.pos(), "the exponent of '**' must be a number, got " + describe(r));
            }
            Mask m = x.mask() == Mask.ZERO && p.v() > 0 ? Mask.ZERO : open(x.shape());
            return new TensorV(node("pow", Map.of("exponent", p.v()), x.shape(), m, List.of(x), 0, null, file,
                    b.pos()));
        }
        String name = switch (op) {
            case "+" -> "add";
            case "-" -> "sub";
            case "*" -> "mul";
            default -> "div";
        };
        OpNode a = operand(l, op, file, b.pos());
        OpNode c = operand(r, op, file, b.pos());
        return new TensorV(elementwise(name, "'" + op + "'", a, c, file, b.pos()));
    }

    private OpNode operand(Value v, String op, String file, Pos pos) {
        if (v instanceof NumV n) {
            return constant(n.v(), file, pos);
        }
        return tensor(v, "an operand of '" + op + "'", file, pos);
    }

    private OpNode constant(double v, String file, Pos pos) {
        return node("const", Map.of("value", v), Shape.SCALAR, Mask.NONE, List.of(), 0, null, file, pos);
    }

    // ---------------------------------------------------------------- calls

    private Value call(Call c, Map<String, Value> env, String file) {
        String callee = c.callee();
        if (callee.equals("repeat")) {
            return repeat(c, env, file);
        }
        if (callee.equals("scan")) {
            return scan(c, env, file);
        }
        boolean userScope = file.equals(userFile);
        boolean isBlock = userScope ? fileBlocks.containsKey(callee) || library.contains(callee)
                : library.contains(callee);
        if (isBlock) {
            List<Value> pos = new ArrayList<>();
            for (Expr a : c.args()) {
                pos.add(eval(a, env, file));
            }
            Map<String, Value> kws = new LinkedHashMap<>();
            for (KwArg k : c.kwargs()) {
                kws.put(k.name(), eval(k.value(), env, file));
            }
            return callBlock(callee, c, pos, kws, file, callee);
        }
        Signature sig = Primitives.signature(callee);
        if (sig == null) {
            throw new Failure("unknown-op", file, c.pos(), "unknown op '" + callee + "'");
        }
        Signature.Bound bound;
        try {
            bound = sig.bind(c, file);
        } catch (DefinitionException ex) {
            Diagnostic d = ex.first();
            throw new Failure(d.code(), file, new Pos(d.line(), d.col()), d.message());
        }
        Map<String, Value> args = new LinkedHashMap<>();
        for (Map.Entry<String, Expr> a : bound.named().entrySet()) {
            boolean initialiser = a.getKey().equals("init") && Primitives.INITIALISED.contains(callee);
            args.put(a.getKey(), initialiser ? initialiser(a.getValue(), env, file) : eval(a.getValue(), env, file));
        }
        List<Value> rest = new ArrayList<>();
        for (Expr r : bound.rest()) {
            rest.add(eval(r, env, file));
        }
        return new Ops(callee, args, rest, file, c.pos()).apply();
    }

    /**
     * The value of {@code init=}: the names zeros, identity and dirac and the calls normal(std) and
     * uniform(bound) mean initialisers there (and only there); anything else is evaluated as a number.
     */
    private Value initialiser(Expr e, Map<String, Value> env, String file) {
        if (e instanceof Name n && Primitives.INIT_NAMES.contains(n.id())) {
            return new InitV(n.id(), 0);
        }
        if (e instanceof Call c && Primitives.INIT_CALLS.contains(c.callee())) {
            String what = c.callee().equals("normal") ? "std" : "bound";
            if (c.args().size() != 1 || !c.kwargs().isEmpty()) {
                throw new Failure("arity", file, c.pos(), "init=" + c.callee() + "(" + what + ") takes one number, the "
                        + what + ", as in init=" + c.callee() + "(0.02)");
            }
            double v = number(eval(c.args().get(0), env, file), "the " + what + " of " + c.callee(), file, c.pos());
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new Failure("bad-value", file, c.pos(), "the " + what + " of init=" + c.callee()
                        + " must be a finite number >= 0, got " + fmt(v));
            }
            return new InitV(c.callee(), v);
        }
        return eval(e, env, file);
    }

    private Value repeat(Call c, Map<String, Value> env, String file) {
        if (c.args().size() != 3) {
            throw new Failure("arity", file, c.pos(), "repeat takes (n, block, x), got " + c.args().size()
                    + " positional arguments");
        }
        int n = positiveInt(eval(c.args().get(0), env, file), "the count of repeat", file, c.pos());
        if (n > MAX_REPEAT) {
            throw new Failure("too-large", file, c.pos(), "repeat count " + n + " is above the limit of " + MAX_REPEAT);
        }
        Value b = eval(c.args().get(1), env, file);
        if (!(b instanceof BlockV block)) {
            throw new Failure("expected-block", file, c.pos(), "the second argument of repeat must be a block name");
        }
        Value x = eval(c.args().get(2), env, file);
        OpNode in = tensor(x, "the input of repeat", file, c.pos());
        Map<String, Value> kws = new LinkedHashMap<>();
        for (KwArg k : c.kwargs()) {
            kws.put(k.name(), eval(k.value(), env, file));
        }
        String key = scopeKey(block.name());
        int base = repeatIndex.getOrDefault(key, 0);
        repeatIndex.put(key, base + n);
        Value cur = x;
        for (int i = 0; i < n; i++) {
            cur = callBlock(block.name(), c, List.of(cur), kws, file, block.name() + "[" + (base + i) + "]");
            OpNode out = tensor(cur, "the result of block '" + block.name() + "' in repeat", file, c.pos());
            if (!out.shape().equals(in.shape())) {
                throw new Failure("shape-mismatch", file, c.pos(), "repeat needs a block that returns the shape it"
                        + " takes: '" + block.name() + "' maps " + in.shape() + " to " + out.shape());
            }
        }
        return cur;
    }

    private String scopeKey(String block) {
        return (stack.isEmpty() ? "" : stack.peek().scope()) + "/" + block;
    }

    private Value scan(Call c, Map<String, Value> env, String file) {
        if (c.args().size() < 2) {
            throw new Failure("arity", file, c.pos(), "scan takes a step block and at least one input sequence");
        }
        Value b = eval(c.args().get(0), env, file);
        if (!(b instanceof BlockV step)) {
            throw new Failure("expected-block", file, c.pos(), "the first argument of scan must be a block name");
        }
        KwArg stateArg = c.kwargs().stream().filter(k -> k.name().equals("state")).findFirst().orElseThrow(
                () -> new Failure("arity", file, c.pos(), "scan needs state=(n1, n2, ...), the state shape without batch"));
        for (KwArg k : c.kwargs()) {
            if (!k.name().equals("state")) {
                throw new Failure("unknown-argument", file, k.pos(), "scan has no argument named '" + k.name() + "'");
            }
        }
        Value sv = eval(stateArg.value(), env, file);
        List<Value> dimsV = sv instanceof TupleV t ? t.items() : List.of(sv);
        List<Integer> stateDims = new ArrayList<>();
        stateDims.add(Shape.B);
        for (Value d : dimsV) {
            stateDims.add(positiveInt(d, "a state size of scan", file, stateArg.pos()));
        }
        Shape stateShape = new Shape(stateDims);
        List<OpNode> xs = new ArrayList<>();
        int axis = -1;
        for (int i = 1; i < c.args().size(); i++) {
            OpNode x = tensor(eval(c.args().get(i), env, file), "input " + i + " of scan", file, c.pos());
            if (x.shape().timeAxes() != 1) {
                throw new Failure("scan-input", file, c.pos(), "scan input " + i + " must have exactly one time axis, "
                        + "got " + x.shape());
            }
            if (axis >= 0 && x.shape().timeAxis() != axis) {
                throw new Failure("scan-input", file, c.pos(), "scan inputs must have the time axis at the same "
                        + "position: input 1 has it at dim " + axis + ", input " + i + " at dim "
                        + x.shape().timeAxis() + " (" + x.shape() + ")");
            }
            axis = x.shape().timeAxis();
            xs.add(x);
        }
        Builder outer = builder;
        Builder inner = new Builder();
        builder = inner;
        List<Value> stepArgs = new ArrayList<>();
        OpNode state = node("scan_state", Map.of(), stateShape, Mask.NONE, List.of(), 0, null, file, c.pos());
        inner.inputs.add(state);
        stepArgs.add(new TensorV(state));
        for (int i = 0; i < xs.size(); i++) {
            OpNode slice = node("scan_input", Map.of("index", i), xs.get(i).shape().without(axis), Mask.NONE,
                    List.of(), 0, null, file, c.pos());
            inner.inputs.add(slice);
            stepArgs.add(new TensorV(slice));
        }
        Value result;
        try {
            result = callBlock(step.name(), c, stepArgs, Map.of(), file, step.name());
        } finally {
            builder = outer;
        }
        if (!(result instanceof TupleV t) || t.items().size() != 2) {
            throw new Failure("scan-step", file, c.pos(), "the step block '" + step.name()
                    + "' must return two values, 'return new_state, y', got " + describe(result));
        }
        OpNode newState = tensor(t.items().get(0), "the new state returned by '" + step.name() + "'", file, c.pos());
        OpNode y = tensor(t.items().get(1), "the output returned by '" + step.name() + "'", file, c.pos());
        if (!newState.shape().equals(stateShape)) {
            throw new Failure("scan-step", file, c.pos(), "the step block '" + step.name() + "' must return a new "
                    + "state of the state's shape " + stateShape + ", got " + newState.shape());
        }
        if (y.shape().rank() < axis || y.shape().rank() == 0 || y.shape().dim(0) != Shape.B) {
            throw new Failure("scan-step", file, c.pos(), "the step output " + y.shape()
                    + " cannot be stacked over time at dim " + axis + " (it needs the batch first and rank >= " + axis + ")");
        }
        ArchGraph body = new ArchGraph(inner.dag, inner.inputs, List.of(newState, y));
        long bodyWeights = inner.dag.vertexSet().stream().mapToLong(OpNode::weights).sum();
        Shape out = y.shape().inserting(axis, Shape.T);
        Map<String, Object> attrs = Map.of("axis", axis, "state", List.copyOf(stateDims.subList(1, stateDims.size())));
        // The body's weights are reported by its own nodes; the scan node owns none itself.
        return new TensorV(node("scan", attrs, out, Mask.NONE, xs, 0, body, file, c.pos()));
    }

    // ---------------------------------------------------------------- primitives

    /** One primitive call with its evaluated arguments. */
    private final class Ops {
        final String op;
        final Map<String, Value> args;
        final List<Value> rest;
        final String file;
        final Pos pos;

        Ops(String op, Map<String, Value> args, List<Value> rest, String file, Pos pos) {
            this.op = op;
            this.args = args;
            this.rest = rest;
            this.file = file;
            this.pos = pos;
        }

        Value apply() {
            if (Primitives.UNARY.contains(op)) {
                if (args.get("x") instanceof NumV n) {
                    return new NumV(numeric(n.v()));
                }
                return unary(op, x("x"), file, pos);
            }
            if (Primitives.REDUCTIONS.contains(op)) {
                return new TensorV(reduce());
            }
            if (Primitives.SPREADS.contains(op)) {
                return new TensorV(spread());
            }
            return switch (op) {
                case "embed" -> embed();
                case "linear" -> linear();
                case "conv1d" -> conv1d();
                case "rmsnorm", "layernorm" -> norm();
                case "parameter" -> parameter();
                case "maximum", "minimum" -> new TensorV(elementwise(op, op, operand(args.get("a"), op, file, pos),
                        operand(args.get("b"), op, file, pos), file, pos));
                case "matmul" -> new TensorV(matmul(x("a"), x("b"), file, pos));
                case "softmax" -> softmax();
                case "cumsum" -> cumsum();
                case "causal_mask", "causal_zero" -> mask();
                case "shift" -> shift();
                case "rope" -> rope();
                case "positions" -> positions();
                case "split_heads" -> splitHeads();
                case "merge_heads" -> mergeHeads();
                case "transpose" -> transpose();
                case "unsqueeze" -> unsqueeze();
                case "squeeze" -> squeeze();
                case "flatten" -> flatten();
                case "concat" -> concat();
                case "split" -> split();
                case "slice" -> slice();
                case "size" -> size();
                case "clamp" -> clamp();
                case "where" -> where();
                case "eye" -> {
                    int n = size("n");
                    if ((long) n * n > MAX_DIM) {
                        throw fail("too-large", "eye(" + n + ") has more than " + MAX_DIM + " elements");
                    }
                    yield new TensorV(make("eye", Map.of("n", n), Shape.of(n, n), Mask.NONE, List.of(), 0));
                }
                case "progress" -> new TensorV(make("progress", Map.of(), Shape.SCALAR, Mask.NONE, List.of(), 0));
                case "sort", "topk" -> sort();
                case "gather" -> gather();
                default -> throw fail("unknown-op", "unknown op '" + op + "'");
            };
        }

        /** A unary primitive applied to a number, at check time. */
        double numeric(double v) {
            double r = switch (op) {
                case "exp" -> Math.exp(v);
                case "log" -> Math.log(v);
                case "sqrt" -> Math.sqrt(v);
                case "abs" -> Math.abs(v);
                case "sigmoid" -> 1 / (1 + Math.exp(-v));
                case "tanh" -> Math.tanh(v);
                case "relu" -> Math.max(0, v);
                case "softplus" -> Math.log1p(Math.exp(v));
                case "elu" -> v > 0 ? v : Math.expm1(v);
                case "silu" -> v / (1 + Math.exp(-v));
                case "sign" -> Math.signum(v);
                default -> v * 0.5 * (1 + erf(v / Math.sqrt(2)));
            };
            if (Double.isNaN(r) || Double.isInfinite(r)) {
                throw fail("number-range", op + "(" + fmt(v) + ") is not a finite number");
            }
            return r;
        }

        OpNode x(String name) {
            OpNode n = tensor(args.get(name), "argument '" + name + "' of " + op, file, pos);
            if (n.op().equals("input") && n.shape().rank() == 2 && !op.equals("embed")) {
                throw fail("type", op + " cannot take the token ids directly: they are integers; embed them first "
                        + "with embed(" + "tokens, d)");
            }
            return n;
        }

        int integer(String name, int def) {
            Value v = args.get(name);
            return v == null ? def : anyInt(v, "argument '" + name + "' of " + op, file, pos);
        }

        int size(String name) {
            return positiveInt(args.get(name), "argument '" + name + "' of " + op, file, pos);
        }

        boolean flag(String name, boolean def) {
            Value v = args.get(name);
            if (v == null) {
                return def;
            }
            if (v instanceof BoolV b) {
                return b.v();
            }
            throw fail("type", "argument '" + name + "' of " + op + " must be true or false" + (name.equals("bias")
                    ? " (or the number a bias starts at)" : "") + ", got " + describe(v));
        }

        int axis(OpNode x, String name, int def) {
            int raw = integer(name, def);
            int a = x.shape().axis(raw);
            if (a < 0) {
                throw fail("bad-dim", op + ": dim " + raw + " is out of range for a tensor of shape " + x.shape());
            }
            return a;
        }

        Failure fail(String code, String message) {
            return new Failure(code, file, pos, message);
        }

        /** A computed size, refused when it is too large to be a real tensor dim. */
        int dim(long size) {
            if (size > MAX_DIM) {
                throw fail("too-large", op + " makes a dim of " + size + ", above the limit of " + MAX_DIM);
            }
            return (int) size;
        }

        OpNode make(String name, Map<String, Object> attrs, Shape shape, Mask mask, List<OpNode> inputs, long w) {
            return node(name, attrs, shape, mask, inputs, w, null, file, pos);
        }

        Value embed() {
            OpNode ids = tensor(args.get("ids"), "argument 'ids' of embed", file, pos);
            if (!ids.op().equals("input") || ids.shape().rank() != 2) {
                throw fail("type", "embed takes the model's token ids [B, T], got " + ids.op() + " of shape "
                        + ids.shape());
            }
            int dim = size("dim");
            return new TensorV(make("embed", Map.of("dim", dim, "vocab", vocab), Shape.of(Shape.B, Shape.T, dim),
                    Mask.NONE, List.of(ids), (long) vocab * dim));
        }

        Value linear() {
            OpNode in = x("x");
            int out = size("out");
            boolean bias = args.get("bias") instanceof NumV || flag("bias", false);
            if (in.shape().rank() == 0) {
                throw fail("shape-mismatch", "linear needs a tensor with a feature dim, got a scalar");
            }
            int d = in.shape().last();
            if (d == Shape.T) {
                throw fail("non-causal", "linear over the time axis (input " + in.shape() + ") mixes all positions, "
                        + "so position t would see the future; transpose the time axis back first");
            }
            if (d == Shape.B) {
                throw fail("shape-mismatch", "linear over the batch axis (input " + in.shape() + ") is not allowed");
            }
            Shape s = in.shape().with(in.shape().rank() - 1, out);
            Map<String, Object> attrs = new HashMap<>(Map.of("out", out, "bias", bias));
            attrs.putAll(initialisation("identity"));
            attrs.putAll(biasStart());
            return new TensorV(make("linear", attrs, s, carry(in, s), List.of(in),
                    (long) d * out + (bias ? out : 0)));
        }

        Value conv1d() {
            OpNode in = x("x");
            int k = size("kernel");
            Shape s = in.shape();
            if (s.rank() != 3 || s.dim(0) != Shape.B || s.dim(1) != Shape.T || s.dim(2) < 0) {
                throw fail("shape-mismatch", "conv1d expects [B, T, d], got " + s
                        + (s.rank() == 4 ? "; merge the heads first with merge_heads(x)" : ""));
            }
            if (k > 4096) {
                throw fail("too-large", "conv1d kernel " + k + " is above the limit of 4096");
            }
            boolean bias = args.get("bias") instanceof NumV || flag("bias", true);
            // bias=true is the default and stays out of the attributes, so existing designs keep their hash
            Map<String, Object> attrs = new HashMap<>(Map.of("kernel", k));
            if (!bias) {
                attrs.put("bias", false);
            }
            attrs.putAll(initialisation("dirac"));
            attrs.putAll(biasStart());
            return new TensorV(make("conv1d", attrs, s, Mask.NONE, List.of(in),
                    (long) s.dim(2) * k + (bias ? s.dim(2) : 0)));
        }

        /**
         * {@code bias=c}: a bias that starts at the number c (a gate that starts open, a forget gate near 1).
         * {@code bias=0} is {@code bias=true} and adds nothing, so the two hash alike.
         */
        Map<String, Object> biasStart() {
            if (args.get("bias") instanceof NumV n) {
                if (!Double.isFinite(n.v())) {
                    throw fail("bad-value", "the bias start of " + op + " must be finite, got " + fmt(n.v()));
                }
                return n.v() == 0 ? Map.of() : Map.of("bias_init", n.v());
            }
            return Map.of();
        }

        /**
         * The attributes {@code init=} adds to a weight op; none without it (the op's default start).
         * A constant is {@code init=c}, a normal draw {@code std=s} (parameter's own spelling), a uniform
         * draw {@code init="uniform", bound=b}, and the identity {@code init="identity"} (linear, parameter)
         * or {@code init="dirac"} (conv1d, where identity means the same). Equal starts hash alike.
         */
        Map<String, Object> initialisation(String identityName) {
            Value v = args.get("init");
            if (v == null) {
                return Map.of();
            }
            if (v instanceof NumV n) {
                return Map.of("init", n.v());
            }
            if (!(v instanceof InitV i)) {
                throw fail("type", "init of " + op + " must be a number or one of zeros, identity, dirac, normal(std), "
                        + "uniform(bound); got " + describe(v));
            }
            return switch (i.kind()) {
                case "zeros" -> Map.of("init", 0.0);
                case "normal" -> Map.of("std", i.arg());
                case "uniform" -> Map.of("init", "uniform", "bound", i.arg());
                default -> {
                    if (!i.kind().equals(identityName) && !(op.equals("conv1d") && i.kind().equals("identity"))) {
                        throw fail("bad-value", op + " has no init=" + i.kind() + "; "
                                + (op.equals("conv1d") ? "a convolution starts as the identity with init=dirac"
                                : "a matrix starts as the identity with init=identity (dirac is for conv1d)"));
                    }
                    yield Map.of("init", identityName);
                }
            };
        }

        Value norm() {
            OpNode in = x("x");
            if (in.shape().rank() == 0) {
                throw fail("shape-mismatch", op + " needs a tensor with a feature dim, got a scalar");
            }
            int d = in.shape().last();
            if (d < 0) {
                throw fail(d == Shape.T ? "non-causal" : "shape-mismatch", op + " normalises over the last dim, which is "
                        + Shape.dimName(d) + " in " + in.shape() + "; normalising over "
                        + (d == Shape.T ? "time lets position t see the future" : "the batch is not allowed"));
            }
            return new TensorV(make(op, Map.of(), in.shape(), open(in.shape()), List.of(in),
                    op.equals("rmsnorm") ? d : 2L * d));
        }

        Value parameter() {
            if (rest.isEmpty()) {
                throw fail("arity", "parameter needs at least one size, as in parameter(heads, init=0.0)");
            }
            List<Integer> dims = new ArrayList<>();
            long count = 1;
            for (Value v : rest) {
                int d = positiveInt(v, "a size of parameter", file, pos);
                dims.add(d);
                count *= d;
                if (count > MAX_DIM) {
                    throw fail("too-large", "parameter of shape " + dims + "... has more than " + MAX_DIM + " elements");
                }
            }
            Value init = args.get("init");
            Value std = args.get("std");
            if (init != null && std != null) {
                throw fail("arity", "parameter takes init=... or std=s, not both");
            }
            Map<String, Object> attrs = init != null
                    ? initialisation("identity")
                    : Map.of("std", std == null ? 0.02 : number(std, "std of parameter", file, pos));
            if ("identity".equals(attrs.get("init")) && (dims.size() < 2 || !dims.get(dims.size() - 1)
                    .equals(dims.get(dims.size() - 2)))) {
                throw fail("shape-mismatch", "parameter(..., init=identity) needs its last two sizes equal (a square "
                        + "matrix, repeated over any leading dims), got " + dims);
            }
            return new TensorV(make("parameter", attrs, new Shape(dims), Mask.NONE, List.of(), count));
        }

        Value softmax() {
            OpNode in = x("x");
            int a = axis(in, "dim", -1);
            Shape s = in.shape();
            int d = s.dim(a);
            Mask m = open(s);
            if (d == Shape.B) {
                throw fail("shape-mismatch", "softmax over the batch axis of " + s + " is not allowed");
            }
            if (d == Shape.T) {
                if (!s.isScoreMatrix()) {
                    throw fail("non-causal", "softmax over the time axis of " + s + " normalises across all positions, "
                            + "so position t would see the future");
                }
                if (a == s.rank() - 2) {
                    throw fail("non-causal", "softmax over the query axis (dim " + a + ") of the score matrix " + s
                            + " mixes future queries; take softmax over the key axis (dim=-1)");
                }
                if (in.mask() != Mask.NEG_INF) {
                    throw fail("non-causal", "softmax over the keys of an unmasked score matrix " + s
                            + " lets position t attend to later positions; apply causal_mask(s) before softmax");
                }
                m = Mask.ZERO;
            }
            return new TensorV(make("softmax", Map.of("dim", a), s, m, List.of(in), 0));
        }

        Value cumsum() {
            OpNode in = x("x");
            Shape s = in.shape();
            int a;
            if (args.containsKey("dim")) {
                a = axis(in, "dim", -1);
            } else {
                a = s.isScoreMatrix() ? s.rank() - 1 : s.timeAxis();
                if (a < 0) {
                    throw fail("bad-dim", "cumsum runs over the time axis by default, but " + s
                            + " has none; give dim=...");
                }
            }
            if (s.dim(a) == Shape.B) {
                throw fail("shape-mismatch", "cumsum over the batch axis is not allowed");
            }
            Mask m = open(s);
            if (s.isScoreMatrix()) {
                if (a == s.rank() - 1) {
                    m = in.mask() == Mask.NEG_INF ? Mask.NEG_INF : Mask.OPEN;
                } else if (a == s.rank() - 2) {
                    m = in.mask() == Mask.ZERO ? Mask.ZERO : Mask.OPEN;
                } else {
                    m = in.mask();
                }
            }
            return new TensorV(make("cumsum", Map.of("dim", a), s, m, List.of(in), 0));
        }

        Value mask() {
            OpNode in = x("s");
            if (!in.shape().isScoreMatrix()) {
                throw fail("shape-mismatch", op + " expects a score matrix whose last two dims are time, [..., T, T], got "
                        + in.shape() + "; build one with q @ transpose(k)");
            }
            int w = integer("window", 0);
            if (w < 0) {
                throw fail("bad-value", op + ": window must be 0 (no window) or positive, got " + w);
            }
            return new TensorV(make(op, Map.of("window", w), in.shape(),
                    op.equals("causal_mask") ? Mask.NEG_INF : Mask.ZERO, List.of(in), 0));
        }

        Value shift() {
            OpNode in = x("x");
            int steps = integer("steps", 1);
            if (in.shape().timeAxes() != 1) {
                throw fail("shape-mismatch", "shift needs a tensor with exactly one time axis, got " + in.shape());
            }
            if (steps < 0) {
                throw fail("non-causal", "shift(x, steps=" + steps + ") must delay by 0 or more steps; shifting "
                        + "backwards would show position t the future");
            }
            if (steps == 0) {
                // a lag of 0 is x itself (so a sweep over the lag may start at 0), and hashes as x
                return new TensorV(in);
            }
            return new TensorV(make("shift", Map.of("steps", steps), in.shape(), Mask.NONE, List.of(in), 0));
        }

        Value rope() {
            OpNode in = x("x");
            Shape s = in.shape();
            if (s.rank() < 2 || s.dim(s.rank() - 2) != Shape.T || s.timeAxes() != 1 || s.last() < 0) {
                throw fail("shape-mismatch", "rope expects [..., T, d] with time second to last, got " + s);
            }
            if (s.last() % 2 != 0) {
                throw fail("shape-mismatch", "rope rotates pairs of features, so the last dim must be even; got " + s);
            }
            return new TensorV(make("rope", Map.of(), s, Mask.NONE, List.of(in), 0));
        }

        Value positions() {
            OpNode in = x("x");
            if (in.shape().timeAxes() == 0) {
                throw fail("shape-mismatch", "positions needs a tensor with a time axis, got " + in.shape());
            }
            return new TensorV(make("positions", Map.of(), Shape.of(Shape.T, 1), Mask.NONE, List.of(in), 0));
        }

        Value splitHeads() {
            OpNode in = x("x");
            int h = size("heads");
            Shape s = in.shape();
            if (s.rank() != 3 || s.dim(0) != Shape.B || s.dim(1) != Shape.T || s.dim(2) < 0) {
                throw fail("shape-mismatch", "split_heads expects [B, T, d], got " + s);
            }
            if (s.dim(2) % h != 0) {
                throw fail("shape-mismatch", "split_heads cannot split " + s.dim(2) + " features of " + s + " into "
                        + h + " equal heads");
            }
            return new TensorV(make("split_heads", Map.of("heads", h), Shape.of(Shape.B, h, Shape.T, s.dim(2) / h),
                    Mask.NONE, List.of(in), 0));
        }

        Value mergeHeads() {
            OpNode in = x("x");
            Shape s = in.shape();
            if (s.rank() != 4 || s.dim(0) != Shape.B || s.dim(1) < 0 || s.dim(2) != Shape.T || s.dim(3) < 0) {
                throw fail("shape-mismatch", "merge_heads expects [B, heads, T, k], got " + s);
            }
            return new TensorV(make("merge_heads", Map.of(), Shape.of(Shape.B, Shape.T, dim((long) s.dim(1) * s.dim(3))),
                    Mask.NONE, List.of(in), 0));
        }

        Value transpose() {
            OpNode in = x("x");
            Shape s = in.shape();
            if (s.rank() < 2) {
                throw fail("shape-mismatch", "transpose needs at least two dims, got " + s);
            }
            int a = axis(in, "a", -2);
            int b = axis(in, "b", -1);
            List<Integer> d = new ArrayList<>(s.dims());
            d.set(a, s.dim(b));
            d.set(b, s.dim(a));
            Shape out = new Shape(d);
            if (out.dim(0) != Shape.B && s.dim(0) == Shape.B) {
                throw fail("shape-mismatch", "transpose must keep the batch axis first, got " + s + " -> " + out);
            }
            Mask m = Mask.NONE;
            if (out.timeAxes() == 2) {
                boolean untouched = s.isScoreMatrix() && a < s.rank() - 2 && b < s.rank() - 2;
                m = untouched ? in.mask() : Mask.OPEN;
            }
            return new TensorV(make("transpose", Map.of("a", Math.min(a, b), "b", Math.max(a, b)), out, m,
                    List.of(in), 0));
        }

        Value unsqueeze() {
            OpNode in = x("x");
            Shape s = in.shape();
            int raw = integer("dim", 0);
            int a = raw < 0 ? raw + s.rank() + 1 : raw;
            if (a < 0 || a > s.rank()) {
                throw fail("bad-dim", "unsqueeze: dim " + raw + " is out of range for " + s);
            }
            Shape out = s.inserting(a, 1);
            return new TensorV(make("unsqueeze", Map.of("dim", a), out, reshapeMask(in, out), List.of(in), 0));
        }

        Value squeeze() {
            OpNode in = x("x");
            int a = axis(in, "dim", 0);
            if (in.shape().dim(a) != 1) {
                throw fail("shape-mismatch", "squeeze removes a dim of size 1, but dim " + a + " of " + in.shape()
                        + " is " + Shape.dimName(in.shape().dim(a)));
            }
            Shape out = in.shape().without(a);
            return new TensorV(make("squeeze", Map.of("dim", a), out, reshapeMask(in, out), List.of(in), 0));
        }

        Value flatten() {
            OpNode in = x("x");
            Shape s = in.shape();
            if (s.rank() < 2 || s.last() < 0 || s.dim(s.rank() - 2) < 0) {
                throw fail(s.rank() >= 2 && (s.last() == Shape.T || s.dim(s.rank() - 2) == Shape.T) ? "non-causal"
                        : "shape-mismatch", "flatten merges the last two dims, which must be sizes (not B or T); got " + s);
            }
            Shape out = s.without(s.rank() - 1).with(s.rank() - 2, dim((long) s.last() * s.dim(s.rank() - 2)));
            return new TensorV(make("flatten", Map.of(), out, Mask.NONE, List.of(in), 0));
        }

        Value concat() {
            if (rest.size() < 2) {
                throw fail("arity", "concat needs at least two tensors, as in concat(a, b, dim=-1)");
            }
            List<OpNode> xs = new ArrayList<>();
            for (int i = 0; i < rest.size(); i++) {
                xs.add(tensor(rest.get(i), "argument " + (i + 1) + " of concat", file, pos));
            }
            Shape first = xs.get(0).shape();
            int a = axis(xs.get(0), "dim", -1);
            if (first.dim(a) < 0) {
                throw fail(first.dim(a) == Shape.T ? "non-causal" : "shape-mismatch", "concat along "
                        + Shape.dimName(first.dim(a)) + " is not allowed; concatenate along a feature dim");
            }
            long total = 0;
            Mask m = xs.get(0).mask();
            for (OpNode x : xs) {
                Shape s = x.shape();
                if (s.rank() != first.rank()) {
                    throw fail("shape-mismatch", "concat needs tensors of one rank, got " + first + " and " + s);
                }
                for (int i = 0; i < s.rank(); i++) {
                    if (i != a && s.dim(i) != first.dim(i)) {
                        throw fail("shape-mismatch", "concat along dim " + a + " needs the other dims equal, got "
                                + first + " and " + s);
                    }
                }
                total += s.dim(a);
                if (x.mask() != m) {
                    m = Mask.OPEN;
                }
            }
            Shape out = first.with(a, dim(total));
            return new TensorV(make("concat", Map.of("dim", a), out, out.isScoreMatrix() ? m : open(out), xs, 0));
        }

        Value split() {
            OpNode in = x("x");
            int parts = size("parts");
            int a = axis(in, "dim", -1);
            int d = in.shape().dim(a);
            if (d < 0) {
                throw fail(d == Shape.T ? "non-causal" : "shape-mismatch", "split along " + Shape.dimName(d)
                        + " is not allowed; split a feature dim");
            }
            if (d % parts != 0) {
                throw fail("shape-mismatch", "split cannot cut dim " + a + " of " + in.shape() + " (" + d + ") into "
                        + parts + " equal parts");
            }
            int w = d / parts;
            List<Value> out = new ArrayList<>();
            for (int i = 0; i < parts; i++) {
                Shape s = in.shape().with(a, w);
                out.add(new TensorV(make("slice", Map.of("start", i * w, "end", (i + 1) * w, "dim", a), s,
                        s.isScoreMatrix() ? in.mask() : open(s), List.of(in), 0)));
            }
            return new TupleV(out);
        }

        Value slice() {
            OpNode in = x("x");
            int a = axis(in, "dim", -1);
            int d = in.shape().dim(a);
            int start = integer("start", 0);
            int end = integer("end", 0);
            if (d < 0) {
                throw fail(d == Shape.T ? "non-causal" : "shape-mismatch", "slice along " + Shape.dimName(d)
                        + " is not allowed; slice a feature dim");
            }
            if (start < 0 || end > d || start >= end) {
                throw fail("bad-value", "slice(" + start + ", " + end + ") is out of range for dim " + a + " of "
                        + in.shape() + "; need 0 <= start < end <= " + d);
            }
            Shape s = in.shape().with(a, end - start);
            return new TensorV(make("slice", Map.of("start", start, "end", end, "dim", a), s,
                    s.isScoreMatrix() ? in.mask() : open(s), List.of(in), 0));
        }

        Value size() {
            OpNode in = x("x");
            int a = axis(in, "dim", -1);
            int d = in.shape().dim(a);
            if (d < 0) {
                throw fail("bad-dim", "size(x, " + a + ") of " + in.shape() + " is " + Shape.dimName(d)
                        + ", which is only known when the model runs");
            }
            return new NumV(d);
        }

        /** clamp(x, lo, hi): either bound may be left out, not both; the bounds are numbers. */
        Value clamp() {
            Value lo = args.get("lo");
            Value hi = args.get("hi");
            if (lo == null && hi == null) {
                throw fail("arity", "clamp needs a lower or an upper bound, as in clamp(x, 0, 1), clamp(x, lo=0) "
                        + "or clamp(x, hi=1)");
            }
            for (Value b : new Value[] {lo, hi}) {
                if (b != null && !(b instanceof NumV)) {
                    throw fail("type", "the bounds of clamp are numbers, got " + describe(b)
                            + "; for a tensor bound use maximum(x, lo) and minimum(x, hi)");
                }
            }
            double l = lo == null ? Double.NEGATIVE_INFINITY : ((NumV) lo).v();
            double h = hi == null ? Double.POSITIVE_INFINITY : ((NumV) hi).v();
            if (l > h) {
                throw fail("bad-value", "clamp's lower bound " + fmt(l) + " is above its upper bound " + fmt(h));
            }
            if (args.get("x") instanceof NumV n) {
                return new NumV(Math.min(h, Math.max(l, n.v())));
            }
            OpNode in = x("x");
            Map<String, Object> attrs = new HashMap<>();
            if (lo != null) {
                attrs.put("lo", l);
            }
            if (hi != null) {
                attrs.put("hi", h);
            }
            Mask m = open(in.shape());
            if (in.shape().isScoreMatrix()) {
                // zero stays zero when 0 is inside the bounds; -inf stays -inf without a lower bound
                m = in.mask() == Mask.ZERO && l <= 0 && h >= 0 ? Mask.ZERO
                        : in.mask() == Mask.NEG_INF && lo == null ? Mask.NEG_INF : Mask.OPEN;
            }
            return new TensorV(make("clamp", attrs, in.shape(), m, List.of(in), 0));
        }

        /** where(cond, a, b): a where cond > 0, else b; all three broadcast (numbers too, for a and b). */
        Value where() {
            OpNode c = x("cond");
            OpNode a = operand(args.get("a"), "where", file, pos);
            OpNode b = operand(args.get("b"), "where", file, pos);
            for (OpNode n : List.of(a, b)) {
                if (n.op().equals("input") && n.shape().equals(Shape.of(Shape.B, Shape.T))) {
                    throw fail("type", "where cannot take the token ids directly: they are integers; embed them first");
                }
            }
            Shape s = broadcast("where", broadcast("where", c.shape(), a.shape(), file, pos), b.shape(), file, pos);
            if (s.timeAxes() > 2) {
                throw fail("shape-mismatch", "where would make a tensor with more than two time axes (" + s + ")");
            }
            Mask m = open(s);
            if (s.isScoreMatrix()) {
                Mask ma = maskOf(a);
                Mask mb = maskOf(b);
                // a select keeps a mask that both branches share; a finite branch (NONE) breaks it
                m = ma == mb && (ma == Mask.ZERO || ma == Mask.NEG_INF) ? ma : Mask.OPEN;
            }
            return new TensorV(make("where", Map.of(), s, m, List.of(c, a, b), 0));
        }

        /**
         * sort(x, dim, descending) and topk(x, k, dim) over a feature axis. Sorting along time would let
         * position t see later values, and no mask makes that causal, so the time and batch axes are refused.
         */
        Value sort() {
            OpNode in = x("x");
            Shape s = in.shape();
            if (s.rank() == 0) {
                throw fail("shape-mismatch", op + " needs a tensor with a feature dim, got a scalar");
            }
            int a = axis(in, "dim", -1);
            int d = s.dim(a);
            if (d == Shape.T) {
                throw fail("non-causal", op + " along the time axis (dim " + a + " of " + s + ") orders every position "
                        + "by value, so position t would see later positions; " + op + " a feature dim (dim=-1 of "
                        + "[B, T, d] or of [B, heads, T, k])");
            }
            if (d == Shape.B) {
                throw fail("shape-mismatch", op + " along the batch axis of " + s + " is not allowed");
            }
            if (op.equals("sort")) {
                boolean descending = flag("descending", false);
                return new TensorV(make("sort", Map.of("dim", a, "descending", descending), s, carry(in, s),
                        List.of(in), 0));
            }
            int k = size("k");
            if (k > d) {
                throw fail("bad-value", "topk(x, " + k + ") of dim " + a + " of " + s + " asks for more than its " + d
                        + " values");
            }
            Shape out = s.with(a, k);
            return new TensorV(make("topk", Map.of("dim", a, "k", k), out, carry(in, out), List.of(in), 0));
        }

        /**
         * gather(x, (i0, i1, ...), dim): the entries i0, i1, ... of a feature dim, in that order, repeats
         * allowed; a static table lookup (head h reads group h // 2). Indices are numbers known at check time.
         */
        Value gather() {
            OpNode in = x("x");
            int a = axis(in, "dim", -1);
            int d = in.shape().dim(a);
            if (d < 0) {
                throw fail(d == Shape.T ? "non-causal" : "shape-mismatch", "gather along " + Shape.dimName(d)
                        + " is not allowed; gather along a feature dim");
            }
            Value iv = args.get("index");
            List<Value> items = iv instanceof TupleV t ? t.items() : List.of(iv);
            List<Integer> index = new ArrayList<>();
            for (Value v : items) {
                int i = anyInt(v, "an index of gather", file, pos);
                if (i < 0 || i >= d) {
                    throw fail("bad-value", "gather index " + i + " is out of range for dim " + a + " of " + in.shape()
                            + "; need 0 <= index < " + d);
                }
                index.add(i);
            }
            Shape s = in.shape().with(a, dim(index.size()));
            return new TensorV(make("gather", Map.of("dim", a, "index", List.copyOf(index)), s,
                    s.isScoreMatrix() ? in.mask() : open(s), List.of(in), 0));
        }

        /** var, std (population, divided by n) and the L2 norm over a feature axis. */
        OpNode spread() {
            OpNode in = x("x");
            if (in.shape().rank() == 0) {
                throw fail("shape-mismatch", op + " needs a tensor with a feature dim, got a scalar");
            }
            int a = axis(in, "dim", -1);
            boolean keep = flag("keepdim", false);
            Shape s = in.shape();
            int d = s.dim(a);
            if (d == Shape.T) {
                throw fail("non-causal", op + " over the time axis (dim " + a + " of " + s + ") pools all positions, "
                        + "so position t would see the future; take " + op + " over a feature dim, or write a running "
                        + "statistic with cumsum");
            }
            if (d == Shape.B) {
                throw fail("shape-mismatch", op + " over the batch axis is not allowed");
            }
            Shape out = keep ? s.with(a, 1) : s.without(a);
            Mask m = out.isScoreMatrix() && in.mask() == Mask.ZERO ? Mask.ZERO : open(out);
            return make(op, Map.of("dim", a, "keepdim", keep), out, m, List.of(in), 0);
        }

        OpNode reduce() {
            OpNode in = x("x");
            int a = axis(in, "dim", -1);
            boolean keep = flag("keepdim", false);
            Shape s = in.shape();
            int d = s.dim(a);
            if (d == Shape.B) {
                throw fail("shape-mismatch", op + " over the batch axis is not allowed");
            }
            Shape out = keep ? s.with(a, 1) : s.without(a);
            Mask m = open(out);
            if (d == Shape.T) {
                if (!s.isScoreMatrix()) {
                    throw fail("non-causal", op + " over the time axis of " + s + " pools all positions, so position t "
                            + "would see the future; use cumsum for a running total");
                }
                if (a == s.rank() - 2) {
                    throw fail("non-causal", op + " over the query axis (dim " + a + ") of the score matrix " + s
                            + " mixes future queries");
                }
                boolean ok = op.equals("max") ? in.mask() == Mask.NEG_INF || in.mask() == Mask.ZERO
                        : in.mask() == Mask.ZERO;
                if (!ok) {
                    throw fail("non-causal", op + " over the keys of " + (in.mask() == Mask.OPEN ? "an unmasked"
                            : "a -inf-masked") + " score matrix " + s + " would include later positions; "
                            + (op.equals("max") ? "apply causal_mask first" : "apply causal_zero first"));
                }
            } else if (out.isScoreMatrix()) {
                m = in.mask() == Mask.ZERO || in.mask() == Mask.NEG_INF && !op.equals("mean") ? in.mask() : Mask.OPEN;
            }
            return make(op, Map.of("dim", a, "keepdim", keep), out, m, List.of(in), 0);
        }
    }

    /** Abramowitz and Stegun 7.1.26; gelu of a number needs only check-time precision. */
    private static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592)
                * t * Math.exp(-x * x);
        return x >= 0 ? y : -y;
    }

    /** The mask a shape-only op passes on: kept while the score matrix stays the last two dims. */
    private static Mask reshapeMask(OpNode in, Shape out) {
        if (!out.isScoreMatrix()) {
            return open(out);
        }
        return in.shape().isScoreMatrix() ? in.mask() : Mask.OPEN;
    }

    /** The mask of a freshly computed tensor: open if it is a score matrix, none otherwise. */
    private static Mask open(Shape s) {
        return s.timeAxes() >= 2 ? Mask.OPEN : Mask.NONE;
    }

    private static Mask carry(OpNode in, Shape out) {
        return out.isScoreMatrix() ? Mask.OPEN : open(out);
    }

    private Value unary(String op, OpNode x, String file, Pos pos) {
        if (x.op().equals("input") && x.shape().rank() == 2 && x.inputs().isEmpty() && builder.inputs.contains(x)
                && x.shape().equals(Shape.of(Shape.B, Shape.T))) {
            throw new Failure("type", file, pos, op + " cannot take the token ids directly: they are integers; "
                    + "embed them first");
        }
        Mask in = x.mask();
        Mask m = open(x.shape());
        if (x.shape().isScoreMatrix()) {
            m = switch (op) {
                case "exp" -> in == Mask.NEG_INF ? Mask.ZERO : Mask.OPEN;
                case "log" -> in == Mask.ZERO ? Mask.NEG_INF : Mask.OPEN;
                case "relu" -> in == Mask.NEG_INF || in == Mask.ZERO ? Mask.ZERO : Mask.OPEN;
                case "sigmoid", "softplus" -> in == Mask.NEG_INF ? Mask.ZERO : Mask.OPEN;
                case "tanh", "silu", "gelu", "elu", "neg", "sqrt", "abs", "sign" -> in == Mask.ZERO ? Mask.ZERO : Mask.OPEN;
                default -> Mask.OPEN;
            };
        }
        return new TensorV(node(op, Map.of(), x.shape(), m, List.of(x), 0, null, file, pos));
    }

    private OpNode elementwise(String op, String shown, OpNode a, OpNode b, String file, Pos pos) {
        for (OpNode n : List.of(a, b)) {
            if (n.op().equals("input") && n.shape().equals(Shape.of(Shape.B, Shape.T))) {
                throw new Failure("type", file, pos, shown + " cannot take the token ids directly: they are integers; "
                        + "embed them first");
            }
        }
        Shape s = broadcast(shown, a.shape(), b.shape(), file, pos);
        Mask m = open(s);
        if (s.timeAxes() > 2) {
            throw new Failure("shape-mismatch", file, pos, shown + " would make a tensor with more than two time axes ("
                    + s + ")");
        }
        if (s.isScoreMatrix()) {
            m = combine(op, maskOf(a), maskOf(b), positive(a), positive(b));
        }
        return node(op, Map.of(), s, m, List.of(a, b), 0, null, file, pos);
    }

    /** The mask of an operand as seen by a score-matrix result: non-score operands are finite ("NONE"). */
    private static Mask maskOf(OpNode n) {
        return n.shape().isScoreMatrix() ? n.mask() : Mask.NONE;
    }

    /**
     * Whether every element of {@code n} is positive by construction: a positive number, exp, softplus
     * or sigmoid of anything (a learned temperature), and sums and products of those. Scaling a -inf
     * mask by such a value keeps it -inf. Underflow to 0 would make -inf * 0 = NaN, but the compiler
     * refills the masked entries wherever they are read (docs/language.md), so that cannot leak.
     */
    private static boolean positive(OpNode n) {
        return switch (n.op()) {
            case "const" -> ((Double) n.attrs().get("value")) > 0;
            case "exp", "softplus", "sigmoid" -> true;
            case "add", "mul", "div" -> positive(n.inputs().get(0)) && positive(n.inputs().get(1));
            default -> false;
        };
    }

    private static Mask combine(String op, Mask a, Mask b, boolean aPositive, boolean bPositive) {
        return switch (op) {
            case "add" -> a == Mask.NEG_INF || b == Mask.NEG_INF ? Mask.NEG_INF
                    : a == Mask.ZERO && b == Mask.ZERO ? Mask.ZERO : Mask.OPEN;
            case "sub" -> a == Mask.NEG_INF && b != Mask.NEG_INF ? Mask.NEG_INF
                    : a == Mask.ZERO && b == Mask.ZERO ? Mask.ZERO : Mask.OPEN;
            case "mul" -> a == Mask.ZERO || b == Mask.ZERO ? Mask.ZERO
                    : a == Mask.NEG_INF && bPositive || b == Mask.NEG_INF && aPositive ? Mask.NEG_INF : Mask.OPEN;
            case "div" -> a == Mask.ZERO ? Mask.ZERO : a == Mask.NEG_INF && bPositive ? Mask.NEG_INF : Mask.OPEN;
            case "maximum" -> a == Mask.NEG_INF && b == Mask.NEG_INF ? Mask.NEG_INF
                    : a == Mask.ZERO && b == Mask.ZERO ? Mask.ZERO : Mask.OPEN;
            case "minimum" -> a == Mask.NEG_INF || b == Mask.NEG_INF ? Mask.NEG_INF
                    : a == Mask.ZERO && b == Mask.ZERO ? Mask.ZERO : Mask.OPEN;
            default -> Mask.OPEN;
        };
    }

    private Shape broadcast(String shown, Shape a, Shape b, String file, Pos pos) {
        int rank = Math.max(a.rank(), b.rank());
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.rank() ? 1 : a.dim(i - (rank - a.rank()));
            int db = i < rank - b.rank() ? 1 : b.dim(i - (rank - b.rank()));
            if (da == db || db == 1) {
                out.add(da);
            } else if (da == 1) {
                out.add(db);
            } else {
                throw new Failure("shape-mismatch", file, pos, shown + " cannot broadcast " + a + " with " + b
                        + ": dim " + (i - rank) + " is " + Shape.dimName(da) + " vs " + Shape.dimName(db)
                        + " (sizes must be equal, or one of them 1)");
            }
        }
        return new Shape(out);
    }

    private OpNode matmul(OpNode a, OpNode b, String file, Pos pos) {
        for (OpNode n : List.of(a, b)) {
            if (n.op().equals("input") && n.shape().equals(Shape.of(Shape.B, Shape.T))) {
                throw new Failure("type", file, pos, "'@' cannot take the token ids directly; embed them first");
            }
        }
        Shape sa = a.shape();
        Shape sb = b.shape();
        if (sa.rank() < 2 || sb.rank() < 2) {
            throw new Failure("shape-mismatch", file, pos, "'@' needs tensors with at least two dims, got " + sa + " @ "
                    + sb + "; use unsqueeze to add a dim");
        }
        int m = sa.dim(sa.rank() - 2);
        int k = sa.last();
        int k2 = sb.dim(sb.rank() - 2);
        int n = sb.last();
        if (k != k2) {
            throw new Failure("shape-mismatch", file, pos, "'@' cannot multiply " + sa + " by " + sb + ": inner sizes "
                    + Shape.dimName(k) + " and " + Shape.dimName(k2) + " differ");
        }
        if (k == Shape.B) {
            throw new Failure("shape-mismatch", file, pos, "'@' cannot contract the batch axis (" + sa + " @ " + sb + ")");
        }
        Shape lead = broadcast("'@'", new Shape(sa.dims().subList(0, sa.rank() - 2)),
                new Shape(sb.dims().subList(0, sb.rank() - 2)), file, pos);
        List<Integer> dims = new ArrayList<>(lead.dims());
        dims.add(m);
        dims.add(n);
        Shape out = new Shape(dims);
        if (out.timeAxes() > 2) {
            throw new Failure("shape-mismatch", file, pos, "'@' of " + sa + " and " + sb
                    + " would make a tensor with more than two time axes");
        }
        Mask mask = open(out);
        if (k == Shape.T) {
            if (!sa.isScoreMatrix()) {
                throw new Failure("non-causal", file, pos, "'@' of " + sa + " and " + sb + " sums over every time "
                        + "position, so position t would see the future; contract time only through a masked score "
                        + "matrix, as in causal_zero(q @ transpose(k)) @ v");
            }
            if (a.mask() == Mask.NEG_INF) {
                throw new Failure("non-causal", file, pos, "'@' contracts a -inf-masked score matrix " + sa
                        + "; turn it into weights first with softmax or exp, or mask with causal_zero");
            }
            if (a.mask() != Mask.ZERO) {
                throw new Failure("non-causal", file, pos, "'@' contracts the keys of an unmasked score matrix " + sa
                        + ", so position t would read later positions; apply causal_zero (or causal_mask then softmax) "
                        + "first");
            }
            if (sb.isScoreMatrix()) {
                mask = b.mask() == Mask.ZERO ? Mask.ZERO : Mask.OPEN;
            }
        }
        return node("matmul", Map.of(), out, mask, List.of(a, b), 0, null, file, pos);
    }

    // ---------------------------------------------------------------- nodes and values

    private OpNode node(String op, Map<String, Object> attrs, Shape shape, Mask mask, List<OpNode> inputs, long weights,
                        ArchGraph body, String file, Pos pos) {
        if (++nodeCount > MAX_NODES) {
            throw new Failure("too-large", file, pos, "the definition expands to more than " + MAX_NODES
                    + " ops; use fewer layers or smaller repeat counts");
        }
        for (int d : shape.dims()) {
            if (d > MAX_DIM) {
                throw new Failure("too-large", file, pos, op + " makes a dim of " + d + ", above the limit of " + MAX_DIM);
            }
        }
        String scope = stack.isEmpty() ? "" : stack.peek().scope();
        OpNode n = new OpNode(nextId++, op, attrs, shape, mask, inputs, weights, body, scope, file, pos.line(),
                pos.col());
        builder.dag.addVertex(n);
        for (int i = 0; i < inputs.size(); i++) {
            builder.dag.addEdge(inputs.get(i), n, new OperandEdge(inputs.get(i), n, i));
        }
        return n;
    }

    private static OpNode tensor(Value v, String what, String file, Pos pos) {
        if (v instanceof TensorV t) {
            return t.node();
        }
        throw new Failure("type", file, pos, what + " must be a tensor, got " + describe(v));
    }

    private static double number(Value v, String what, String file, Pos pos) {
        if (v instanceof NumV n) {
            return n.v();
        }
        throw new Failure("type", file, pos, what + " must be a number, got " + describe(v));
    }

    private static int anyInt(Value v, String what, String file, Pos pos) {
        double d = number(v, what, file, pos);
        if (d != Math.rint(d)) {
            throw new Failure("type", file, pos, what + " must be a whole number, got " + fmt(d)
                    + "; use '//' for integer division");
        }
        if (Math.abs(d) > MAX_DIM) {
            throw new Failure("too-large", file, pos, what + " is " + fmt(d) + ", above the limit of " + MAX_DIM);
        }
        return (int) d;
    }

    private static int positiveInt(Value v, String what, String file, Pos pos) {
        int n = anyInt(v, what, file, pos);
        if (n < 1) {
            throw new Failure("bad-value", file, pos, what + " must be a positive whole number, got " + n);
        }
        return n;
    }

    static String describe(Value v) {
        if (v instanceof NumV n) {
            return "the number " + fmt(n.v());
        }
        if (v instanceof BoolV b) {
            return "the boolean " + b.v();
        }
        if (v instanceof TensorV t) {
            return "a tensor of shape " + t.node().shape();
        }
        if (v instanceof TupleV t) {
            return "a tuple of " + t.items().size() + " values";
        }
        if (v instanceof InitV i) {
            return "the initialiser " + i.kind();
        }
        return "the block '" + ((BlockV) v).name() + "'";
    }

    static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** Places an error in the user's file, with the chain of block calls that led to it. */
    private Diagnostic locate(Failure f) {
        List<Frame> frames = f.frames == null ? List.of() : f.frames;
        String message = f.getMessage();
        Pos at = f.pos;
        int first = 0;
        if (!f.file.equals(userFile)) {
            while (first < frames.size() && !frames.get(first).callFile().equals(userFile)) {
                first++;
            }
            String inner = frames.isEmpty() ? "?" : frames.get(0).block();
            message = "inside library block '" + inner + "' (" + f.file + ":" + f.pos + "): " + message;
            at = first < frames.size() ? frames.get(first).callPos() : new Pos(1, 1);
            first++;
        }
        List<String> trace = new ArrayList<>();
        for (int i = f.file.equals(userFile) ? 0 : first - 1; i < frames.size(); i++) {
            Frame fr = frames.get(i);
            if (i < 0) {
                continue;
            }
            String caller = i + 1 < frames.size() ? "block " + frames.get(i + 1).block() : "model";
            trace.add("in block " + fr.block() + (fr.scope().equals(fr.block()) ? "" : " (" + fr.scope() + ")") + ", called at "
                    + fr.callPos() + " from " + caller);
        }
        return new Diagnostic(Diagnostic.Severity.ERROR, f.code, userFile, at.line(), at.col(), message,
                trace.stream().collect(Collectors.toList()));
    }
}
