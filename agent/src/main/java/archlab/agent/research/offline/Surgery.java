package archlab.agent.research.offline;

import archlab.sandbox.lang.Ast.Arg;
import archlab.sandbox.lang.Ast.Assign;
import archlab.sandbox.lang.Ast.Binary;
import archlab.sandbox.lang.Ast.Block;
import archlab.sandbox.lang.Ast.Call;
import archlab.sandbox.lang.Ast.Expr;
import archlab.sandbox.lang.Ast.KwArg;
import archlab.sandbox.lang.Ast.Name;
import archlab.sandbox.lang.Ast.Num;
import archlab.sandbox.lang.Ast.Param;
import archlab.sandbox.lang.Ast.Pos;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.Ast.Return;
import archlab.sandbox.lang.Ast.Stmt;
import archlab.sandbox.lang.Ast.Tuple;
import archlab.sandbox.lang.Ast.Unary;
import archlab.sandbox.lang.Primitives;
import archlab.sandbox.lang.StandardLibrary;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Edits of syntax trees: building expressions, finding calls, replacing a node (by identity: the tree's
 * records are equal whenever they say the same thing, so only identity names one place), adding blocks and
 * params, fresh names, and pruning blocks nothing calls. The design moves are written with these; the
 * printer turns the result back into source.
 */
final class Surgery {
    /** New nodes have no source position; the printed child is parsed again before anything reads positions. */
    static final Pos AT = new Pos(0, 0);

    private Surgery() {
    }

    // ---- building

    static Name name(String id) {
        return new Name(id, AT);
    }

    static Num num(long v) {
        return new Num(v, true, AT);
    }

    static Num num(double v) {
        return new Num(v, false, AT);
    }

    static Call call(String callee, Expr... args) {
        return new Call(callee, List.of(args), List.of(), AT);
    }

    static Call call(String callee, List<Expr> args, List<KwArg> kwargs) {
        return new Call(callee, args, kwargs, AT);
    }

    static KwArg kw(String name, Expr value) {
        return new KwArg(name, value, AT);
    }

    static Binary bin(String op, Expr a, Expr b) {
        return new Binary(op, a, b, AT);
    }

    static Assign assign(String target, Expr value) {
        return new Assign(List.of(name(target)), value, AT);
    }

    static Return ret(Expr value) {
        return new Return(List.of(value), AT);
    }

    static Block block(String name, List<String> args, List<Stmt> body) {
        return new Block(name, args.stream().map(a -> new Arg(a, null, AT)).toList(), body, AT);
    }

    // ---- reading

    /** Every call inside {@code e}, {@code e} included, in pre-order (outer before inner, left before right). */
    static List<Call> calls(Expr e) {
        List<Call> out = new ArrayList<>();
        walk(e, x -> {
            if (x instanceof Call c) {
                out.add(c);
            }
        });
        return out;
    }

    /** Every call in a block's statements, in order. */
    static List<Call> calls(Block b) {
        List<Call> out = new ArrayList<>();
        for (Stmt s : b.body()) {
            for (Expr e : exprs(s)) {
                out.addAll(calls(e));
            }
        }
        return out;
    }

    static List<Expr> exprs(Stmt s) {
        return s instanceof Assign a ? List.of(a.value()) : ((Return) s).values();
    }

    /** Visits {@code e} and every expression inside it, pre-order. */
    static void walk(Expr e, java.util.function.Consumer<Expr> visit) {
        Deque<Expr> unvisited = new ArrayDeque<>();
        unvisited.push(e);
        while (!unvisited.isEmpty()) {
            Expr x = unvisited.pop();
            visit.accept(x);
            List<Expr> kids = children(x);
            for (int i = kids.size() - 1; i >= 0; i--) {
                unvisited.push(kids.get(i));
            }
        }
    }

    static List<Expr> children(Expr e) {
        if (e instanceof Call c) {
            List<Expr> all = new ArrayList<>(c.args());
            c.kwargs().forEach(k -> all.add(k.value()));
            return all;
        }
        if (e instanceof Binary b) {
            return List.of(b.left(), b.right());
        }
        if (e instanceof Unary u) {
            return List.of(u.operand());
        }
        if (e instanceof Tuple t) {
            return t.items();
        }
        return List.of();
    }

    /** Whether {@code target} (by identity) sits inside {@code e}. */
    static boolean contains(Expr e, Expr target) {
        boolean[] found = {false};
        walk(e, x -> found[0] |= x == target);
        return found[0];
    }

