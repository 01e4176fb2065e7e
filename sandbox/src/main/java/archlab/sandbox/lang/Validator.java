package archlab.sandbox.lang;

import archlab.sandbox.lang.Ast.Arg;
import archlab.sandbox.lang.Ast.Assign;
import archlab.sandbox.lang.Ast.Binary;
import archlab.sandbox.lang.Ast.Block;
import archlab.sandbox.lang.Ast.Call;
import archlab.sandbox.lang.Ast.Expr;
import archlab.sandbox.lang.Ast.KwArg;
import archlab.sandbox.lang.Ast.Name;
import archlab.sandbox.lang.Ast.Param;
import archlab.sandbox.lang.Ast.Pos;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.Ast.Return;
import archlab.sandbox.lang.Ast.Stmt;
import archlab.sandbox.lang.Ast.Tuple;
import archlab.sandbox.lang.Ast.Unary;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jgrapht.alg.cycle.JohnsonSimpleCycles;
import org.jgrapht.graph.DefaultDirectedGraph;

/**
 * The checks that need no shapes: names, arity, single assignment, returns, unused values and
 * recursion. Unlike shape inference it reports every problem it finds, not only the first.
 */
public final class Validator {
    private final String file;
    private final Library library;
    private final Map<String, Block> fileBlocks;
    private final Set<String> globals;
    private final List<Diagnostic> out = new ArrayList<>();
    // Plain (non-intrusive) edges: JohnsonSimpleCycles copies edges into subgraphs, which DefaultEdge forbids.
    private final DefaultDirectedGraph<String, Object> calls = new DefaultDirectedGraph<>(null, Object::new, false);

    private Validator(String file, Library library, Map<String, Block> fileBlocks, Set<String> globals) {
        this.file = file;
        this.library = library;
        this.fileBlocks = fileBlocks;
        this.globals = globals;
    }

    /** Validates a definition against the library its blocks may call. */
    public static List<Diagnostic> validate(Program program, String file, Library library) {
        Map<String, Block> blocks = new LinkedHashMap<>();
        Set<String> globals = new HashSet<>(Primitives.BUILTIN_PARAMS.keySet());
        Validator v = new Validator(file, library, blocks, globals);
        v.params(program.params());
        for (Block b : program.blocks()) {
            if (Primitives.isPrimitive(b.name())) {
                v.error("shadowing", b.pos(), "'" + b.name() + "' is a primitive op; give the block another name");
            } else if (blocks.containsKey(b.name())) {
                v.error("duplicate", b.pos(), "block '" + b.name() + "' is defined twice (first at "
                        + blocks.get(b.name()).pos() + ")");
            } else if (globals.contains(b.name())) {
                v.error("shadowing", b.pos(), "block '" + b.name() + "' has the name of a param");
            } else {
                blocks.put(b.name(), b);
            }
        }
        for (Block b : program.blocks()) {
            v.block(b);
        }
        if (program.model() != null) {
            v.block(program.model());
            Set<String> reachable = new HashSet<>();
            v.reach("model", reachable);
            for (Block b : blocks.values()) {
                if (!reachable.contains(b.name())) {
                    v.warning("unused", b.pos(), "block '" + b.name() + "' is never used by the model");
                }
            }
        }
        v.cycles();
        v.out.sort(Comparator.comparingInt(Diagnostic::line).thenComparingInt(Diagnostic::col));
        return v.out;
    }

    /** Validates the blocks of a library, each in its own scope (no file params). */
    public static List<Diagnostic> validateLibrary(Library library) {
        List<Diagnostic> all = new ArrayList<>();
        Map<String, List<Block>> byFile = new LinkedHashMap<>();
        library.blocks().values().forEach(e -> byFile.computeIfAbsent(e.file(), f -> new ArrayList<>()).add(e.block()));
        for (Map.Entry<String, List<Block>> f : byFile.entrySet()) {
            Validator v = new Validator(f.getKey(), library, Map.of(),
                    new HashSet<>(Primitives.BUILTIN_PARAMS.keySet()));
            f.getValue().forEach(v::block);
            v.cycles();
            all.addAll(v.out);
        }
        return all;
    }

    private void params(List<Param> params) {
        for (Param p : params) {
            if (Primitives.isPrimitive(p.name())) {
                error("shadowing", p.pos(), "param '" + p.name() + "' has the name of a primitive op");
                continue;
            }
            if (globals.contains(p.name()) && !Primitives.BUILTIN_PARAMS.containsKey(p.name())) {
                error("duplicate", p.pos(), "param '" + p.name() + "' is defined twice");
                continue;
            }
            paramExpr(p.value());
            globals.add(p.name());
        }
    }

