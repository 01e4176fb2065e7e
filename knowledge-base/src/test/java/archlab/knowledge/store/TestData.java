package archlab.knowledge.store;

/** Small definitions for store tests: {@link #tiny(int)} differs in shape, and so in canonical hash, for every n. */
public final class TestData {
    private TestData() {
    }

    /** A tiny valid model whose MLP is {@code 16 + n} wide: a distinct canonical hash for each n. */
    public static String tiny(int n) {
        return "arch tiny_" + n + "\n"
                + "param d = 16\n"
                + "\n"
                + "model(tokens):\n"
                + "    x = embed(tokens, d)\n"
                + "    h = x + mlp(rmsnorm(x), " + (16 + n) + ")\n"
                + "    return lm_head(rmsnorm(h))\n";
    }

    /** A definition that does not check: it uses a name it never defined. */
    public static final String BROKEN = "model(tokens):\n    x = embed(tokens, 32)\n    return linear(undefined_name, vocab)\n";
}
