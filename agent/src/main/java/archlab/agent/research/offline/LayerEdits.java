package archlab.agent.research.offline;

import static archlab.agent.research.offline.Surgery.assign;
import static archlab.agent.research.offline.Surgery.bin;
import static archlab.agent.research.offline.Surgery.call;
import static archlab.agent.research.offline.Surgery.name;
import static archlab.agent.research.offline.Surgery.num;

import archlab.knowledge.store.Subroutine;
import archlab.sandbox.lang.Ast.Assign;
import archlab.sandbox.lang.Ast.Block;
import archlab.sandbox.lang.Ast.Call;
import archlab.sandbox.lang.Ast.Expr;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.Ast.Return;
import archlab.sandbox.lang.Ast.Stmt;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Parser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The design moves that edit a layer or the model's sizes: a sliding-window attention branch (or a global
 * softmax made local), the channel mixer, width / heads / depth, and a mined subroutine spliced in as a
 * residual branch.
 */
final class LayerEdits {
    private LayerEdits() {
    }

    /**
     * {@code p} with a new residual branch after the layer's first token-mixer sublayer: where the layer says
     * {@code h = x + mixer(rmsnorm(x))}, it goes on with {@code h2 = h + branch(rmsnorm(h))} and every later
     * use of {@code h} reads {@code h2}.
     */
    static Program addBranch(Program p, UnaryOperator<Expr> branch) throws EditException {
        Anatomy a = Anatomy.of(p);
        if (a.layer == null || a.mixerCalls().isEmpty()) {
            throw new EditException("the definition has no layer with a token mixer to put a branch beside");
        }
        Block layer = a.layer;
        Stmt anchor = Surgery.statementHolding(layer, a.mixerCalls().get(0));
        Set<String> used = Surgery.namesInUse(p);
        List<Stmt> body = new ArrayList<>();
        String from = null;
        String to = null;
        for (Stmt s : layer.body()) {
            if (s == anchor) {
                if (s instanceof Assign as && as.targets().size() == 1) {
                    from = as.targets().get(0).id();
                    to = Surgery.fresh(used, from);
                    body.add(s);
                    body.add(assign(to, bin("+", name(from), branch.apply(call("rmsnorm", name(from))))));
                } else if (s instanceof Return r && r.values().size() == 1) {
                    String h = Surgery.fresh(used, "h");
                    String h2 = Surgery.fresh(used, h);
                    body.add(assign(h, r.values().get(0)));
                    body.add(assign(h2, bin("+", name(h), branch.apply(call("rmsnorm", name(h))))));
                    body.add(Surgery.ret(name(h2)));
                } else {
                    throw new EditException("the mixer's sublayer in " + layer.name() + " is not a single assignment");
                }
            } else if (from != null) {
                Map<String, String> ren = Map.of(from, to);
                if (s instanceof Assign as) {
                    body.add(new Assign(as.targets(), Surgery.rename(as.value(), ren, Set.of()), as.pos()));
                } else {
                    body.add(new Return(((Return) s).values().stream().map(e -> Surgery.rename(e, ren, Set.of()))
                            .toList(), s.pos()));
                }
            } else {
                body.add(s);
            }
        }
        return Surgery.replaceBlock(p, layer, new Block(layer.name(), layer.args(), body, layer.pos()));
    }

    // ---- sliding-window attention