    private void paramExpr(Expr e) {
        if (e instanceof Name n) {
            if (!globals.contains(n.id())) {
                error("unknown-name", n.pos(), "param value uses '" + n.id()
                        + "', which is not a param defined above" + suggest(n.id(), globals));
            }
        } else if (e instanceof Binary b) {
            paramExpr(b.left());
            paramExpr(b.right());
        } else if (e instanceof Unary u) {
            paramExpr(u.operand());
        } else if (e instanceof Call c && (Primitives.UNARY.contains(c.callee()) || c.callee().equals("clamp"))) {
            // exp(x), log(x), clamp(x, lo, hi), ... of numbers are numbers, computed at check time
            c.args().forEach(this::paramExpr);
            c.kwargs().forEach(k -> paramExpr(k.value()));
        } else if (e instanceof Call c) {
            error("param-not-number", c.pos(), "a param is a number computed from numbers and earlier params; "
                    + "calls such as '" + c.callee() + "(...)' are not allowed here (only the elementwise functions "
                    + "such as exp, log, sqrt and clamp of numbers)");
        } else if (e instanceof Tuple t) {
            error("param-not-number", t.pos(), "a param is a single number, not a tuple");
        }
    }

    /** A block argument's default: a number from literals and params, like a param's value. */
    private void defaultExpr(Expr e) {
        if (e instanceof Call c) {
            error("param-not-number", c.pos(), "an argument's default is a number computed from numbers and "
                    + "params; calls such as '" + c.callee() + "(...)' are not allowed here (compute it in the body)");
        } else {
            paramExpr(e);
        }
    }

    private final class Scope {
        final Block block;
        final Map<String, Pos> defined = new LinkedHashMap<>();
        final Map<String, Pos> args = new LinkedHashMap<>();
        final Set<String> used = new HashSet<>();
        final Map<String, Pos> assignedAnywhere = new HashMap<>();

        Scope(Block block) {
            this.block = block;
        }
    }

    private void block(Block b) {
        String name = b.name();
        calls.addVertex(name);
        Scope s = new Scope(b);
        for (Arg a : b.args()) {
            if (s.args.containsKey(a.name())) {
                error("duplicate", a.pos(), "argument '" + a.name() + "' appears twice");
            } else if (Primitives.isPrimitive(a.name()) || isBlock(a.name())) {
                error("shadowing", a.pos(), "argument '" + a.name() + "' has the name of "
                        + (Primitives.isPrimitive(a.name()) ? "a primitive op" : "a block"));
            }
            if (a.defaultValue() != null) {
                defaultExpr(a.defaultValue());
            }
            s.args.put(a.name(), a.pos());
            s.defined.put(a.name(), a.pos());
        }
        for (Stmt st : b.body()) {
            if (st instanceof Assign as) {
                as.targets().forEach(t -> s.assignedAnywhere.putIfAbsent(t.id(), t.pos()));
            }
        }
        boolean returned = false;
        for (Stmt st : b.body()) {
            if (returned) {
                error("unreachable", st.pos(), "statement after 'return' is never run");
                break;
            }
            if (st instanceof Assign as) {
                expr(as.value(), s, false);
                for (Name t : as.targets()) {
                    define(t, s);
                }
            } else {
                for (Expr e : ((Return) st).values()) {
                    expr(e, s, false);
                }
                returned = true;
            }
        }
        if (!returned) {
            error("missing-return", b.pos(), (name.equals("model") ? "'model'" : "block '" + name + "'")
                    + " has no 'return'; end it with 'return <value>'");
        }
        for (Map.Entry<String, Pos> d : s.defined.entrySet()) {
            if (!s.used.contains(d.getKey())) {
                if (s.args.containsKey(d.getKey())) {
                    if (!name.equals("model") || !d.getKey().equals(b.args().get(0).name())) {
                        warning("unused", d.getValue(), "argument '" + d.getKey() + "' of '" + name + "' is never used");
                    } else {
                        error("unused", d.getValue(), "the model never uses its token ids '" + d.getKey() + "'");
                    }
                } else {
                    error("unused", d.getValue(), "value '" + d.getKey() + "' is computed but never used; "
                            + "use it or delete the line");
                }
            }
        }
    }

