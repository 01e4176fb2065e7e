package archlab.agent.research.offline;

import static archlab.agent.research.Move.APPLY_INSIGHT;
import static archlab.agent.research.Move.MUTATE;
import static archlab.agent.research.Move.RECOMBINE;
import static archlab.agent.research.Move.REFINE;
import static archlab.agent.research.Move.REUSE_SUBROUTINE;

import archlab.agent.research.Move;
import archlab.tools.Symptoms;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The offline policy's catalogue of design moves, in the order docs/offline-policy.md lists them. Diagnosis
 * labels come from {@link Symptoms} (one result on its own) and {@link Diagnosis} (a result against its
 * family); paper ids are slugs of knowledge-base/papers.
 */
final class DesignCatalogue {
    private DesignCatalogue() {
    }

    private static Pattern p(String regex) {
        return Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
    }

    private static final Set<Move> EDIT = Set.of(MUTATE, REFINE, APPLY_INSIGHT);

    static final List<DesignMove> ALL = List.of(
            new DesignMove("swap-feature-map", "Swap the feature map",
                    "the kernel on q·k: elu+1, ReLU, L2-normalised q/k, the Taylor kernel; softmax ↔ linear",
                    EDIT, List.of(Symptoms.RECALL_LOW, Symptoms.PLATEAU, Symptoms.NAN, Diagnosis.WORSE_THAN_PARENT),
                    List.of("hedgehog", "based", "performer", "linear-attention"), List.of("feature-map"),
                    p("feature map|kernel|diffuse|uniform rows|sharp|spiky|softmax.*(gap|short)|normaliser near zero"),
                    p("feature.?map|kernel|taylor|elu"),
                    "How sharply q·k separates keys decides what a linear kernel can recall; positive, sharper maps"
                            + " (the Taylor expansion of exp) spread less weight over irrelevant keys.",
                    "higher recall-bound accuracy, or a stabler loss for L2-normalised q/k",
                    "a sharper kernel grows the state (Taylor) or can make the normaliser small and the loss spiky",
                    KernelEdits.FEATURE_MAP),
            new DesignMove("add-decay", "Add a data-dependent decay",
                    "gates the state: linear attention / retention → decayed linear attention with g = σ(Wx)^(1/s);"
                            + " delta rule → gated delta rule; softmax → forgetting attention",
                    EDIT, List.of(Symptoms.PLATEAU, Symptoms.STILL_IMPROVING, Diagnosis.WORSE_THAN_PARENT),
                    List.of("gated-linear-attention", "gated-deltanet", "forgetting-transformer", "mamba-2", "retnet"),
                    List.of("decay", "selectivity", "gating"),
                    p("forget|decay|stale|selective|filler|irrelevant|only accumulates|recent context"),
                    p("decay|forget|gate"),
                    "A state that only accumulates weighs old tokens as much as new ones; a decay computed from the"
                            + " input lets the model choose what to keep.",
                    "lower loss on tasks with irrelevant filler and a steadier state at long lengths",
                    "too fast a decay forgets the keys that recall needs; the gate's sharpness matters",
                    KernelEdits.DECAY),
            new DesignMove("add-short-conv", "Add a short convolution before q/k",
                    "short_conv(·, kernel) on the projections of q and k (and v) before split_heads",
                    EDIT, List.of(Symptoms.RECALL_LOW, Symptoms.PLATEAU, Symptoms.NO_LEARNING, Symptoms.STILL_IMPROVING),
                    List.of("canon-layers", "primer", "induction-heads", "h3", "deltanet", "based"),
                    List.of("short-convolution", "associative-recall"),
                    p("short conv|local|induction|previous.token|token shift|n-gram|plateau.*1/pairs|recall"),
                    p("conv|shift"),
                    "Giving keys direct access to the previous tokens lets one layer form an induction circuit, the"
                            + " mechanism behind associative recall.",
                    "faster learning and higher accuracy on recall tasks at almost no extra parameters",
                    "little effect when the kernel already mixes locally; a long kernel blurs exact positions",
                    KernelEdits.SHORT_CONV),
            new DesignMove("identity-start", "Start the filters at the identity",
                    "every conv1d and short_conv → conv1d(x, k, bias=false, init=dirac): each filter first passes"
                            + " x[t] through, without bias",
                    EDIT, List.of(Symptoms.NO_LEARNING, Symptoms.PLATEAU, Symptoms.LOSS_SPIKES),
                    List.of("asi-arch", "deltanet", "canon-layers"), List.of("short-convolution", "stability"),
                    p("identity|dirac|random filter|blurs? the (input|token)|initiali[sz]|starts? (random|noisy)"),
                    p("identity|dirac|init|start"),
                    "A randomly started filter blurs the current token into its neighbours before the model has"
                            + " learnt anything; starting at the identity keeps the signal exact and lets training"
                            + " add the context it needs, as many of ASI-Arch's DeltaNet variants do.",
                    "faster early learning on recall tasks; otherwise the same mechanism",
                    "an identity start can leave a filter unused, and without bias a filter cannot shift its output",
                    StartEdits.IDENTITY_START),
            new DesignMove("anneal-floor", "Anneal a floor on a gate",
                    "a sigmoid gate g → maximum(g, f · (1 − clamp(progress() / 0.5, 0, 1))), f = 0.1 or 0.3: the gate"
                            + " cannot close early in training, and the floor is gone by the middle",
                    EDIT, List.of(Symptoms.NO_LEARNING, Symptoms.PLATEAU, Diagnosis.WORSE_THAN_PARENT),
                    List.of("asi-arch", "deltanet", "gated-deltanet"), List.of("gating", "stability"),
                    p("gate(s)? (collapse|close|saturat|stuck)|dead gate|starv|floor|anneal|schedule|warm.?up"),
                    p("floor|anneal|schedule|progress"),
                    "A sigmoid gate that closes early (a write strength or a router weight near 0) starves its path"
                            + " of gradient; a floor that anneals away keeps every path trained at the start and"
                            + " leaves the trained model free.",
                    "faster early learning where a gate collapsed; the same model at the end of training",
                    "a floor too high for too long trains a model the final one no longer resembles",
                    StartEdits.ANNEALED_FLOOR),
            new DesignMove("delta-rule", "Switch to the delta rule",
                    "replaces the kernel with delta_rule(q, k, v, β) (β = σ(Wx) per head) and a per-head norm; the"
                            + " gated variant keeps a decay",
                    EDIT, List.of(Symptoms.RECALL_LOW, Symptoms.RECALL_FALLS_WITH_LENGTH, Symptoms.RECALL_FALLS_WITH_GAP,
                            Symptoms.PLATEAU),
                    List.of("deltanet", "gated-deltanet", "longhorn", "deltaproduct"),
                    List.of("delta-rule", "associative-recall"),
                    p("overwrit|interfer|additive writes|collapses as .pairs|blend of old and new|revisit"),
                    p("delta"),
                    "Additive writes pile keys on top of each other; the delta rule replaces the value stored under"
                            + " a key, so a fixed state holds more distinct associations.",
                    "higher recall as the number of pairs grows",
                    "a sequential scan trains slower; large or unnormalised keys can destabilise the update",
                    KernelEdits.DELTA_RULE),
            new DesignMove("widen-state", "Widen the state",
                    "2× or 4× the q/k width of a stateful kernel (d_k of its d_k × d_v state), or the scan state size"
                            + " of an SSM",
                    EDIT, List.of(Symptoms.RECALL_LOW, Symptoms.RECALL_FALLS_WITH_LENGTH, Symptoms.RECALL_FALLS_WITH_GAP),
                    List.of("zoology", "based", "mamba-2"), List.of("recurrent-state", "associative-recall"),
                    p("state.?(size|limited)|state is too small|grow the state|improves steadily with .d|width"),
                    p("state|wider|widen"),
                    "A fixed-size memory recalls at most as many associations as its state can hold; recall-bound"
                            + " tasks improve with state size.",
                    "higher recall accuracy at more parameters and FLOPs",
                    "more memory and compute per token; no help when the mechanism, not the size, is the limit",
                    KernelEdits.WIDEN_STATE),
            new DesignMove("hybrid-window", "Hybridise with sliding-window attention",
                    "adds a sliding-window softmax attention sublayer after the token mixer (or restricts full"
                            + " softmax attention to a window)",
                    EDIT, List.of(Symptoms.RECALL_LOW, Symptoms.RECALL_FALLS_WITH_LENGTH, Symptoms.RECALL_FALLS_WITH_GAP,
                            Diagnosis.SLOWER_THAN_PARENT, Symptoms.OUT_OF_MEMORY, Symptoms.TIMED_OUT),
                    List.of("based", "griffin", "sliding-window-attention", "jamba", "zoology", "h3"),
                    List.of("sliding-window", "hybrid"),
                    p("local|window|exact recent|precise|copy|too (costly|expensive)|hybrid"),
                    p("window|sliding|hybrid|local"),
                    "Exact attention over a short window recovers precise local lookups that a fixed state blurs, at a"
                            + " cost linear in the sequence length.",
                    "higher recall of recent keys; for a localised Transformer, similar accuracy at lower cost",
                    "queries beyond the window still depend on the recurrent part; more parameters per layer",
                    LayerEdits.HYBRID_WINDOW),
            new DesignMove("change-norm", "Change the norms",
                    "a per-head RMSNorm on a kernel's output, QK-norm, a sandwich norm after the mixer, or RMSNorm ↔"
                            + " LayerNorm for the pre-norms",
                    Set.of(MUTATE, REFINE), List.of(Symptoms.DIVERGED_AFTER_WARMUP, Symptoms.DIVERGED_DURING_WARMUP,
                            Symptoms.DIVERGED, Symptoms.NAN, Symptoms.LOSS_SPIKES, Symptoms.NO_LEARNING),
                    List.of("rmsnorm", "pre-layer-norm", "retnet", "jamba"), List.of("normalization", "stability"),
                    p("diverg|nan|spike|unstable|explod|grow(s)? with sequence length|outlier"),
                    p("norm"),
                    "Unnormalised mixer outputs grow with sequence length and heads drift in scale; a norm in the"
                            + " right place bounds them so the learning rate can stay high.",
                    "stable training where the parent diverged or spiked; similar quality otherwise",
                    "an extra norm can hide a real scale signal; LayerNorm and RMSNorm rarely differ in quality",
                    KernelEdits.NORM),
            new DesignMove("change-gating", "Change the gating",
                    "a SiLU output gate on a kernel's merged heads, or SiLU ↔ sigmoid for an existing gate",
                    EDIT, List.of(Symptoms.PLATEAU, Symptoms.NO_LEARNING, Diagnosis.WORSE_THAN_PARENT),
                    List.of("gated-linear-attention", "retnet", "glu-variants", "mamba"), List.of("gating"),
                    p("gat|multiplicative|expressiv"),
                    p("gat"),
                    "A multiplicative gate lets each channel switch the mixer's output off by content, which recurrent"
                            + " and linear mixers lack.",
                    "lower loss at a small parameter cost",
                    "a gate initialised near zero can slow early learning",
                    KernelEdits.GATING),
            new DesignMove("swap-channel-mixer", "Swap the channel mixer",
                    "mlp ↔ swiglu / glu in the layer, keeping the parameter count",
                    Set.of(MUTATE, REFINE, APPLY_INSIGHT), List.of(Symptoms.PLATEAU, Symptoms.NO_LEARNING),
                    List.of("glu-variants", "primer"), List.of("channel-mixer"),
                    p("channel mixer|mlp|ffn|glu"),
                    p("mlp|glu|ffn|channel"),
                    "Gated linear units make the channel mixer multiplicative at the same parameter count, which"
                            + " usually lowers loss.",
                    "slightly lower loss at equal parameters",
                    "on pure recall tasks the channel mixer rarely matters",
                    LayerEdits.CHANNEL_MIXER),
            new DesignMove("resize", "Resize",
                    "the width d, the heads or the number of layers (the params d, heads, layers)",
                    Set.of(MUTATE, REFINE), List.of(Symptoms.OVERFITTING, Symptoms.STILL_IMPROVING,
                            Symptoms.OUT_OF_MEMORY, Symptoms.TIMED_OUT, Diagnosis.BIGGER_FOR_NO_GAIN,
                            Diagnosis.SLOWER_THAN_PARENT, Symptoms.NO_LEARNING),
                    List.of("zoology", "nas-evaluation-is-frustratingly-hard"), List.of("evaluation"),
                    p("undertrain|overfit|too (small|large)|capacity|budget|improves steadily with"),
                    p("width|size|layers|heads|bigger|smaller|deeper|shallower"),
                    "Size is the first thing to rule out: a design can look worse only because it is smaller, slower"
                            + " to train or overfits.",
                    "tells a size effect from a mechanism effect",
                    "a size change is not a new mechanism; it costs a trial",
                    LayerEdits.RESIZE),
            new DesignMove("splice-subroutine", "Splice in a mined subroutine",
                    "a one-input block mined from the campaign's best experiments, as a residual branch after the"
                            + " token mixer",
                    Set.of(REUSE_SUBROUTINE), List.of(),
                    List.of("fasta-star", "asi-arch"), List.of("subroutine-mining"),
                    p("subroutine|reuse|building block"),
                    p("subroutine|mined|reuse"),
                    "Subgraphs that recur in the best experiments and avoid the failures are the campaign's own"
                            + " building blocks.",
                    "the fitness lift the subroutine showed where it was used",
                    "a pattern frequent in good models may be incidental to their success",
                    LayerEdits.SUBROUTINE),
            new DesignMove("recombine-mixer", "Recombine with a reference",
                    "the token mixer of a reference experiment or seed, in place of the parent's mixer or beside it",
                    Set.of(RECOMBINE), List.of(Diagnosis.BEHIND_BEST_SIBLING, Diagnosis.WORSE_THAN_PARENT),
                    List.of("jamba", "griffin", "based", "agentswift"), List.of("hybrid"),
                    p("hybrid|combine|recombin"),
                    p("recombin|combine|hybrid|mix of"),
                    "Strong designs fail in different places; a mixer from one in the frame of another, or both side"
                            + " by side, can keep the strengths of each.",
                    "the better of the two parents' scores, or above both for a hybrid",
                    "two mixers cost more; a replaced mixer may have been what made the parent work",
                    Transplants.RECOMBINE),
            new DesignMove("transplant-note", "Apply a paper's mixer",
                    "the mixer (or layer) written in a retrieved paper note, in place of the parent's or beside it",
                    Set.of(APPLY_INSIGHT), List.of(),
                    List.of(), List.of(),
                    p("$^"),
                    p("paper|note"),
                    "A retrieved note answers the symptom the parent shows and carries the mechanism written in this"
                            + " language.",
                    "the improvement the note describes for the symptom it matched",
                    "the note's simplifications; its mixer was not tuned for this task",
                    Transplants.NOTE));

    static DesignMove byId(String id) {
        return ALL.stream().filter(m -> m.id().equals(id)).findFirst().orElse(null);
    }
}