    static final DesignMove.Editor HYBRID_WINDOW = new DesignMove.Editor() {
        @Override
        public List<Variant> variants(Program parent, Materials materials) {
            Anatomy a = Anatomy.of(parent);
            if (a.layer == null || a.mixerCalls().isEmpty() || a.uses("sliding_window_attention")) {
                return List.of();
            }
            List<Variant> out = new ArrayList<>();
            boolean softmax = a.kernels.stream().anyMatch(k -> k.name().equals("softmax_attention"));
            if (softmax) {
                for (String key : KernelEdits.sites(parent).keySet()) {
                    if (key.contains(":softmax_attention")) {
                        for (int w : new int[] {32, 16}) {
                            out.add(new Variant(Map.of("mode", "localise", "site", key, "window", Integer.toString(w)),
                                    "restrict " + key.replace(":", "'s ") + " to the last " + w + " positions",
                                    Intent.adds("a windowed mask", "causal_mask")));
                        }
                    }
                }
                return out;
            }
            for (int w : new int[] {16, 32, 8}) {
                out.add(new Variant(Map.of("mode", "add", "window", Integer.toString(w)),
                        "a sliding-window softmax attention branch (window " + w + ") after "
                                + a.mixerCalls().get(0).callee(), Intent.adds("a windowed attention", "causal_mask")));
            }
            return out;
        }

        @Override
        public Program apply(Program parent, Variant v, Materials materials) throws EditException {
            int w = v.intArg("window");
            Set<String> used = Surgery.namesInUse(parent);
            String window = Surgery.fresh(used, "window");
            if (v.arg("mode").equals("localise")) {
                Anatomy.Kernel k = KernelEdits.site(parent, v);
                Program p = KernelEdits.rewrite(parent, k, Map.of(), c -> call("sliding_window_attention",
                        c.args().get(0), c.args().get(1), c.args().get(2), name(window)), List.of());
                return Surgery.setParam(p, window, num(w));
            }
            String block = Surgery.fresh(used, "window_attention");
            Expr heads = Surgery.param(parent, "heads") != null ? name("heads") : num(4);
            Program p = Surgery.setParam(parent, window, num(w));
            p = Surgery.addBlock(p, Surgery.block(block, List.of("x"), List.of(
                    assign("w", call("size", name("x"), num(-1))),
                    assign("q", call("rope", call("split_heads", call("linear", name("x"), name("w")), heads))),
                    assign("k", call("rope", call("split_heads", call("linear", name("x"), name("w")), heads))),
                    assign("v", call("split_heads", call("linear", name("x"), name("w")), heads)),
                    Surgery.ret(call("linear", call("merge_heads", call("sliding_window_attention", name("q"),
                            name("k"), name("v"), name(window))), name("w"))))));
            return addBranch(p, x -> call(block, x));
        }
    };

    // ---- the channel mixer

    static final DesignMove.Editor CHANNEL_MIXER = new DesignMove.Editor() {
        @Override
        public List<Variant> variants(Program parent, Materials materials) {
            List<Variant> out = new ArrayList<>();
            List<Call> calls = Anatomy.of(parent).channelMixerCalls();
            for (int i = 0; i < calls.size(); i++) {
                String from = calls.get(i).callee();
                for (String to : List.of("swiglu", "glu", "mlp")) {
                    if (!to.equals(from)) {
                        out.add(new Variant(Map.of("call", Integer.toString(i), "to", to), to + " in place of " + from
                                + (to.equals("mlp") ? " (1.5× the hidden width)" : from.equals("mlp")
                                ? " (2/3 of the hidden width, the same parameters)" : ""),
                                Intent.within("the new channel mixer", to)));
                    }
                }
            }
            return out;
        }

        @Override
        public Program apply(Program parent, Variant v, Materials materials) throws EditException {
            Anatomy a = Anatomy.of(parent);
            List<Call> calls = a.channelMixerCalls();
            int i = v.intArg("call");
            if (i >= calls.size()) {
                throw new EditException("the layer has " + calls.size() + " channel mixers, not " + (i + 1));
            }
            Call c = calls.get(i);
            String to = v.arg("to");
            boolean gatedBefore = !c.callee().equals("mlp");
            boolean gatedAfter = !to.equals("mlp");
            Expr hidden = c.args().get(1);
            if (!gatedBefore && gatedAfter) {
                hidden = bin("//", bin("*", num(2), hidden), num(3));
            } else if (gatedBefore && !gatedAfter) {
                hidden = bin("//", bin("*", num(3), hidden), num(2));
            }
            Call replaced = new Call(to, List.of(c.args().get(0), hidden), c.kwargs(), c.pos());
            return Surgery.replaceBlock(parent, a.layer, Surgery.replace(a.layer, c, replaced));
        }
    };

    // ---- width, heads, depth