    private void define(Name t, Scope s) {
        String id = t.id();
        if (s.defined.containsKey(id)) {
            error("reassigned", t.pos(), "'" + id + "' is already assigned (at " + s.defined.get(id)
                    + "); values are assigned once, so use a new name such as '" + id + "2'");
        } else if (Primitives.isPrimitive(id)) {
            error("shadowing", t.pos(), "'" + id + "' is a primitive op; choose another name for the value");
        } else if (isBlock(id)) {
            error("shadowing", t.pos(), "'" + id + "' is a block; choose another name for the value");
        } else if (globals.contains(id)) {
            error("shadowing", t.pos(), "'" + id + "' is a param; choose another name for the value");
        }
        s.defined.putIfAbsent(id, t.pos());
    }

    private void expr(Expr e, Scope s, boolean blockAllowed) {
        if (e instanceof Name n) {
            name(n, s, blockAllowed);
        } else if (e instanceof Binary b) {
            expr(b.left(), s, false);
            expr(b.right(), s, false);
        } else if (e instanceof Unary u) {
            expr(u.operand(), s, false);
        } else if (e instanceof Tuple t) {
            t.items().forEach(i -> expr(i, s, false));
        } else if (e instanceof Call c) {
            call(c, s);
        }
    }

    private void name(Name n, Scope s, boolean blockAllowed) {
        String id = n.id();
        if (s.defined.containsKey(id)) {
            s.used.add(id);
        } else if (globals.contains(id)) {
            return;
        } else if (isBlock(id)) {
            if (blockAllowed) {
                link(s.block.name(), id);
            } else {
                error("block-as-value", n.pos(), "'" + id + "' is a block; call it, as in '" + id
                        + "(x)', or pass it to repeat or scan");
            }
        } else if (s.assignedAnywhere.containsKey(id)) {
            s.used.add(id);
            error("use-before-assignment", n.pos(), "'" + id + "' is used before it is assigned (at "
                    + s.assignedAnywhere.get(id) + ")");
        } else if (Primitives.isPrimitive(id)) {
            error("op-as-value", n.pos(), "'" + id + "' is an op; call it, as in '" + id + "(x)'");
        } else {
            Set<String> candidates = new HashSet<>(s.defined.keySet());
            candidates.addAll(globals);
            error("unknown-name", n.pos(), "unknown name '" + id + "'" + suggest(id, candidates));
        }
    }

    private void call(Call c, Scope s) {
        String callee = c.callee();
        Signature sig;
        boolean passThrough = false;
        if (callee.equals("repeat")) {
            sig = Primitives.REPEAT;
            passThrough = true;
        } else if (callee.equals("scan")) {
            sig = Primitives.SCAN;
        } else if (s.defined.containsKey(callee) || globals.contains(callee)) {
            error("not-callable", c.pos(), "'" + callee + "' is a value, not an op or a block");
            return;
        } else if (isBlock(callee)) {
            sig = blockSignature(callee);
            link(s.block.name(), callee);
        } else if (Primitives.isPrimitive(callee)) {
            sig = Primitives.signature(callee);
        } else {
            Set<String> candidates = new HashSet<>(Primitives.names());
            candidates.addAll(fileBlocks.keySet());
            candidates.addAll(library.blocks().keySet());
            String torch = PyTorchNames.hint(callee);
            error("unknown-op", c.pos(), "unknown op or block '" + callee + "'"
                    + (torch.isEmpty() ? suggest(callee, candidates) : torch));
            c.args().forEach(a -> expr(a, s, false));
            c.kwargs().forEach(k -> expr(k.value(), s, false));
            return;
        }
        try {
            if (passThrough) {
                sig.bind(new Call(c.callee(), c.args(), List.of(), c.pos()), file);
            } else {
                sig.bind(c, file);
            }
        } catch (DefinitionException ex) {
            out.addAll(ex.diagnostics());
        }
        boolean takesBlock = callee.equals("repeat") || callee.equals("scan");
        int blockArg = callee.equals("repeat") ? 1 : 0;
        for (int i = 0; i < c.args().size(); i++) {
            Expr a = c.args().get(i);
            if (takesBlock && i == blockArg) {
                if (a instanceof Name n && isBlock(n.id())) {
                    name(n, s, true);
                } else {
                    error("expected-block", a.pos(), "'" + callee + "' expects a block name as argument "
                            + (blockArg + 1) + ", got '" + Printer.expr(a) + "'");
                }
            } else {
                expr(a, s, false);
            }
        }
        if (callee.equals("scan") && c.kwargs().stream().noneMatch(k -> k.name().equals("state"))) {
            error("arity", c.pos(), "'scan' needs the state's shape without the batch, as in state=(heads, dk, dv)");
        }
        for (KwArg k : c.kwargs()) {
            if (k.name().equals("init") && Primitives.INITIALISED.contains(callee)) {
                // init=zeros, init=normal(0.02): initialiser names, not values (docs/language.md)
                if (k.value() instanceof Name n && Primitives.INIT_NAMES.contains(n.id())) {
                    continue;
                }
                if (k.value() instanceof Call init && Primitives.INIT_CALLS.contains(init.callee())) {
                    init.args().forEach(a -> expr(a, s, false));
                    continue;
                }
                boolean known = k.value() instanceof Name n && (s.defined.containsKey(n.id()) || globals.contains(n.id()));
                if (k.value() instanceof Name n && !known || k.value() instanceof Call) {
                    String what = k.value() instanceof Name n ? n.id() : ((Call) k.value()).callee();
                    error("unknown-name", k.value().pos(), "unknown initialiser '" + what + "'; init= takes a number "
                            + "(a constant), zeros, identity, dirac (conv1d), normal(std) or uniform(bound)"
                            + PyTorchNames.initialiserHint(what));
                    continue;
                }
            }
            expr(k.value(), s, false);
        }
    }

