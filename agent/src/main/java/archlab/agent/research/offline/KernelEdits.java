package archlab.agent.research.offline;

import static archlab.agent.research.offline.Surgery.assign;
import static archlab.agent.research.offline.Surgery.bin;
import static archlab.agent.research.offline.Surgery.call;
import static archlab.agent.research.offline.Surgery.name;
import static archlab.agent.research.offline.Surgery.num;

import archlab.sandbox.lang.Ast.Assign;
import archlab.sandbox.lang.Ast.Binary;
import archlab.sandbox.lang.Ast.Block;
import archlab.sandbox.lang.Ast.Call;
import archlab.sandbox.lang.Ast.Expr;
import archlab.sandbox.lang.Ast.Name;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.Ast.Stmt;
import archlab.sandbox.lang.Ast.Tuple;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The design moves that edit a token mixer around its attention kernel: the feature map on q and k, a
 * data-dependent decay, short convolutions before q/k/v, the delta rule, a wider state, norms and gates.
 * Each finds its sites with {@link Anatomy}: a kernel call (softmax_attention, linear_attention, ...) and
 * the assignments that make its q, k and v.
 */
final class KernelEdits {
    private KernelEdits() {
    }

    /** Maps q and k pass through before a kernel; {@code silu} is the delta rule's (DeltaNet). */
    private static final Set<String> MAPS = Set.of("elu1", "relu_map", "l2norm", "silu");

    // ---- sites

    /** The kernel sites of a parent, keyed {@code mixer:kernel} ({@code #2} for a second one in one mixer). */
    static Map<String, Anatomy.Kernel> sites(Program p) {
        Map<String, Anatomy.Kernel> out = new LinkedHashMap<>();
        for (Anatomy.Kernel k : Anatomy.of(p).kernels) {
            String base = k.mixer().name() + ":" + k.name();
            String key = base;
            for (int i = 2; out.containsKey(key); i++) {
                key = base + "#" + i;
            }
            out.put(key, k);
        }
        return out;
    }

    static Anatomy.Kernel site(Program p, Variant v) throws EditException {
        Anatomy.Kernel k = sites(p).get(v.arg("site"));
        if (k == null) {
            throw new EditException("the parent has no kernel site " + v.arg("site") + "; it has " + sites(p).keySet());
        }
        return k;
    }

    private static String where(String site) {
        int colon = site.indexOf(':');
        return site.substring(colon + 1).replace("#", " #") + " in " + site.substring(0, colon);
    }

    /** The heads expression of q's {@code split_heads}, or null when q is not split into heads there. */
    static Expr heads(Anatomy.Kernel k) {
        Call split = Anatomy.splitHeads(Anatomy.definition(k.mixer(), k.q()));
        return split == null ? null : split.args().get(1);
    }

    /** The outermost map of an expression ({@code elu1(...)}), or {@code none}. */
    static String mapOf(Expr e) {
        return e instanceof Call c && MAPS.contains(c.callee()) && c.args().size() == 1 ? c.callee() : "none";
    }

    static Expr strip(Expr e) {
        return mapOf(e).equals("none") ? e : ((Call) e).args().get(0);
    }

    // ---- one rewrite of a kernel call

