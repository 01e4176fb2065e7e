package archlab.tools;

import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.Cost;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.lang.Ast;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Library;
import archlab.sandbox.lang.Primitives;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Tool: estimate a definition's parameters and forward FLOPs per token, exactly as the checker counts them
 * (docs/language.md, "Analysis"), at a chosen sequence length and vocabulary, with the split over its parts:
 * ops grouped by the first two levels of their block path, repeated layers folded together
 * ({@code layer[*]/mixer}). At most {@value #MAX_PARTS} parts, largest FLOPs first.
 */
public final class CostEstimator {
    public static final int MAX_PARTS = 12;
    public static final int MAX_CHARS = 2500;

    /** One part of the model and what it costs. */
    public record Part(String scope, long params, double flopsPerToken, int ops) {
    }

    /** The cost of a definition at {@code seqLen} and {@code vocab}. */
    public record Estimate(String name, long params, double flopsPerToken, int seqLen, int vocab, List<Part> parts,
                           int partsLeftOut) {
        public Estimate {
            parts = List.copyOf(parts);
        }

        public String render() {
            BoundedText t = new BoundedText(MAX_CHARS);
            t.line("%s: %s parameters, %s FLOPs per token at seq_len %d, vocab %d", name, BoundedText.count(params),
                    BoundedText.number(flopsPerToken), seqLen, vocab);
            for (Part p : parts) {
                t.line("  %s: %s parameters, %s FLOPs/token, %d ops", p.scope(), BoundedText.count(p.params()),
                        BoundedText.number(p.flopsPerToken()), p.ops());
            }
            if (partsLeftOut > 0) {
                t.line("  … %d smaller parts", partsLeftOut);
            }
            return t.toString();
        }
    }

    private final Library library;

    public CostEstimator(Library library) {
        this.library = Objects.requireNonNull(library, "library");
    }

    /**
     * The cost of a definition. {@code seqLen} and {@code vocab} null take the file's own defaults (its
     * {@code param seq_len} and {@code param vocab}, else 128 and 256).
     *
     * @throws IllegalArgumentException with the first error when the definition does not check, or for a
     *                                  non-positive size
     */
    public Estimate estimate(String source, Integer seqLen, Integer vocab) {
        Objects.requireNonNull(source, "source");
        Map<String, Integer> overrides = new HashMap<>();
        if (seqLen != null) {
            require(seqLen, "seq_len");
            overrides.put("seq_len", seqLen);
        }
        if (vocab != null) {
            require(vocab, "vocab");
            overrides.put("vocab", vocab);
        }
        ModelDefinition d;
        try {
            d = ModelDefinition.parse(source, "candidate.arch", library, overrides);
        } catch (DefinitionException e) {
            throw new IllegalArgumentException("the definition does not check: " + e.first().render());
        }
        int t = seqLen != null ? seqLen : fileDefault(d.program(), "seq_len");
        int v = vocab != null ? vocab : fileDefault(d.program(), "vocab");
        Map<String, long[]> params = new HashMap<>();
        Map<String, double[]> flops = new HashMap<>();
        for (OpNode n : d.graph().dag().vertexSet()) {
            String scope = part(n.scope());
            long w = n.body() != null ? Cost.parameters(n.body()) : n.weights();
            params.computeIfAbsent(scope, k -> new long[2])[0] += w;
            params.get(scope)[1]++;
            flops.computeIfAbsent(scope, k -> new double[1])[0] += Cost.flops(n, t) / t;
        }
        List<Part> parts = new ArrayList<>();
        for (String scope : params.keySet()) {
            parts.add(new Part(scope, params.get(scope)[0], flops.get(scope)[0], (int) params.get(scope)[1]));
        }
        parts.sort(Comparator.comparingDouble(Part::flopsPerToken).reversed()
                .thenComparing(Comparator.comparingLong(Part::params).reversed()).thenComparing(Part::scope));
        int left = Math.max(0, parts.size() - MAX_PARTS);
        return new Estimate(d.name(), d.parameterCount(), d.flopsPerToken(), t, v,
                parts.subList(0, Math.min(MAX_PARTS, parts.size())), left);
    }

    /** {@code layer[3]/mixer/delta_rule/l2norm} → {@code layer[*]/mixer}; model-level ops → {@code model}. */
    static String part(String scope) {
        if (scope == null || scope.isEmpty()) {
            return "model";
        }
        String[] path = scope.replaceAll("\\[\\d+]", "[*]").split("/");
        return path.length == 1 ? path[0] : path[0] + "/" + path[1];
    }

    private static int fileDefault(Ast.Program program, String name) {
        for (Ast.Param p : program.params()) {
            if (p.name().equals(name) && p.value() instanceof Ast.Num n && n.integer()) {
                return (int) n.value();
            }
        }
        return Primitives.BUILTIN_PARAMS.get(name);
    }

    private static void require(int v, String name) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
    }

    @Tool(name = "estimate_cost", value = "Estimate a model definition's parameter count and forward FLOPs per token,"
            + " in total and per part (layer[*]/mixer, layer[*]/mlp, ...), at a sequence length and vocabulary.")
    public String estimateCost(
            @P(name = "definition", value = "the full model definition") String definition,
            @P(name = "seq_len", value = "sequence length; default the file's own", required = false) Integer seqLen,
            @P(name = "vocab", value = "vocabulary size; default the file's own", required = false) Integer vocab) {
        if (definition == null || definition.isBlank()) {
            return "error: the definition is empty";
        }
        try {
            return estimate(definition, seqLen, vocab).render();
        } catch (IllegalArgumentException e) {
            return "error: " + e.getMessage();
        }
    }
}
