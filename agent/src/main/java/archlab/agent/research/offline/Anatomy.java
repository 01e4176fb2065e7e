package archlab.agent.research.offline;

import archlab.sandbox.lang.Ast.Assign;
import archlab.sandbox.lang.Ast.Block;
import archlab.sandbox.lang.Ast.Call;
import archlab.sandbox.lang.Ast.Expr;
import archlab.sandbox.lang.Ast.Name;
import archlab.sandbox.lang.Ast.Program;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A structural reading of a definition, in the terms the design moves edit: the layer (the block the model
 * repeats, else the model itself), its token mixers (the blocks it calls that mix over time), the attention
 * kernels those mixers call (standard-library blocks taking q, k, v), and how q, k and v are made.
 * Reference architectures, paper-note fragments and definitions the coder wrote all read the same way,
 * because it looks at calls and data flow, never at names.
 */
final class Anatomy {
    /** Standard-library blocks that take q, k, v first. */
    static final Set<String> KERNELS = Set.of("softmax_attention", "sliding_window_attention", "linear_attention",
            "taylor_attention", "decayed_linear_attention", "retention", "delta_rule");
    /** Kernels with a fixed-size recurrent state (their state can be widened). */
    static final Set<String> STATEFUL = Set.of("linear_attention", "taylor_attention", "decayed_linear_attention",
            "retention", "delta_rule");
    static final Set<String> FEATURE_MAPS = Set.of("elu1", "relu_map", "l2norm");
    static final Set<String> CHANNEL_MIXERS = Set.of("mlp", "glu", "swiglu");
    static final Set<String> NORMS = Set.of("rmsnorm", "layernorm");
    /** Primitives and library blocks that mix information across time steps. */
    private static final Set<String> TIME_MIXING = Set.of("conv1d", "causal_mask", "causal_zero", "cumsum", "shift",
            "scan", "positions", "short_conv");

    /** A kernel call inside a token mixer. */
    record Kernel(Block mixer, Call call) {
        String name() {
            return call.callee();
        }

        Expr q() {
            return call.args().get(0);
        }

        Expr k() {
            return call.args().get(1);
        }

        Expr v() {
            return call.args().get(2);
        }
    }

    final Program program;
    final Block layer;
    final List<Block> tokenMixers;
    final List<Kernel> kernels;
    private final Map<String, Boolean> timeMixing = new HashMap<>();

    private Anatomy(Program program) {
        this.program = program;
        this.layer = findLayer(program);
        List<Block> mixers = new ArrayList<>();
        if (layer != null) {
            Set<String> seen = new HashSet<>();
            for (Call c : Surgery.calls(layer)) {
                Block b = Surgery.block(program, c.callee());
                if (b != null && b != layer && isTimeMixing(b.name(), new HashSet<>()) && seen.add(b.name())) {
                    mixers.add(b);
                }
            }
        }
        this.tokenMixers = List.copyOf(mixers);
        List<Kernel> ks = new ArrayList<>();
        for (Block m : tokenMixers) {
            for (Call c : Surgery.calls(m)) {
                if (KERNELS.contains(c.callee()) && c.args().size() >= 3 && Surgery.block(program, c.callee()) == null) {
                    ks.add(new Kernel(m, c));
                }
            }
        }
        this.kernels = List.copyOf(ks);
    }

    static Anatomy of(Program p) {
        return new Anatomy(p);
    }

    boolean uses(String callee) {
        List<Block> all = new ArrayList<>(program.blocks());
        all.add(program.model());
        return all.stream().anyMatch(b -> Surgery.calls(b).stream().anyMatch(c -> c.callee().equals(callee)));
    }

    /** The calls of {@code layer} to token mixers, in order. */
    List<Call> mixerCalls() {
        List<Call> out = new ArrayList<>();
        if (layer != null) {
            for (Call c : Surgery.calls(layer)) {
                if (tokenMixers.stream().anyMatch(b -> b.name().equals(c.callee()))) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    /** The calls of {@code layer} to standard-library channel mixers ({@code mlp}, {@code glu}, {@code swiglu}). */
    List<Call> channelMixerCalls() {
        if (layer == null) {
            return List.of();
        }
        return Surgery.calls(layer).stream().filter(c -> CHANNEL_MIXERS.contains(c.callee())
                && Surgery.block(program, c.callee()) == null && c.args().size() == 2).toList();
    }

    /** What an argument of a kernel is: the value of the assignment that names it in the mixer, or itself. */
    static Expr definition(Block mixer, Expr arg) {
        if (arg instanceof Name n) {
            Assign a = Surgery.assignmentOf(mixer, n.id());
            if (a != null && a.targets().size() == 1) {
                return a.value();
            }
        }
        return arg;
    }

    /** The first {@code split_heads} call inside {@code e}, or null. */
    static Call splitHeads(Expr e) {
        return Surgery.calls(e).stream().filter(c -> c.callee().equals("split_heads") && c.args().size() == 2)
                .findFirst().orElse(null);
    }

    /** The projection inside {@code e}: the first {@code linear} call, or null. */
    static Call projection(Expr e) {
        return Surgery.calls(e).stream().filter(c -> c.callee().equals("linear") && c.args().size() >= 2)
                .findFirst().orElse(null);
    }

    /** The mixer's input: its first argument. */
    static String input(Block mixer) {
        return mixer.args().isEmpty() ? null : mixer.args().get(0).name();
    }

    private boolean isTimeMixing(String name, Set<String> visiting) {
        Boolean known = timeMixing.get(name);
        if (known != null) {
            return known;
        }
        Block b = Surgery.block(program, name);
        if (b == null) {
            return KERNELS.contains(name) || TIME_MIXING.contains(name);
        }
        if (!visiting.add(name)) {
            return false;
        }
        boolean mixes = false;
        for (Call c : Surgery.calls(b)) {
            if (isTimeMixing(c.callee(), visiting)) {
                mixes = true;
                break;
            }
        }
        timeMixing.put(name, mixes);
        return mixes;
    }

    private static Block findLayer(Program p) {
        if (p.model() == null) {
            return null;
        }
        for (Call c : Surgery.calls(p.model())) {
            if (c.callee().equals("repeat") && c.args().size() >= 3 && c.args().get(1) instanceof Name n) {
                Block b = Surgery.block(p, n.id());
                if (b != null) {
                    return b;
                }
            }
        }
        return p.model();
    }
}
