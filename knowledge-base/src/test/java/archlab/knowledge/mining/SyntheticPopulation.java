package archlab.knowledge.mining;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random valid definitions for mining tests: a residual stack whose mixer is a few random single-assignment
 * statements over linear maps, activations, short convolutions, shifts, norms, sums and products, and a
 * random channel mixer. A chosen share of them has {@link #MOTIF} planted as one statement, on a random
 * operand and read by random later code, and a higher fitness.
 */
final class SyntheticPopulation {
    /** The planted motif; {@code U} is its operand. */
    static final String MOTIF = "silu(linear(U, d)) * sigmoid(conv1d(U, 4))";

    /** One generated experiment. */
    record Member(String id, String source, boolean planted, boolean failed, Double fitness) {
    }

    private final Random random;

    SyntheticPopulation(long seed) {
        this.random = new Random(seed);
    }

    /**
     * {@code n} definitions; {@code planted} of them carry the motif. {@code failures} of the others failed
     * (no fitness). Fitness: about 0.5 without the motif, 0.6 with it.
     */
    List<Member> generate(int n, int planted, int failures) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, random);
        List<Member> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int rank = order.indexOf(i);
            boolean plant = rank < planted;
            boolean failed = !plant && rank >= planted && rank < planted + failures;
            String id = String.format("e%03d", i);
            String source = definition(id, plant);
            Double fitness = failed ? null : (plant ? 0.6 : 0.5) + 0.05 * random.nextGaussian();
            out.add(new Member(id, source, plant, failed, fitness));
        }
        return out;
    }

    String definition(String name, boolean plant) {
        int d = random.nextBoolean() ? 32 : 64;
        int layers = 1 + random.nextInt(2);
        StringBuilder b = new StringBuilder();
        b.append("arch ").append(name).append('\n');
        b.append("param d = ").append(d).append('\n');
        b.append("param layers = ").append(layers).append("\n\n");
        b.append("block mixer(x):\n");
        List<String> names = new ArrayList<>(List.of("x"));
        List<Boolean> used = new ArrayList<>(List.of(false));
        int statements = 2 + random.nextInt(3);
        int plantAt = plant ? random.nextInt(statements) : -1;
        for (int s = 0; s < statements; s++) {
            String expr;
            if (s == plantAt) {
                int u = random.nextInt(names.size());
                used.set(u, true);
                expr = MOTIF.replace("U", names.get(u));
            } else {
                expr = expression(names, used, 2);
            }
            String v = "v" + (s + 1);
            b.append("    ").append(v).append(" = ").append(expr).append('\n');
            names.add(v);
            used.add(false);
        }
        List<String> unused = new ArrayList<>();
        for (int i = 1; i < names.size(); i++) {
            if (!used.get(i)) {
                unused.add(names.get(i));
            }
        }
        if (!used.get(0) && unused.isEmpty()) {
            unused.add("x");
        }
        b.append("    return linear(").append(String.join(" + ", unused)).append(", d)\n\n");
        b.append("block layer(x):\n");
        b.append("    h = x + mixer(rmsnorm(x))\n");
        b.append("    return h + ").append(channelMixer()).append("\n\n");
        b.append("model(tokens):\n");
        b.append("    x = embed(tokens, d)\n");
        b.append("    x2 = repeat(layers, layer, x)\n");
        b.append("    return lm_head(rmsnorm(x2))\n");
        return b.toString();
    }

    private String channelMixer() {
        return switch (random.nextInt(4)) {
            case 0 -> "mlp(rmsnorm(h), 4 * d)";
            case 1 -> "swiglu(rmsnorm(h), 2 * d)";
            case 2 -> "glu(rmsnorm(h), 2 * d)";
            default -> "linear(gelu(linear(rmsnorm(h), 2 * d)), d)";
        };
    }

    /** A random [B, T, d] expression over the names so far. */
    private String expression(List<String> names, List<Boolean> used, int depth) {
        if (depth == 0 || random.nextInt(4) == 0) {
            int i = random.nextInt(names.size());
            used.set(i, true);
            return names.get(i);
        }
        String a = expression(names, used, depth - 1);
        return switch (random.nextInt(11)) {
            case 0 -> "linear(" + a + ", d)";
            case 1 -> "gelu(linear(" + a + ", d))";
            case 2 -> "tanh(" + a + ")";
            case 3 -> "relu(linear(" + a + ", d))";
            case 4 -> "conv1d(" + a + ", " + (2 + random.nextInt(2)) + ")";
            case 5 -> "shift(" + a + ")";
            case 6 -> "rmsnorm(" + a + ")";
            case 7 -> a + " * " + expression(names, used, depth - 1);
            case 8 -> a + " + " + expression(names, used, depth - 1);
            case 9 -> "sigmoid(linear(" + a + ", d)) * " + expression(names, used, depth - 1);
            default -> "linear(relu(linear(" + a + ", 2 * d)), d)";
        };
    }
}
