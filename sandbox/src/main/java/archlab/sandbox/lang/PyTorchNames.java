package archlab.sandbox.lang;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a PyTorch name is called in archlab, or the idiom that replaces it, for "did you mean"
 * messages: someone porting {@code torch.clamp}, {@code F.layer_norm} or {@code masked_fill} gets the
 * archlab spelling instead of "unknown op". docs/porting-from-pytorch.md explains each idiom.
 */
public final class PyTorchNames {
    private static final Map<String, String> SPELLINGS = new TreeMap<>();

    static {
        // same op, another name
        spelled("clip", "clamp(x, lo, hi)");
        spelled("clamp_min", "clamp(x, lo=...) or maximum(x, y)");
        spelled("clamp_max", "clamp(x, hi=...) or minimum(x, y)");
        spelled("hardtanh", "clamp(x, -1, 1)");
        spelled("relu6", "clamp(x, 0, 6)");
        spelled("layer_norm", "layernorm(x)");
        spelled("rms_norm", "rmsnorm(x)");
        spelled("rmsnorm2d", "rmsnorm(x)");
        spelled("group_norm", "rmsnorm or layernorm per head: merge_heads(layernorm(split_heads(x, groups)))");
        spelled("swish", "silu(x)");
        spelled("embedding", "embed(tokens, dim)");
        spelled("cat", "concat(a, b, dim=-1)");
        spelled("stack", "concat(unsqueeze(a, d), unsqueeze(b, d), dim=d)");
        spelled("chunk", "split(x, parts, dim=-1)");
        spelled("narrow", "slice(x, start, end, dim)");
        spelled("permute", "transpose(x, a, b), one swap at a time");
        spelled("swapaxes", "transpose(x, a, b)");
        spelled("amax", "max(x, dim)");
        spelled("bmm", "a @ b");
        spelled("mm", "a @ b");
        spelled("outer", "unsqueeze(a, -1) @ unsqueeze(b, -2)");
        spelled("linalg_norm", "norm(x, dim, keepdim)");
        spelled("vector_norm", "norm(x, dim, keepdim)");
        spelled("normalize", "l2norm(x) (standard library), or x / norm(x, -1, keepdim=true)");
        spelled("logsigmoid", "-softplus(-x)");
        spelled("log_softmax", "log(softmax(x, dim))");
        spelled("logsumexp", "log(sum(exp(x), dim))");
        spelled("rsqrt", "x ** -0.5");
        spelled("reciprocal", "1 / x");
        spelled("square", "x ** 2");
        spelled("pow", "x ** p");
        spelled("sgn", "sign(x)");
        spelled("argsort", "sort(x, dim) (values only: archlab has no integer tensors)");
        spelled("arange", "positions(x) along time, or cumsum(x * 0 + 1, -1) along a feature dim");
        spelled("zeros_like", "x * 0");
        spelled("ones_like", "x * 0 + 1");
        spelled("full_like", "x * 0 + c");
        spelled("identity", "eye(n) for the matrix, init=identity for a weight's start");
        spelled("diag_embed", "unsqueeze(x, -1) * eye(n)");
        spelled("scaled_dot_product_attention", "softmax_attention(q, k, v) (standard library)");
        spelled("multi_head_attention_forward", "softmax_attention(q, k, v) over split_heads(...)");
        // an idiom instead of an op
        spelled("einsum", "no einsum: move the contracted dim last with transpose/unsqueeze and use @, or multiply "
                + "with broadcasting and sum(x, dim); docs/porting-from-pytorch.md shows the common contractions");
        spelled("masked_fill", "causal_mask(s) or causal_zero(s) for a causal mask over [..., T, T]; "
                + "where(cond, fill, x) for any other mask");
        spelled("tril", "causal_zero(s) (keep j <= i, zeros above), or causal_mask(s) for -inf");
        spelled("triu", "a causal model reads no upper triangle: causal_zero(s) / causal_mask(s) keep the lower one");
        spelled("ones", "parameter(n, init=1) for a learnable constant, or x * 0 + 1");
        spelled("zeros", "parameter(n, init=0) for a learnable start, or x * 0");
        spelled("full", "parameter(n, init=c), or x * 0 + c");
        spelled("randn", "parameter(n, std=s)");
        spelled("view", "split_heads, merge_heads, flatten, unsqueeze or squeeze");
        spelled("reshape", "split_heads, merge_heads, flatten, unsqueeze or squeeze");
        spelled("rearrange", "split_heads(x, h) for 'b t (h d) -> b h t d', merge_heads(x) for the way back");
        spelled("repeat_interleave", "broadcasting: unsqueeze then multiply by ones, or concat");
        spelled("expand", "broadcasting happens by itself in + - * / and where");
        spelled("pad", "shift(x, steps) delays along time with zeros; conv1d is causal already");
        spelled("roll", "shift(x, steps) (zeros enter, nothing wraps around)");
        spelled("dropout", "nothing: archlab trains without dropout");
        spelled("index_select", "gather(x, (i0, i1, ...), dim) with indices known at check time");
        spelled("take_along_dim", "gather(x, (i0, i1, ...), dim) with static indices; computed indices do not exist");
        spelled("cumprod", "exp(cumsum(log(x)))");
        spelled("mish", "x * tanh(softplus(x))");
        spelled("softsign", "x / (1 + abs(x))");
        spelled("hardsigmoid", "clamp(x / 6 + 0.5, 0, 1)");
        spelled("leaky_relu", "maximum(x, 0.01 * x)");
        spelled("selu", "elu(x) scaled: 1.0507 * where(x, x, 1.6733 * elu(x))");
        spelled("step", "progress() in [0, 1] is the training progress; schedules are functions of it");
        spelled("training_step", "progress() in [0, 1]");
        spelled("global_step", "progress() in [0, 1]");
    }

    private static final Map<String, String> INITIALISERS = Map.of(
            "xavier_uniform", "uniform(bound) with bound = sqrt(6 / (fan_in + fan_out))",
            "xavier_normal", "normal(std) with std = sqrt(2 / (fan_in + fan_out))",
            "kaiming_uniform", "uniform(bound) with bound = sqrt(6 / fan_in)",
            "kaiming_normal", "normal(std) with std = sqrt(2 / fan_in)",
            "trunc_normal", "normal(std)",
            "orthogonal", "identity, or normal(std)",
            "eye", "identity",
            "ones", "1",
            "constant", "the number itself, as in init=0.5");

    private PyTorchNames() {
    }

    private static void spelled(String torch, String archlab) {
        SPELLINGS.put(torch, archlab);
    }

    /** The archlab spelling of a PyTorch name, or null; case and a trailing underscore (in-place) are ignored. */
    public static String archlabFor(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        if (key.endsWith("_") && key.length() > 1) {
            key = key.substring(0, key.length() - 1);
        }
        return SPELLINGS.get(key);
    }

    /** "; in archlab: ..." for a PyTorch name, or "". */
    public static String hint(String name) {
        String a = archlabFor(name);
        return a == null ? "" : "; in archlab this is " + a;
    }

    /** "; for PyTorch's X use ..." for a torch.nn.init name given to init=, or "". */
    static String initialiserHint(String name) {
        String key = name.toLowerCase(Locale.ROOT).replaceAll("_$", "");
        String a = INITIALISERS.get(key);
        return a == null ? "" : "; for PyTorch's " + key + " write init=" + a;
    }

    /** Every PyTorch name with an archlab spelling, for tests and docs. */
    public static Map<String, String> spellings() {
        return java.util.Collections.unmodifiableMap(SPELLINGS);
    }
}