    /**
     * Rewrites one kernel call inside its mixer: {@code argEdits} change arguments where they are defined (the
     * assignment that names q, say, or the argument itself when it is written inline), {@code callEdit} turns the
     * rebuilt call into its replacement, and {@code before} are statements placed just before the one that
     * holds the call.
     */
    static Program rewrite(Program p, Anatomy.Kernel site, Map<Integer, UnaryOperator<Expr>> argEdits,
                           Function<Call, Expr> callEdit, List<Stmt> before) {
        Block m = site.mixer();
        Call k = site.call();
        Map<Stmt, Stmt> edited = new IdentityHashMap<>();
        List<Expr> args = new ArrayList<>(k.args());
        for (Map.Entry<Integer, UnaryOperator<Expr>> e : argEdits.entrySet()) {
            Expr arg = k.args().get(e.getKey());
            Assign a = arg instanceof Name n ? Surgery.assignmentOf(m, n.id()) : null;
            if (a != null && a.targets().size() == 1) {
                Expr value = edited.containsKey(a) ? ((Assign) edited.get(a)).value() : a.value();
                edited.put(a, new Assign(a.targets(), e.getValue().apply(value), a.pos()));
            } else {
                args.set(e.getKey(), e.getValue().apply(arg));
            }
        }
        Expr replacement = callEdit.apply(new Call(k.callee(), args, k.kwargs(), k.pos()));
        Stmt holder = Surgery.statementHolding(m, k);
        List<Stmt> body = new ArrayList<>();
        for (Stmt s : m.body()) {
            if (s == holder) {
                body.addAll(before);
                body.add(Surgery.map(s, x -> x == k ? replacement : null));
            } else {
                body.add(edited.getOrDefault(s, s));
            }
        }
        return Surgery.replaceBlock(p, m, new Block(m.name(), m.args(), body, m.pos()));
    }

    /** Whether the kernel call is the direct argument of a norm. */
    static boolean normed(Anatomy.Kernel k) {
        Stmt s = Surgery.statementHolding(k.mixer(), k.call());
        for (Expr e : Surgery.exprs(s)) {
            Expr parent = Surgery.parentOf(e, k.call());
            if (parent instanceof Call c && Anatomy.NORMS.contains(c.callee())) {
                return true;
            }
        }
        return false;
    }

    /** {@code sigmoid(split_heads(linear(x, H), H))}, raised to {@code 1/e} when e > 1: a per-head value in (0, 1). */
    static Expr perHeadGate(String x, Expr heads, int e) {
        Expr g = call("sigmoid", call("split_heads", call("linear", name(x), heads), heads));
        return e > 1 ? bin("**", g, bin("/", num(1), num(e))) : g;
    }

    // ---- swap the feature map

    static final DesignMove.Editor FEATURE_MAP = new DesignMove.Editor() {
        @Override
        public List<Variant> variants(Program parent, Materials materials) {
            List<Variant> out = new ArrayList<>();
            sites(parent).forEach((key, k) -> {
                String current = mapOf(Anatomy.definition(k.mixer(), k.q()));
                List<String> maps = switch (k.name()) {
                    case "linear_attention" -> List.of("elu1", "relu_map", "taylor");
                    case "taylor_attention" -> List.of("elu1", "relu_map");
                    case "softmax_attention" -> List.of("taylor", "elu1");
                    case "decayed_linear_attention", "retention" -> List.of("l2norm", "elu1", "relu_map");
                    case "delta_rule" -> List.of("silu", "relu_map");
                    default -> List.of();
                };
                for (String map : maps) {
                    if (!map.equals(current)) {
                        out.add(new Variant(Map.of("site", key, "map", map), phrase(map) + " on q, k of "
                                + where(key), intentOf(map)));
                    }
                }
            });
            return out;
        }

        private String phrase(String map) {
            return switch (map) {
                case "taylor" -> "second-order Taylor kernel (1 + s + s²/2)";
                case "elu1" -> "φ = elu + 1";
                case "relu_map" -> "φ = relu";
                case "l2norm" -> "L2-normalised q, k";
                default -> "φ = " + map;
            };
        }

        private Intent intentOf(String map) {
            return switch (map) {
                case "taylor" -> Intent.within("the Taylor kernel replaces the old one", "taylor_attention");
                case "elu1" -> Intent.within("elu + 1 maps q and k", "elu1");
                case "relu_map" -> Intent.adds("relu maps q and k", "relu");
                case "l2norm" -> Intent.within("q and k are L2-normalised", "l2norm");
                default -> Intent.adds(map + " maps q and k", map);
            };
        }

        @Override
        public Program apply(Program parent, Variant v, Materials materials) throws EditException {
            Anatomy.Kernel k = site(parent, v);
            String map = v.arg("map");
            if (map.equals("taylor")) {
                return rewrite(parent, k, Map.of(0, KernelEdits::strip, 1, KernelEdits::strip),
                        c -> new Call("taylor_attention", c.args().subList(0, 3), List.of(), c.pos()), List.of());
            }
            UnaryOperator<Expr> wrap = e -> call(map, strip(e));
            if (k.name().equals("softmax_attention") || k.name().equals("taylor_attention")) {
                return rewrite(parent, k, Map.of(0, wrap, 1, wrap),
                        c -> new Call("linear_attention", c.args().subList(0, 3), List.of(), c.pos()), List.of());
            }
            return rewrite(parent, k, Map.of(0, wrap, 1, wrap), c -> c, List.of());
        }
    };

