package archlab.sandbox.lang;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The built-in operations of the language and their signatures. docs/language.md describes each. */
public final class Primitives {
    public static final Set<String> UNARY = Set.of("exp", "log", "sqrt", "abs", "sigmoid", "tanh", "relu",
            "gelu", "silu", "softplus", "elu", "sign");
    public static final Set<String> REDUCTIONS = Set.of("sum", "mean", "max");
    /** Reductions over a feature axis only: never over time, not even over the keys of a masked matrix. */
    public static final Set<String> SPREADS = Set.of("var", "std", "norm");
    /** The ops whose {@code init=} takes an initialiser: a number, or one of {@link #INIT_NAMES} and {@link #INIT_CALLS}. */
    public static final Set<String> INITIALISED = Set.of("linear", "conv1d", "parameter");
    /** {@code init=zeros}, {@code init=identity}, {@code init=dirac}. */
    public static final Set<String> INIT_NAMES = Set.of("zeros", "identity", "dirac");
    /** {@code init=normal(std)}, {@code init=uniform(bound)}. */
    public static final Set<String> INIT_CALLS = Set.of("normal", "uniform");
    /** Params every definition has; the task sets them. */
    public static final Map<String, Integer> BUILTIN_PARAMS = Map.of("vocab", 256, "seq_len", 128);

    private static final Map<String, Signature> SIGNATURES = new LinkedHashMap<>();

    static {
        add(Signature.of("embed", 2, "ids", "dim"));
        add(new Signature("linear", List.of("x", "out", "bias"), 2, false, Set.of("init")));
        add(new Signature("conv1d", List.of("x", "kernel"), 2, false, Set.of("bias", "init")));
        add(Signature.of("rmsnorm", 1, "x"));
        add(Signature.of("layernorm", 1, "x"));
        add(new Signature("parameter", List.of(), 0, true, Set.of("init", "std")));
        for (String u : UNARY) {
            add(Signature.of(u, 1, "x"));
        }
        add(Signature.of("maximum", 2, "a", "b"));
        add(Signature.of("minimum", 2, "a", "b"));
        add(Signature.of("clamp", 1, "x", "lo", "hi"));
        add(Signature.of("where", 3, "cond", "a", "b"));
        add(Signature.of("eye", 1, "n"));
        add(Signature.of("progress", 0));
        add(Signature.of("sort", 1, "x", "dim", "descending"));
        add(Signature.of("topk", 2, "x", "k", "dim"));
        add(Signature.of("gather", 2, "x", "index", "dim"));
        add(Signature.of("matmul", 2, "a", "b"));
        add(Signature.of("softmax", 1, "x", "dim"));
        add(Signature.of("cumsum", 1, "x", "dim"));
        add(Signature.of("causal_mask", 1, "s", "window"));
        add(Signature.of("causal_zero", 1, "s", "window"));
        add(Signature.of("shift", 1, "x", "steps"));
        add(Signature.of("rope", 1, "x"));
        add(Signature.of("positions", 1, "x"));
        add(Signature.of("split_heads", 2, "x", "heads"));
        add(Signature.of("merge_heads", 1, "x"));
        add(Signature.of("transpose", 1, "x", "a", "b"));
        add(Signature.of("unsqueeze", 2, "x", "dim"));
        add(Signature.of("squeeze", 2, "x", "dim"));
        add(Signature.of("flatten", 1, "x"));
        add(new Signature("concat", List.of(), 0, true, Set.of("dim")));
        add(Signature.of("split", 2, "x", "parts", "dim"));
        add(Signature.of("slice", 3, "x", "start", "end", "dim"));
        for (String r : REDUCTIONS) {
            add(Signature.of(r, 1, "x", "dim", "keepdim"));
        }
        for (String r : SPREADS) {
            add(Signature.of(r, 1, "x", "dim", "keepdim"));
        }
        add(Signature.of("size", 2, "x", "dim"));
    }

    private Primitives() {
    }

    private static void add(Signature s) {
        SIGNATURES.put(s.name(), s);
    }

    public static boolean isPrimitive(String name) {
        return SIGNATURES.containsKey(name);
    }

    public static Signature signature(String name) {
        return SIGNATURES.get(name);
    }

    public static Set<String> names() {
        return SIGNATURES.keySet();
    }

    /** {@code repeat(n, block, x, ...)} passes its keyword arguments on to the block. */
    public static final Signature REPEAT = new Signature("repeat", List.of("n", "block", "x"), 3, false, Set.of());
    /** {@code scan(step, x1, x2, ..., state=(...))}. */
    public static final Signature SCAN = new Signature("scan", List.of("step"), 1, true, Set.of("state"));
}