    private void link(String caller, String callee) {
        calls.addVertex(callee);
        if (!calls.containsEdge(caller, callee)) {
            calls.addEdge(caller, callee);
        }
    }

    private boolean isBlock(String name) {
        return fileBlocks.containsKey(name) || library.contains(name);
    }

    private Block blockDef(String name) {
        Block b = fileBlocks.get(name);
        return b != null ? b : library.get(name).block();
    }

    private Signature blockSignature(String name) {
        Block b = blockDef(name);
        int required = (int) b.args().stream().filter(a -> a.defaultValue() == null).count();
        return new Signature(name, b.args().stream().map(Arg::name).toList(), required, false, Set.of());
    }

    private void reach(String from, Set<String> seen) {
        ArrayDeque<String> pending = new ArrayDeque<>(List.of(from));
        while (!pending.isEmpty()) {
            String block = pending.pop();
            if (seen.add(block) && calls.containsVertex(block)) {
                for (Object e : calls.outgoingEdgesOf(block)) {
                    pending.push(calls.getEdgeTarget(e));
                }
            }
        }
    }

    private void cycles() {
        Set<String> reported = new HashSet<>();
        for (List<String> cycle : new JohnsonSimpleCycles<>(calls).findSimpleCycles()) {
            String first = cycle.get(0);
            if (!reported.add(first) || !fileBlocksOrOwn(first)) {
                continue;
            }
            List<String> path = new ArrayList<>(cycle);
            path.add(first);
            Block b = blockDef(first);
            error("recursion", b.pos(), "block '" + first + "' calls itself (" + String.join(" -> ", path)
                    + "); recursion is not allowed, use repeat or scan");
        }
    }

    private boolean fileBlocksOrOwn(String name) {
        return fileBlocks.containsKey(name) || (fileBlocks.isEmpty() && library.contains(name));
    }

    /**
     * "; did you mean 'X'?" when one candidate is a plausible typo of {@code wrong}, else "". A typo is a
     * dropped, doubled or swapped letter, or a letter replaced; in names of up to five letters a replaced
     * letter makes another word rather than a typo ({@code sort} is not {@code sqrt}), so there only
     * drops, additions and swaps count, one of them. Longer names allow two edits, and never more than a
     * third of the name. A tie between two candidates suggests neither.
     */
    static String suggest(String wrong, Set<String> candidates) {
        String lower = wrong.toLowerCase(java.util.Locale.ROOT);
        if (!lower.equals(wrong) && candidates.contains(lower)) {
            return "; did you mean '" + lower + "'?";   // LayerNorm, GELU: PyTorch's module classes
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        boolean tie = false;
        boolean shortName = wrong.length() <= 5;
        for (String c : candidates.stream().sorted().toList()) {
            int d = distance(wrong, c, shortName ? 2 : 1);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
                tie = false;
            } else if (d == bestDistance) {
                tie = true;
            }
        }
        int allowed = wrong.length() <= 1 ? 0 : shortName ? 1 : Math.min(2, wrong.length() / 3);
        return best != null && !tie && bestDistance <= allowed ? "; did you mean '" + best + "'?" : "";
    }

    /** Optimal-string-alignment distance: insertions, deletions and adjacent swaps cost 1, a replacement {@code replace}. */
    static int distance(String a, String b, int replace) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : replace;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    private void error(String code, Pos pos, String message) {
        out.add(Diagnostic.error(code, file, pos.line(), pos.col(), message));
    }

    private void warning(String code, Pos pos, String message) {
        out.add(Diagnostic.warning(code, file, pos.line(), pos.col(), message));
    }
}