    // ---- add a data-dependent decay

    static final DesignMove.Editor DECAY = new DesignMove.Editor() {
        @Override
        public List<Variant> variants(Program parent, Materials materials) {
            List<Variant> out = new ArrayList<>();
            sites(parent).forEach((key, k) -> {
                if (heads(k) == null) {
                    return;
                }
                switch (k.name()) {
                    case "linear_attention", "retention" -> {
                        for (int e : new int[] {16, 4, 1}) {
                            out.add(new Variant(Map.of("site", key, "sharpness", Integer.toString(e)),
                                    "gate g = sigmoid(W x)" + (e > 1 ? "^(1/" + e + ")" : "") + " per head on "
                                            + where(key), Intent.within("a decayed kernel", "decayed_linear_attention")));
                        }
                    }
                    case "softmax_attention" -> {
                        for (int e : new int[] {1, 16}) {
                            out.add(new Variant(Map.of("site", key, "sharpness", Integer.toString(e)),
                                    "forget gate f = sigmoid(W x)" + (e > 1 ? "^(1/" + e + ")" : "")
                                            + " as a cumulative log bias on " + where(key),
                                    Intent.adds("a cumulative forget bias", "cumsum")));
                        }
                    }
                    case "delta_rule" -> {
                        for (int e : new int[] {16, 4, 1}) {
                            out.add(new Variant(Map.of("site", key, "sharpness", Integer.toString(e)),
                                    "state decay α = sigmoid(W x)" + (e > 1 ? "^(1/" + e + ")" : "")
                                            + " before each delta write on " + where(key),
                                    Intent.within("a gated delta rule", "gated_delta")));
                        }
                    }
                    default -> {
                    }
                }
            });
            return out;
        }

        @Override
        public Program apply(Program parent, Variant v, Materials materials) throws EditException {
            Anatomy.Kernel k = site(parent, v);
            Expr heads = heads(k);
            String x = Anatomy.input(k.mixer());
            if (heads == null || x == null) {
                throw new EditException("q in " + k.mixer().name() + " is not split into heads, so a per-head decay"
                        + " has no shape to follow");
            }
            int e = v.intArg("sharpness");
            java.util.Set<String> used = Surgery.namesInUse(parent);
            String g = Surgery.fresh(used, "g");
            List<Stmt> before = List.of(assign(g, perHeadGate(x, heads, e)));
            switch (k.name()) {
                case "linear_attention", "retention" -> {
                    boolean norm = k.name().equals("linear_attention") && !normed(k);
                    return rewrite(parent, k, Map.of(), c -> {
                        Call decayed = call("decayed_linear_attention", c.args().get(0), c.args().get(1),
                                c.args().get(2), name(g));
                        return norm ? call("rmsnorm", decayed) : decayed;
                    }, before);
                }
                case "softmax_attention" -> {
                    String block = Surgery.fresh(used, "forgetting_attention");
                    Program p = rewrite(parent, k, Map.of(), c -> call(block, c.args().get(0), c.args().get(1),
                            c.args().get(2), name(g)), before);
                    return Surgery.addBlock(p, forgettingAttention(block));
                }
                case "delta_rule" -> {
                    String step = Surgery.fresh(used, "gated_delta_step");
                    String rule = Surgery.fresh(used, "gated_delta_rule");
                    Program p = rewrite(parent, k, Map.of(), c -> call(rule, c.args().get(0), c.args().get(1),
                            c.args().get(2), c.args().get(3), name(g)), before);
                    return Surgery.addBlock(Surgery.addBlock(p, gatedDeltaStep(step)), gatedDeltaRule(rule, step));
                }
                default -> throw new EditException(k.name() + " takes no decay gate");
            }
        }
    };