    /** The statement that assigns {@code id} in {@code b}, or null. */
    static Assign assignmentOf(Block b, String id) {
        for (Stmt s : b.body()) {
            if (s instanceof Assign a && a.targets().stream().anyMatch(t -> t.id().equals(id))) {
                return a;
            }
        }
        return null;
    }

    /** The statement of {@code b} that holds {@code target} (by identity), or null. */
    static Stmt statementHolding(Block b, Expr target) {
        for (Stmt s : b.body()) {
            for (Expr e : exprs(s)) {
                if (contains(e, target)) {
                    return s;
                }
            }
        }
        return null;
    }

    /** The parent expression of {@code target} inside {@code root}, or null when it is the root or absent. */
    static Expr parentOf(Expr root, Expr target) {
        Expr[] parent = {null};
        walk(root, x -> {
            for (Expr kid : children(x)) {
                if (kid == target) {
                    parent[0] = x;
                }
            }
        });
        return parent[0];
    }

    /** The block with this name, the model included (named {@code model}); null when there is none. */
    static Block block(Program p, String name) {
        if (p.model() != null && p.model().name().equals(name)) {
            return p.model();
        }
        return p.blocks().stream().filter(b -> b.name().equals(name)).findFirst().orElse(null);
    }

    static Param param(Program p, String name) {
        return p.params().stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
    }

    /** A param's value when it is an integer literal; null otherwise. */
    static Long intParam(Program p, String name) {
        Param x = param(p, name);
        return x != null && x.value() instanceof Num n && n.integer() ? (long) n.value() : null;
    }

    // ---- replacing

    /** {@code root} with {@code target} (by identity) replaced by {@code replacement}. */
    static Expr replace(Expr root, Expr target, Expr replacement) {
        return map(root, x -> x == target ? replacement : null);
    }

    /**
     * Rebuilds {@code e} top-down: where {@code f} returns a node, that node replaces the subtree (and is not
     * visited further); where it returns null, the children are rebuilt.
     */
    static Expr map(Expr e, UnaryOperator<Expr> f) {
        Expr r = f.apply(e);
        if (r != null) {
            return r;
        }
        if (e instanceof Call c) {
            List<Expr> args = c.args().stream().map(a -> map(a, f)).toList();
            List<KwArg> kws = c.kwargs().stream().map(k -> new KwArg(k.name(), map(k.value(), f), k.pos())).toList();
            return new Call(c.callee(), args, kws, c.pos());
        }
        if (e instanceof Binary b) {
            return new Binary(b.op(), map(b.left(), f), map(b.right(), f), b.pos());
        }
        if (e instanceof Unary u) {
            return new Unary(u.op(), map(u.operand(), f), u.pos());
        }
        if (e instanceof Tuple t) {
            return new Tuple(t.items().stream().map(i -> map(i, f)).toList(), t.pos());
        }
        return e;
    }

    /** {@code s} with its expressions rebuilt by {@link #map}. */
    static Stmt map(Stmt s, UnaryOperator<Expr> f) {
        if (s instanceof Assign a) {
            return new Assign(a.targets(), map(a.value(), f), a.pos());
        }
        Return r = (Return) s;
        return new Return(r.values().stream().map(v -> map(v, f)).toList(), r.pos());
    }

    /** {@code b} with every expression rebuilt by {@link #map}. */
    static Block map(Block b, UnaryOperator<Expr> f) {
        return new Block(b.name(), b.args(), b.body().stream().map(s -> map(s, f)).toList(), b.pos());
    }

    static Block replace(Block b, Expr target, Expr replacement) {
        return map(b, x -> x == target ? replacement : null);
    }

    /** {@code b} with the statement {@code old} (by identity) replaced by {@code replacement} (any number). */
    static Block replaceStatement(Block b, Stmt old, List<Stmt> replacement) {
        List<Stmt> body = new ArrayList<>();
        boolean found = false;
        for (Stmt s : b.body()) {
            if (s == old) {
                body.addAll(replacement);
                found = true;
            } else {
                body.add(s);
            }
        }
        if (!found) {
            throw new IllegalStateException("statement not in block " + b.name());
        }
        return new Block(b.name(), b.args(), body, b.pos());
    }

    /** {@code p} with the block {@code old} (by identity; the model too) replaced by {@code neu}. */
    static Program replaceBlock(Program p, Block old, Block neu) {
        if (p.model() == old) {
            return new Program(p.arch(), p.params(), p.blocks(), neu);
        }
        List<Block> blocks = new ArrayList<>();
        boolean found = false;
        for (Block b : p.blocks()) {
            if (b == old) {
                blocks.add(neu);
                found = true;
            } else {
                blocks.add(b);
            }
        }
        if (!found) {
            throw new IllegalStateException("block " + old.name() + " not in the program");
        }
        return new Program(p.arch(), p.params(), blocks, p.model());
    }

