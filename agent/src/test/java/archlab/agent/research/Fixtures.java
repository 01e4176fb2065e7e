package archlab.agent.research;

import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.papers.PaperNote;
import archlab.knowledge.similarity.Outcome;
import archlab.knowledge.similarity.SimilarHit;
import archlab.knowledge.store.Directive;
import archlab.knowledge.store.DirectiveStatus;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Subroutine;
import java.util.List;
import java.util.Map;

/** Definitions and contexts shared by the research tests: a tiny linear-attention model and its family. */
public final class Fixtures {
    private Fixtures() {
    }

    /** The parent: one layer of normalised linear attention, d 16, 2 heads; 9,248 parameters at vocab 256. */
    public static final String PARENT = """
            arch tiny_la
            param d = 16
            param heads = 2

            block mixer(x):
                q = elu1(split_heads(linear(x, d), heads))
                k = elu1(split_heads(linear(x, d), heads))
                v = split_heads(linear(x, d), heads)
                return linear(merge_heads(linear_attention(q, k, v)), d)

            model(tokens):
                x = embed(tokens, d)
                h = x + mixer(rmsnorm(x))
                return lm_head(rmsnorm(h))
            """;

    /** The child with short convolutions on q and k, but a shape error at 10:34 ('*' of [B, T, 16] and [B, 2, T, 8]). */
    public static final String CHILD_INVALID = """
            arch tiny_la_conv
            param d = 16
            param heads = 2

            block mixer(x):
                q = elu1(split_heads(short_conv(linear(x, d)), heads))
                k = elu1(split_heads(short_conv(linear(x, d)), heads))
                v = split_heads(linear(x, d), heads)
                o = linear_attention(q, k, v)
                return linear(merge_heads(o) * q, d)

            model(tokens):
                x = embed(tokens, d)
                h = x + mixer(rmsnorm(x))
                return lm_head(rmsnorm(h))
            """;

    /** The same child, repaired. */
    public static final String CHILD_CONV = """
            arch tiny_la_conv
            param d = 16
            param heads = 2

            block mixer(x):
                q = elu1(split_heads(short_conv(linear(x, d)), heads))
                k = elu1(split_heads(short_conv(linear(x, d)), heads))
                v = split_heads(linear(x, d), heads)
                o = linear_attention(q, k, v)
                return linear(merge_heads(o), d)

            model(tokens):
                x = embed(tokens, d)
                h = x + mixer(rmsnorm(x))
                return lm_head(rmsnorm(h))
            """;

    /** Another child: softmax attention instead of linear attention. */
    public static final String CHILD_SOFTMAX = """
            arch tiny_softmax
            param d = 16
            param heads = 2

            block mixer(x):
                q = rope(split_heads(linear(x, d), heads))
                k = rope(split_heads(linear(x, d), heads))
                v = split_heads(linear(x, d), heads)
                return linear(merge_heads(softmax_attention(q, k, v)), d)

            model(tokens):
                x = embed(tokens, d)
                h = x + mixer(rmsnorm(x))
                return lm_head(rmsnorm(h))
            """;

    /** The parent as stored: done, with metrics, a curve and an analysis. */
    public static Experiment parent(String campaignId) {
        return Experiment.builder("exp-parent", campaignId).name("tiny_la")
                .hypothesis(new Hypothesis("Linear attention baseline", "A matrix-state RNN as the starting point",
                        "accuracy above chance"))
                .checkedDefinition(PARENT).status(ExperimentStatus.DONE).fitness(0.42)
                .metrics("{\"mqar\": {\"accuracy\": 0.3125, \"loss\": 2.1}}")
                .curves("{\"mqar\": [{\"step\": 10, \"loss\": 3.4, \"lr\": 0.003},"
                        + " {\"step\": 20, \"loss\": 2.2, \"lr\": 0.002, \"eval\": {\"accuracy\": 0.3125, \"loss\": 2.1}}]}")
                .analysis("{\"explanation\": \"The state saturates: recall falls as more pairs are stored.\","
                        + " \"insight\": \"Sharper keys should help recall.\"}")
                .build();
    }

    public static Experiment sibling(String campaignId, String id, String title, Double fitness) {
        return Experiment.builder(id, campaignId).hypothesis(new Hypothesis(title, "motivation of " + title, null))
                .status(fitness == null ? ExperimentStatus.FAILED : ExperimentStatus.DONE).fitness(fitness)
                .failure(fitness == null ? "diverged" : null, fitness == null ? "loss became NaN at step 7" : null)
                .build();
    }

    public static PaperIndex.Hit paper(String slug, String title, String code) {
        PaperNote note = new PaperNote(slug, title, List.of("A. Author"), 2024, null, List.of("linear-attention"),
                "Short convolutions on q and k sharpen recall in linear attention.",
                List.of("recall falls with the number of pairs"), "Convolve q and k over a few steps.",
                "Apply short_conv before split_heads.", code);
        return new PaperIndex.Hit(note, 0.82, 0.8, 0.5, "recall falls with the number of pairs");
    }

    /** A full context around {@link #parent}: two siblings, two papers, a similar hit, a subroutine, a directive. */
    public static ResearchContext context(String campaignId) {
        Experiment parent = parent(campaignId);
        return new ResearchContext(campaignId, "mqar", parent, null,
                List.of(sibling(campaignId, "exp-sib-a", "Wider state", 0.51),
                        sibling(campaignId, "exp-sib-b", "ReLU feature map", null),
                        sibling(campaignId, "exp-sib-c", "Two heads more", 0.47)),
                List.of(), List.of(),
                List.of(paper("short-conv", "Short convolutions for recall",
                                "q = split_heads(short_conv(linear(x, d)), heads)"),
                        paper("deltanet", "Parallelizing Linear Transformers with the Delta Rule", null)),
                List.of(new SimilarHit("exp-old", 0.77, false, 0.8, 0.7, Outcome.failed("diverged", "NaN at step 9"))),
                List.of(new Subroutine("sub-1", campaignId, "gated_norm", "block gated_norm(x):\n    return rmsnorm(x) * sigmoid(x)\n",
                        3, 0.6, 0.4, 1, null, null, null)),
                List.of(new Directive(1L, campaignId, 1, "Keep parameters under 20k.", null, DirectiveStatus.APPLIED,
                        null, null, null)));
    }

    /** A proposal for the short-convolution child, requiring short_conv. */
    public static Proposal convProposal() {
        return new Proposal("Short conv on q and k", "Sharper keys from local context should improve recall",
                "accuracy up by 0.2", "accuracy", "may slow early training",
                new Direction(Move.APPLY_INSIGHT, "Apply short convolutions", List.of("short-conv")),
                Map.of(CodingGate.REQUIRES, "short_conv"));
    }
}