    /**
     * Softmax attention with a forget gate (Forgetting Transformer): the score of key j at query i gets
     * Σ_{j<l≤i} log f_l, so older keys fade where the gate says so.
     */
    static Block forgettingAttention(String name) {
        return Surgery.block(name, List.of("q", "k", "v", "f"), List.of(
                assign("dk", call("size", name("q"), num(-1))),
                assign("c", call("cumsum", call("log", name("f")))),
                assign("s", bin("+", bin("/", bin("@", name("q"), call("transpose", name("k"))),
                        bin("**", name("dk"), num(0.5))), bin("-", name("c"), call("transpose", name("c"))))),
                Surgery.ret(bin("@", call("softmax", call("causal_mask", name("s"))), name("v")))));
    }

    /** One gated delta step: decay the state by α (per head), then the delta rule's write and read. */
    static Block gatedDeltaStep(String name) {
        return Surgery.block(name, List.of("S", "q", "k", "v", "beta", "a"), List.of(
                new Assign(List.of(name("S2"), name("o")), call("delta_step",
                        bin("*", name("S"), call("unsqueeze", name("a"), num(-1))), name("q"), name("k"), name("v"),
                        name("beta")), Surgery.AT),
                new archlab.sandbox.lang.Ast.Return(List.of(name("S2"), name("o")), Surgery.AT)));
    }

    /** Gated DeltaNet: S_t = α_t S_{t−1} + β_t k_t (v_t − α_t S_{t−1}ᵀ k_t)ᵀ with L2-normalised q, k. */
    static Block gatedDeltaRule(String name, String step) {
        return Surgery.block(name, List.of("q", "k", "v", "beta", "a"), List.of(
                assign("h", call("size", name("q"), num(1))),
                assign("dk", call("size", name("q"), num(-1))),
                assign("dv", call("size", name("v"), num(-1))),
                Surgery.ret(call("scan", List.of(name(step), call("l2norm", name("q")), call("l2norm", name("k")),
                        name("v"), name("beta"), name("a")), List.of(Surgery.kw("state",
                        new Tuple(List.of(name("h"), name("dk"), name("dv")), Surgery.AT)))))));
    }

    // ---- short convolutions before q, k (and v)

    static final DesignMove.Editor SHORT_CONV = new DesignMove.Editor() {
        @Override
        public List<Variant> variants(Program parent, Materials materials) {
            List<Variant> out = new ArrayList<>();
            sites(parent).forEach((key, k) -> {
                boolean q = convolvable(k, k.q());
                boolean kk = convolvable(k, k.k());
                boolean v = convolvable(k, k.v());
                if (!q || !kk) {
                    return;
                }
                Intent intent = Intent.adds("a causal depthwise convolution", "conv1d");
                out.add(new Variant(Map.of("site", key, "targets", "qk", "kernel", "4"),
                        "kernel 4 before q, k of " + where(key), intent));
                if (v) {
                    out.add(new Variant(Map.of("site", key, "targets", "qkv", "kernel", "4"),
                            "kernel 4 before q, k, v of " + where(key), intent));
                }
                out.add(new Variant(Map.of("site", key, "targets", "qk", "kernel", "2"),
                        "kernel 2 (a token shift) before q, k of " + where(key), intent));
                out.add(new Variant(Map.of("site", key, "targets", "qk", "kernel", "8"),
                        "kernel 8 before q, k of " + where(key), intent));
            });
            return out;
        }

        @Override
        public Program apply(Program parent, Variant v, Materials materials) throws EditException {
            Anatomy.Kernel k = site(parent, v);
            int kernel = v.intArg("kernel");
            UnaryOperator<Expr> conv = e -> {
                Call split = Anatomy.splitHeads(e);
                Call convolved = call("split_heads", call("short_conv", split.args().get(0), num(kernel)),
                        split.args().get(1));
                return Surgery.replace(e, split, convolved);
            };
            Map<Integer, UnaryOperator<Expr>> edits = new LinkedHashMap<>();
            edits.put(0, conv);
            edits.put(1, conv);
            if (v.arg("targets").equals("qkv")) {
                if (!convolvable(k, k.v())) {
                    throw new EditException("v of " + k.mixer().name() + " is already convolved or not split into heads");
                }
                edits.put(2, conv);
            }
            if (!convolvable(k, k.q()) || !convolvable(k, k.k())) {
                throw new EditException("q or k of " + k.mixer().name() + " is already convolved or not split into heads");
            }
            return rewrite(parent, k, edits, c -> c, List.of());
        }
    };