    static Program addBlock(Program p, Block b) {
        List<Block> blocks = new ArrayList<>(p.blocks());
        blocks.add(b);
        return new Program(p.arch(), p.params(), blocks, p.model());
    }

    /** Sets a param's value, or adds the param after the others. */
    static Program setParam(Program p, String name, Expr value) {
        List<Param> params = new ArrayList<>();
        boolean found = false;
        for (Param x : p.params()) {
            if (x.name().equals(name)) {
                params.add(new Param(name, value, x.pos()));
                found = true;
            } else {
                params.add(x);
            }
        }
        if (!found) {
            params.add(new Param(name, value, AT));
        }
        return new Program(p.arch(), params, p.blocks(), p.model());
    }

    /**
     * {@code e} with names renamed through {@code names}: values and params ({@link Name}) and callees
     * ({@link Call}); names in {@code keep} (a block's own arguments and values) and names not in the map stay.
     */
    static Expr rename(Expr e, Map<String, String> names, Set<String> keep) {
        if (e instanceof Name n) {
            return names.containsKey(n.id()) && !keep.contains(n.id()) ? new Name(names.get(n.id()), n.pos()) : n;
        }
        if (e instanceof Call c) {
            List<Expr> args = c.args().stream().map(a -> rename(a, names, keep)).toList();
            List<KwArg> kws = c.kwargs().stream()
                    .map(k -> new KwArg(k.name(), rename(k.value(), names, keep), k.pos())).toList();
            String callee = names.containsKey(c.callee()) && !keep.contains(c.callee()) ? names.get(c.callee())
                    : c.callee();
            return new Call(callee, args, kws, c.pos());
        }
        if (e instanceof Binary b) {
            return new Binary(b.op(), rename(b.left(), names, keep), rename(b.right(), names, keep), b.pos());
        }
        if (e instanceof Unary u) {
            return new Unary(u.op(), rename(u.operand(), names, keep), u.pos());
        }
        if (e instanceof Tuple t) {
            return new Tuple(t.items().stream().map(i -> rename(i, names, keep)).toList(), t.pos());
        }
        return e;
    }

    /** {@code b} under a new name, with the params and blocks it reads renamed through {@code names}. */
    static Block rename(Block b, String newName, Map<String, String> names) {
        Set<String> local = new HashSet<>();
        b.args().forEach(a -> local.add(a.name()));
        for (Stmt s : b.body()) {
            if (s instanceof Assign a) {
                a.targets().forEach(t -> local.add(t.id()));
            }
        }
        List<Stmt> body = new ArrayList<>();
        for (Stmt s : b.body()) {
            if (s instanceof Assign a) {
                body.add(new Assign(a.targets(), rename(a.value(), names, local), a.pos()));
            } else {
                body.add(new Return(((Return) s).values().stream().map(v -> rename(v, names, local)).toList(),
                        s.pos()));
            }
        }
        List<Arg> args = b.args().stream().map(a -> new Arg(a.name(),
                a.defaultValue() == null ? null : rename(a.defaultValue(), names, Set.of()), a.pos())).toList();
        return new Block(newName, args, body, b.pos());
    }

    // ---- names

    /** Every name a new value, param or block must not take in {@code p}. */
    static Set<String> namesInUse(Program p) {
        Set<String> used = new HashSet<>(Primitives.names());
        used.addAll(Primitives.BUILTIN_PARAMS.keySet());
        used.addAll(StandardLibrary.library().blocks().keySet());
        used.addAll(List.of("repeat", "scan", "model", "tokens", "arch", "param", "block", "return", "true", "false"));
        p.params().forEach(x -> used.add(x.name()));
        List<Block> all = new ArrayList<>(p.blocks());
        if (p.model() != null) {
            all.add(p.model());
        }
        for (Block b : all) {
            used.add(b.name());
            b.args().forEach(a -> used.add(a.name()));
            for (Stmt s : b.body()) {
                if (s instanceof Assign a) {
                    a.targets().forEach(t -> used.add(t.id()));
                }
            }
        }
        return used;
    }

    /** {@code base} when free, else {@code base2}, {@code base3}, ...; the name is added to {@code used}. */
    static String fresh(Set<String> used, String base) {
        String n = base;
        for (int i = 2; used.contains(n); i++) {
            n = base + i;
        }
        used.add(n);
        return n;
    }

