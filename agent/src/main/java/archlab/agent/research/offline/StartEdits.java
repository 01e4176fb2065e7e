package archlab.agent.research.offline;

import static archlab.agent.research.offline.Surgery.bin;
import static archlab.agent.research.offline.Surgery.call;
import static archlab.agent.research.offline.Surgery.kw;
import static archlab.agent.research.offline.Surgery.name;
import static archlab.agent.research.offline.Surgery.num;

import archlab.sandbox.lang.Ast.Assign;
import archlab.sandbox.lang.Ast.Block;
import archlab.sandbox.lang.Ast.Bool;
import archlab.sandbox.lang.Ast.Call;
import archlab.sandbox.lang.Ast.Expr;
import archlab.sandbox.lang.Ast.KwArg;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.Ast.Stmt;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Edits of how a design starts and how it changes over training: identity-start filters
 * (docs/language.md, "Initialisation") and gate floors annealed with {@code progress()} (docs/language.md,
 * "Schedules"), two devices of ASI-Arch's DeltaNet variants.
 */
final class StartEdits {
    private StartEdits() {
    }

    /** Every {@code conv1d} without an {@code init=} and every library {@code short_conv}, in the file. */
    static int randomFilters(Program p) {
        int n = 0;
        for (Block b : blocks(p)) {
            for (Call c : Surgery.calls(b)) {
                if (randomConv(c) || libraryShortConv(p, c)) {
                    n++;
                }
            }
        }
        return n;
    }

    private static boolean randomConv(Call c) {
        return c.callee().equals("conv1d") && c.kwargs().stream().noneMatch(k -> k.name().equals("init"));
    }

    /** short_conv from the standard library, not a block of the file with that name. */
    private static boolean libraryShortConv(Program p, Call c) {
        return c.callee().equals("short_conv") && Surgery.block(p, "short_conv") == null;
    }

    private static List<Block> blocks(Program p) {
        List<Block> all = new ArrayList<>(p.blocks());
        all.add(p.model());
        return all;
    }

    static final DesignMove.Editor IDENTITY_START = new DesignMove.Editor() {
        @Override
        public List<Variant> variants(Program parent, Materials materials) {
            int n = randomFilters(parent);
            if (n == 0) {
                return List.of();
            }
            return List.of(new Variant(Map.of("filters", "all"), n + " filter" + (n == 1 ? "" : "s")
                    + " start at the identity (Dirac), without bias",
                    Intent.adds("identity-start filters", "conv1d")));
        }

        @Override
        public Program apply(Program parent, Variant v, Materials materials) throws EditException {
            if (randomFilters(parent) == 0) {
                throw new EditException("every filter already has a chosen start");
            }
            UnaryOperator<Expr>[] rewrite = new UnaryOperator[1];
            rewrite[0] = e -> {
                if (!(e instanceof Call c)) {
                    return null;
                }
                boolean shortConv = libraryShortConv(parent, c);
                if (!randomConv(c) && !shortConv) {
                    return null;
                }
                Expr x = Surgery.map(c.args().get(0), rewrite[0]);
                Expr kernel = c.args().size() > 1 ? c.args().get(1) : c.kwargs().stream()
                        .filter(k -> k.name().equals("kernel")).map(KwArg::value).findFirst().orElse(num(4));
                Call identity = call("conv1d", List.of(x, kernel),
                        List.of(kw("bias", new Bool(false, Surgery.AT)), kw("init", name("dirac"))));
                // short_conv is silu(conv1d(x, kernel)): keep its SiLU
                return shortConv ? call("silu", identity) : identity;
            };
            Program p = parent;
            for (Block b : blocks(parent)) {
                Block edited = Surgery.map(b, rewrite[0]);
                p = b == parent.model() ? new Program(p.arch(), p.params(), p.blocks(), edited)
                        : Surgery.replaceBlock(p, Surgery.block(p, b.name()), edited);
            }
            return p;
        }
    };

    /** A gate: a value of a block (not the model) assigned straight from {@code sigmoid(...)}. */
    record Gate(String block, String name) {
        String key() {
            return block + ":" + name;
        }
    }

    static List<Gate> gates(Program p) {
        List<Gate> out = new ArrayList<>();
        for (Block b : p.blocks()) {
            for (Stmt st : b.body()) {
                if (st instanceof Assign a && a.targets().size() == 1 && a.value() instanceof Call c
                        && c.callee().equals("sigmoid")) {
                    out.add(new Gate(b.name(), a.targets().get(0).id()));
                }
            }
        }
        return out;
    }

    /** {@code start · (1 − clamp(progress() / 0.5, 0, 1))}: the floor falls to 0 over the first half of training. */
    static Expr annealedFloor(double start) {
        Expr t = call("clamp", bin("/", call("progress"), num(0.5)), num(0), num(1));
        return bin("*", num(start), bin("-", num(1), t));
    }

    static final DesignMove.Editor ANNEALED_FLOOR = new DesignMove.Editor() {
        @Override
        public List<Variant> variants(Program parent, Materials materials) {
            List<Variant> out = new ArrayList<>();
            for (Gate g : gates(parent)) {
                for (String start : List.of("0.1", "0.3")) {
                    out.add(new Variant(Map.of("gate", g.key(), "floor", start), "a floor of " + start + " on "
                            + g.name() + " in " + g.block() + ", annealed to 0 over the first half of training",
                            Intent.adds("an annealed floor", "progress")));
                }
            }
            return out;
        }

        @Override
        public Program apply(Program parent, Variant v, Materials materials) throws EditException {
            Gate g = gates(parent).stream().filter(x -> x.key().equals(v.arg("gate"))).findFirst()
                    .orElseThrow(() -> new EditException("no sigmoid gate " + v.arg("gate") + " in the parent"));
            Block b = Surgery.block(parent, g.block());
            Assign a = Surgery.assignmentOf(b, g.name());
            Expr floored = call("maximum", a.value(), annealedFloor(Double.parseDouble(v.arg("floor"))));
            return Surgery.replaceBlock(parent, b, Surgery.replace(b, a.value(), floored));
        }
    };
}