    /** q/k/v is made by split_heads of something not yet convolved. */
    private static boolean convolvable(Anatomy.Kernel k, Expr arg) {
        Call split = Anatomy.splitHeads(Anatomy.definition(k.mixer(), arg));
        if (split == null) {
            return false;
        }
        return Surgery.calls(split.args().get(0)).stream()
                .noneMatch(c -> c.callee().equals("short_conv") || c.callee().equals("conv1d"));
    }

    // ---- switch to the delta rule

    static final DesignMove.Editor DELTA_RULE = new DesignMove.Editor() {
        @Override
        public List<Variant> variants(Program parent, Materials materials) {
            List<Variant> out = new ArrayList<>();
            sites(parent).forEach((key, k) -> {
                if (heads(k) == null || k.name().equals("delta_rule") || k.name().equals("sliding_window_attention")) {
                    return;
                }
                out.add(new Variant(Map.of("site", key, "form", "plain"), "β-weighted delta writes in place of "
                        + where(key), Intent.adds("a delta-rule scan", "scan")));
                if (k.name().equals("decayed_linear_attention")) {
                    out.add(new Variant(Map.of("site", key, "form", "gated"), "gated delta rule (keeping its decay) in"
                            + " place of " + where(key), Intent.within("a gated delta rule", "gated_delta")));
                }
            });
            return out;
        }

        @Override
        public Program apply(Program parent, Variant v, Materials materials) throws EditException {
            Anatomy.Kernel k = site(parent, v);
            Expr heads = heads(k);
            String x = Anatomy.input(k.mixer());
            if (heads == null || x == null) {
                throw new EditException("q in " + k.mixer().name() + " is not split into heads");
            }
            java.util.Set<String> used = Surgery.namesInUse(parent);
            String beta = Surgery.fresh(used, "beta");
            boolean norm = !normed(k);
            List<Stmt> before = List.of(assign(beta, perHeadGate(x, heads, 1)));
            if (v.arg("form").equals("gated")) {
                String step = Surgery.fresh(used, "gated_delta_step");
                String rule = Surgery.fresh(used, "gated_delta_rule");
                Program p = rewrite(parent, k, Map.of(0, KernelEdits::strip, 1, KernelEdits::strip), c -> {
                    Call r = call(rule, c.args().get(0), c.args().get(1), c.args().get(2), name(beta), c.args().get(3));
                    return norm ? call("rmsnorm", r) : r;
                }, before);
                return Surgery.addBlock(Surgery.addBlock(p, gatedDeltaStep(step)), gatedDeltaRule(rule, step));
            }
            return rewrite(parent, k, Map.of(0, KernelEdits::strip, 1, KernelEdits::strip), c -> {
                Call r = call("delta_rule", c.args().get(0), c.args().get(1), c.args().get(2), name(beta));
                return norm ? call("rmsnorm", r) : r;
            }, before);
        }
    };

    // ---- widen the state