    /** The names a block reads that it does not define: params, other blocks, primitives, library blocks. */
    static Set<String> freeNames(Block b) {
        Set<String> local = new HashSet<>();
        b.args().forEach(a -> local.add(a.name()));
        Set<String> free = new LinkedHashSet<>();
        for (Stmt s : b.body()) {
            for (Expr e : exprs(s)) {
                walk(e, x -> {
                    if (x instanceof Name n && !local.contains(n.id())) {
                        free.add(n.id());
                    } else if (x instanceof Call c) {
                        free.add(c.callee());
                    }
                });
            }
            if (s instanceof Assign a) {
                a.targets().forEach(t -> local.add(t.id()));
            }
        }
        for (Arg a : b.args()) {
            if (a.defaultValue() != null) {
                walk(a.defaultValue(), x -> {
                    if (x instanceof Name n) {
                        free.add(n.id());
                    }
                });
            }
        }
        return free;
    }

    /** The free names of an expression (params it reads). */
    static Set<String> names(Expr e) {
        Set<String> out = new LinkedHashSet<>();
        walk(e, x -> {
            if (x instanceof Name n) {
                out.add(n.id());
            }
        });
        return out;
    }

    /**
     * {@code p} with every value that shadows one of its params or blocks renamed (a copied block may assign
     * {@code window} in a file that has {@code param window}, which the checker refuses).
     */
    static Program unshadow(Program p) {
        Set<String> global = new HashSet<>();
        p.params().forEach(x -> global.add(x.name()));
        p.blocks().forEach(b -> global.add(b.name()));
        Set<String> used = namesInUse(p);
        List<Block> blocks = new ArrayList<>();
        for (Block b : p.blocks()) {
            blocks.add(dropUnused(unshadow(b, global, used)));
        }
        return new Program(p.arch(), p.params(), blocks,
                p.model() == null ? null : dropUnused(unshadow(p.model(), global, used)));
    }

    private static Block unshadow(Block b, Set<String> global, Set<String> used) {
        Map<String, String> names = new java.util.HashMap<>();
        for (Stmt s : b.body()) {
            if (s instanceof Assign a) {
                for (Name t : a.targets()) {
                    if (global.contains(t.id())) {
                        names.put(t.id(), fresh(used, t.id() + "_"));
                    }
                }
            }
        }
        if (names.isEmpty()) {
            return b;
        }
        UnaryOperator<Expr> values = x -> x instanceof Name n && names.containsKey(n.id())
                ? new Name(names.get(n.id()), n.pos()) : null;
        List<Stmt> body = new ArrayList<>();
        for (Stmt s : b.body()) {
            if (s instanceof Assign a) {
                List<Name> targets = a.targets().stream()
                        .map(t -> names.containsKey(t.id()) ? new Name(names.get(t.id()), t.pos()) : t).toList();
                body.add(new Assign(targets, map(a.value(), values), a.pos()));
            } else {
                body.add(new Return(((Return) s).values().stream().map(v -> map(v, values)).toList(), s.pos()));
            }
        }
        return new Block(b.name(), b.args(), body, b.pos());
    }

    /**
     * {@code b} without the assignments nothing reads any more (all their targets unused), repeated until none
     * is left: an edit that replaces a kernel leaves the old kernel's inputs behind.
     */
    static Block dropUnused(Block b) {
        Block current = b;
        while (true) {
            Set<String> read = new HashSet<>();
            for (Stmt s : current.body()) {
                for (Expr e : exprs(s)) {
                    read.addAll(names(e));
                }
            }
            List<Stmt> kept = new ArrayList<>();
            for (Stmt s : current.body()) {
                if (s instanceof Assign a && a.targets().stream().noneMatch(t -> read.contains(t.id()))) {
                    continue;
                }
                kept.add(s);
            }
            if (kept.size() == current.body().size()) {
                return current;
            }
            current = new Block(current.name(), current.args(), kept, current.pos());
        }
    }

    /** {@code p} without the blocks that the model cannot reach (left over after a block was swapped out). */
    static Program prune(Program p) {
        Set<String> reached = new HashSet<>();
        Deque<Block> unvisited = new ArrayDeque<>();
        unvisited.push(p.model());
        while (!unvisited.isEmpty()) {
            Block b = unvisited.pop();
            for (String n : freeNames(b)) {
                Block called = p.blocks().stream().filter(x -> x.name().equals(n)).findFirst().orElse(null);
                if (called != null && reached.add(n)) {
                    unvisited.push(called);
                }
            }
        }
        List<Block> kept = p.blocks().stream().filter(b -> reached.contains(b.name())).toList();
        return new Program(p.arch(), p.params(), kept, p.model());
    }
}