    static final DesignMove.Editor RESIZE = new DesignMove.Editor() {
        @Override
        public List<Variant> variants(Program parent, Materials materials) {
            List<Variant> out = new ArrayList<>();
            Long d = Surgery.intParam(parent, "d");
            Long heads = Surgery.intParam(parent, "heads");
            Long layers = Surgery.intParam(parent, "layers");
            Intent any = Intent.anyChange("the sizes changed");
            if (d != null) {
                long h = heads == null ? 1 : heads;
                out.add(new Variant(Map.of("param", "d", "value", Long.toString(2 * d)), "width d " + d + " → " + 2 * d, any));
                if (d / 2 >= 16 && (d / 2) % (2 * h) == 0) {
                    out.add(new Variant(Map.of("param", "d", "value", Long.toString(d / 2)), "width d " + d + " → "
                            + d / 2, any));
                }
                if (heads != null && d % (2 * heads) == 0 && (d / (2 * heads)) % 2 == 0) {
                    out.add(new Variant(Map.of("param", "heads", "value", Long.toString(2 * heads)), "heads " + heads
                            + " → " + 2 * heads, any));
                }
            }
            if (heads != null && heads >= 2 && heads % 2 == 0) {
                out.add(new Variant(Map.of("param", "heads", "value", Long.toString(heads / 2)), "heads " + heads + " → "
                        + heads / 2 + " (a larger state per head)", any));
            }
            if (layers != null) {
                out.add(new Variant(Map.of("param", "layers", "value", Long.toString(layers + 1)), "layers " + layers
                        + " → " + (layers + 1), any));
                if (layers >= 2) {
                    out.add(new Variant(Map.of("param", "layers", "value", Long.toString(layers - 1)), "layers "
                            + layers + " → " + (layers - 1), any));
                }
            }
            return out;
        }

        @Override
        public Program apply(Program parent, Variant v, Materials materials) throws EditException {
            String param = v.arg("param");
            if (Surgery.intParam(parent, param) == null) {
                throw new EditException("the parent has no integer param " + param);
            }
            return Surgery.setParam(parent, param, num(Long.parseLong(v.arg("value"))));
        }
    };

    // ---- a mined subroutine

    static final DesignMove.Editor SUBROUTINE = new DesignMove.Editor() {
        @Override
        public List<Variant> variants(Program parent, Materials materials) {
            Anatomy a = Anatomy.of(parent);
            if (a.layer == null || a.mixerCalls().isEmpty()) {
                return List.of();
            }
            List<Variant> out = new ArrayList<>();
            for (Subroutine s : materials.subroutines()) {
                Block b = parse(s);
                if (b != null && b.args().size() == 1 && out.size() < 6) {
                    out.add(new Variant(Map.of("subroutine", s.name()), s.name() + " as a residual branch after "
                            + a.mixerCalls().get(0).callee(), Intent.within("the subroutine's ops", s.name())));
                }
            }
            return out;
        }

        @Override
        public Program apply(Program parent, Variant v, Materials materials) throws EditException {
            String wanted = v.arg("subroutine");
            Subroutine s = materials.subroutines().stream().filter(x -> x.name().equals(wanted)).findFirst()
                    .orElseThrow(() -> new EditException("no subroutine " + wanted + " among this campaign's"));
            Block b = parse(s);
            if (b == null || b.args().size() != 1) {
                throw new EditException("subroutine " + wanted + " is not a one-input block");
            }
            Program p = parent;
            String name = b.name();
            Block existing = Surgery.block(parent, name);
            if (existing == null) {
                // A copy in the file: the child checks on its own, with or without the campaign's library.
                p = Surgery.addBlock(p, b);
            } else if (!sameBlock(existing, b)) {
                name = Surgery.fresh(Surgery.namesInUse(parent), name);
                p = Surgery.addBlock(p, Surgery.rename(b, name, Map.of()));
            }
            String callee = name;
            return addBranch(p, x -> call(callee, x));
        }
    };

    /** The block of a mined subroutine's source, or null when it does not parse. */
    static Block parse(Subroutine s) {
        try {
            Program lib = Parser.parseLibrary(s.definition(), "mined/" + s.name() + ".arch");
            return lib.blocks().stream().filter(b -> b.name().equals(s.name())).findFirst()
                    .orElse(lib.blocks().isEmpty() ? null : lib.blocks().get(0));
        } catch (DefinitionException e) {
            return null;
        }
    }

    static boolean sameBlock(Block a, Block b) {
        return a.args().equals(b.args()) && a.body().equals(b.body());
    }
}