    static final DesignMove.Editor WIDEN_STATE = new DesignMove.Editor() {
        @Override
        public List<Variant> variants(Program parent, Materials materials) {
            List<Variant> out = new ArrayList<>();
            Intent intent = Intent.adds("wider projections or state", "linear", "scan", "parameter");
            sites(parent).forEach((key, k) -> {
                if (Anatomy.STATEFUL.contains(k.name()) && qkProjections(k) != null) {
                    for (int f : new int[] {2, 4}) {
                        out.add(new Variant(Map.of("site", key, "factor", Integer.toString(f)),
                                f + "× wider q, k (state d_k × d_v per head) in " + where(key), intent));
                    }
                }
            });
            for (String param : scanStateParams(parent)) {
                for (int f : new int[] {2, 4}) {
                    out.add(new Variant(Map.of("param", param, "factor", Integer.toString(f)),
                            f + "× the recurrent state size " + param, intent));
                }
            }
            return out;
        }

        @Override
        public Program apply(Program parent, Variant v, Materials materials) throws EditException {
            int f = v.intArg("factor");
            if (v.args().containsKey("param")) {
                String param = v.arg("param");
                if (Surgery.param(parent, param) == null) {
                    throw new EditException("the parent has no param " + param);
                }
                return Surgery.setParam(parent, param, bin("*", num(f), Surgery.param(parent, param).value()));
            }
            Anatomy.Kernel k = site(parent, v);
            if (qkProjections(k) == null) {
                throw new EditException("q and k of " + k.mixer().name() + " have no projection to widen");
            }
            UnaryOperator<Expr> widen = e -> {
                Call proj = Anatomy.projection(e);
                List<Expr> args = new ArrayList<>(proj.args());
                args.set(1, bin("*", num(f), proj.args().get(1)));
                return Surgery.replace(e, proj, new Call("linear", args, proj.kwargs(), proj.pos()));
            };
            return rewrite(parent, k, Map.of(0, widen, 1, widen), c -> c, List.of());
        }
    };

    private static Call[] qkProjections(Anatomy.Kernel k) {
        Call q = Anatomy.projection(Anatomy.definition(k.mixer(), k.q()));
        Call kk = Anatomy.projection(Anatomy.definition(k.mixer(), k.k()));
        return q == null || kk == null ? null : new Call[] {q, kk};
    }

    /** Params that size the last state axis of a {@code scan} in a token mixer ({@code state=(d_inner, n)} → n). */
    static List<String> scanStateParams(Program p) {
        List<String> out = new ArrayList<>();
        for (Block m : Anatomy.of(p).tokenMixers) {
            for (Call c : Surgery.calls(m)) {
                if (!c.callee().equals("scan")) {
                    continue;
                }
                for (var kw : c.kwargs()) {
                    if (kw.name().equals("state") && kw.value() instanceof Tuple t && !t.items().isEmpty()
                            && t.items().get(t.items().size() - 1) instanceof Name n && Surgery.intParam(p, n.id()) != null
                            && !out.contains(n.id())) {
                        out.add(n.id());
                    }
                }
            }
        }
        return out;
    }

    // ---- norms

    static final DesignMove.Editor NORM = new DesignMove.Editor() {
        @Override
        public List<Variant> variants(Program parent, Materials materials) {
            List<Variant> out = new ArrayList<>();
            Anatomy a = Anatomy.of(parent);
            sites(parent).forEach((key, k) -> {
                if (!normed(k) && !k.name().equals("softmax_attention") && !k.name().equals("sliding_window_attention")) {
                    out.add(new Variant(Map.of("kind", "head-norm", "site", key), "RMSNorm per head on the output of "
                            + where(key), Intent.adds("a per-head norm", "rmsnorm")));
                }
                Call split = Anatomy.splitHeads(Anatomy.definition(k.mixer(), k.q()));
                if (split != null && !k.name().equals("delta_rule") && !qkNormed(k)) {
                    out.add(new Variant(Map.of("kind", "qk-norm", "site", key), "QK-norm (RMSNorm on q and k per head) in "
                            + where(key), Intent.adds("norms on q and k", "rmsnorm")));
                }
            });
            if (a.layer != null && !a.mixerCalls().isEmpty()) {
                Call first = a.mixerCalls().get(0);
                Expr parentExpr = parentIn(a.layer, first);
                if (!(parentExpr instanceof Call c && Anatomy.NORMS.contains(c.callee()))) {
                    out.add(new Variant(Map.of("kind", "sandwich"), "RMSNorm on the output of " + first.callee()
                            + " (sandwich norm)", Intent.adds("a norm after the mixer", "rmsnorm")));
                }
                boolean rms = Surgery.calls(a.layer).stream().anyMatch(c -> c.callee().equals("rmsnorm"));
                boolean ln = Surgery.calls(a.layer).stream().anyMatch(c -> c.callee().equals("layernorm"));
                if (rms) {
                    out.add(new Variant(Map.of("kind", "layernorm"), "LayerNorm for the pre-norms of "
                            + a.layer.name(), Intent.adds("layernorm pre-norms", "layernorm")));
                }
                if (ln) {
                    out.add(new Variant(Map.of("kind", "rmsnorm"), "RMSNorm for the pre-norms of " + a.layer.name(),
                            Intent.adds("rmsnorm pre-norms", "rmsnorm")));
                }
            }
            return out;
        }

        @Override
        public Program apply(Program parent, Variant v, Materials materials) throws EditException {
            switch (v.arg("kind")) {
                case "head-norm" -> {
                    Anatomy.Kernel k = site(parent, v);
                    return rewrite(parent, k, Map.of(), c -> call("rmsnorm", c), List.of());
                }
                case "qk-norm" -> {
                    Anatomy.Kernel k = site(parent, v);
                    UnaryOperator<Expr> norm = e -> {
                        Call split = Anatomy.splitHeads(e);
                        return Surgery.replace(e, split, call("rmsnorm", split));
                    };
                    return rewrite(parent, k, Map.of(0, norm, 1, norm), c -> c, List.of());
                }
                case "sandwich" -> {
                    Anatomy a = Anatomy.of(parent);
                    if (a.mixerCalls().isEmpty()) {
                        throw new EditException("the layer calls no token mixer");
                    }
                    Call first = a.mixerCalls().get(0);
                    return Surgery.replaceBlock(parent, a.layer, Surgery.replace(a.layer, first, call("rmsnorm", first)));
                }
                default -> {
                    String to = v.arg("kind");
                    String from = to.equals("layernorm") ? "rmsnorm" : "layernorm";
                    Anatomy a = Anatomy.of(parent);
                    if (a.layer == null) {
                        throw new EditException("the definition has no layer");
                    }
                    Block layer = Surgery.map(a.layer, x -> x instanceof Call c && c.callee().equals(from)
                            ? new Call(to, c.args().stream().map(arg -> Surgery.map(arg, y -> y instanceof Call cc
                                    && cc.callee().equals(from) ? new Call(to, cc.args(), cc.kwargs(), cc.pos()) : null))
                                    .toList(), c.kwargs(), c.pos()) : null);
                    return Surgery.replaceBlock(parent, a.layer, layer);
                }
            }
        }
    };

    private static boolean qkNormed(Anatomy.Kernel k) {
        Expr q = Anatomy.definition(k.mixer(), k.q());
        Call split = Anatomy.splitHeads(q);
        Expr parent = split == null ? null : Surgery.parentOf(q, split);
        return parent instanceof Call c && (Anatomy.NORMS.contains(c.callee()) || c.callee().equals("l2norm"));
    }

    static Expr parentIn(Block b, Expr target) {
        Stmt s = Surgery.statementHolding(b, target);
        if (s == null) {
            return null;
        }
        for (Expr e : Surgery.exprs(s)) {
            Expr p = Surgery.parentOf(e, target);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    // ---- gates

    static final DesignMove.Editor GATING = new DesignMove.Editor() {
        @Override
        public List<Variant> variants(Program parent, Materials materials) {
            List<Variant> out = new ArrayList<>();
            sites(parent).forEach((key, k) -> {
                if (outputGateSite(k) != null) {
                    out.add(new Variant(Map.of("kind", "output-gate", "site", key), "SiLU output gate on "
                            + where(key), Intent.adds("an output gate", "silu")));
                }
            });
            for (Block m : Anatomy.of(parent).tokenMixers) {
                List<Call> gates = gates(m);
                for (int i = 0; i < gates.size(); i++) {
                    String to = gates.get(i).callee().equals("silu") ? "sigmoid" : "silu";
                    out.add(new Variant(Map.of("kind", "activation", "mixer", m.name(), "gate", Integer.toString(i),
                            "to", to), to + " for the " + gates.get(i).callee() + " gate in " + m.name(),
                            Intent.adds("a " + to + " gate", to)));
                }
            }
            return out;
        }

        @Override
        public Program apply(Program parent, Variant v, Materials materials) throws EditException {
            if (v.arg("kind").equals("output-gate")) {
                Anatomy.Kernel k = site(parent, v);
                Call merge = outputGateSite(k);
                if (merge == null) {
                    throw new EditException(k.mixer().name() + " has no ungated merge_heads output, or no value width");
                }
                Expr width = Anatomy.projection(Anatomy.definition(k.mixer(), k.v())).args().get(1);
                String x = Anatomy.input(k.mixer());
                String gate = Surgery.fresh(Surgery.namesInUse(parent), "gate");
                Block m = k.mixer();
                Stmt holder = Surgery.statementHolding(m, merge);
                List<Stmt> body = new ArrayList<>();
                for (Stmt s : m.body()) {
                    if (s == holder) {
                        body.add(assign(gate, call("silu", call("linear", name(x), width))));
                        body.add(Surgery.map(s, e -> e == merge ? bin("*", name(gate), merge) : null));
                    } else {
                        body.add(s);
                    }
                }
                return Surgery.replaceBlock(parent, m, new Block(m.name(), m.args(), body, m.pos()));
            }
            Block m = Surgery.block(parent, v.arg("mixer"));
            List<Call> gates = m == null ? List.of() : gates(m);
            int i = v.intArg("gate");
            if (i >= gates.size()) {
                throw new EditException("the parent has no gate " + i + " in " + v.arg("mixer"));
            }
            Call g = gates.get(i);
            return Surgery.replaceBlock(parent, m, Surgery.replace(m, g, new Call(v.arg("to"), g.args(), g.kwargs(),
                    g.pos())));
        }
    };

    /** The {@code merge_heads} call of the kernel's output when nothing multiplies it yet and v has a width. */
    private static Call outputGateSite(Anatomy.Kernel k) {
        Call vproj = Anatomy.projection(Anatomy.definition(k.mixer(), k.v()));
        if (vproj == null || Anatomy.input(k.mixer()) == null) {
            return null;
        }
        String out = null;
        Stmt holder = Surgery.statementHolding(k.mixer(), k.call());
        if (holder instanceof Assign a && a.targets().size() == 1) {
            out = a.targets().get(0).id();
        }
        for (Call c : Surgery.calls(k.mixer())) {
            if (!c.callee().equals("merge_heads") || c.args().size() != 1) {
                continue;
            }
            Expr arg = c.args().get(0);
            boolean fed = Surgery.contains(arg, k.call()) || (out != null && Surgery.names(arg).contains(out));
            Expr parent = parentIn(k.mixer(), c);
            boolean gated = parent instanceof Binary b && b.op().equals("*");
            if (fed && !gated) {
                return c;
            }
        }
        return null;
    }

    /** SiLU or sigmoid calls that gate a product in a mixer (an operand of '*', directly or through one name). */
    static List<Call> gates(Block m) {
        List<Call> out = new ArrayList<>();
        for (Call c : Surgery.calls(m)) {
            if (!(c.callee().equals("silu") || c.callee().equals("sigmoid")) || c.args().size() != 1) {
                continue;
            }
            Expr parent = parentIn(m, c);
            boolean direct = parent instanceof Binary b && b.op().equals("*");
            boolean named = false;
            Stmt s = Surgery.statementHolding(m, c);
            if (parent == null && s instanceof Assign a && a.targets().size() == 1 && a.value() == c) {
                String id = a.targets().get(0).id();
                for (Stmt t : m.body()) {
                    for (Expr e : Surgery.exprs(t)) {
                        Surgery.walk(e, x -> {
                            if (x instanceof Binary b && b.op().equals("*")
                                    && (isName(b.left(), id) || isName(b.right(), id))) {
                                out.add(c);
                            }
                        });
                    }
                }
                named = out.contains(c);
            }
            if (direct && !named && !out.contains(c)) {
                out.add(c);
            }
        }
        return out.stream().distinct().toList();
    }

    private static boolean isName(Expr e, String id) {
        return e instanceof Name n && n.id().equals(id);
    }
}
