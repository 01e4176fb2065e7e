package archlab.sandbox.graph;

import java.util.List;

/**
 * What a {@code scan}'s step computes, as far as {@link ScanRecognizer} can prove it from the step
 * graph, and so which compiled form it gets. The node references point into the scan's body.
 *
 * <p>Shapes in the body: the state {@code S} is {@code [B, L..., m, n]}, with {@code L...} any
 * leading ("head") dims. A readout either contracts {@code m} ({@code o = S^T q}, {@code q} of size m)
 * or {@code n} ({@code o = S c}, {@code c} of size n).
 */
public sealed interface ScanForm {

    /** {@code affine}, {@code delta} or {@code sequential}, as {@code archlab check --json} reports it. */
    String kind();

    /** One line for people: the recurrence recognised, or why the scan stays sequential. */
    String description();

    /**
     * The log of a decay {@code A_t} that is positive by construction, as an expression over free
     * nodes of the body, so the chunked form can work in log space without taking log of a value that
     * may underflow to 0.
     */
    sealed interface LogDecay {
        /** {@code log(exp(x)) = x}. */
        record OfExp(OpNode argument) implements LogDecay {
        }

        /** {@code log(sigmoid(x)) = -softplus(-x)}. */
        record OfSigmoid(OpNode argument) implements LogDecay {
        }

        /** A positive number. */
        record Constant(double log) implements LogDecay {
        }

        /** {@code log(a b) = log a + log b}. */
        record Product(LogDecay left, LogDecay right) implements LogDecay {
        }

        /** {@code log(a ** p) = p log a}. */
        record Power(double exponent, LogDecay base) implements LogDecay {
        }

        /** {@code log(unsqueeze(a)) = unsqueeze(log a)}, and the same for squeeze: {@code reshape} is that op. */
        record Reshaped(OpNode reshape, LogDecay inner) implements LogDecay {
        }

        /**
         * A value proven positive outside the step (a scan input that is an exp, sigmoid or softplus
         * there); its log is taken as it is, clamped so that an underflow to 0 gives a decay of
         * e^-80 instead of log(0).
         */
        record OfPositive(OpNode value) implements LogDecay {
        }
    }

    /**
     * {@code A_t}: which free node holds it and its log. {@code shape} is the decay's body shape; its
     * last two dims (after padding to the state's rank) say whether it varies along m and n.
     */
    record Decay(OpNode node, LogDecay log) {
    }

    /**
     * {@code S_t = A_t ∘ S_{t-1} + u_t w_t^T} ({@code A} absent for no decay), {@code y_t} a readout of
     * {@code S_t} with {@code query}. {@code u} is of size m, {@code w} of size n.
     */
    record Affine(Decay decay, OpNode u, OpNode w, OpNode query, boolean readsLast) implements ScanForm {
        @Override
        public String kind() {
            return "affine";
        }

        @Override
        public String description() {
            return "affine: S_t = " + (decay == null ? "" : "A_t * ") + "S_{t-1} + u_t w_t^T, y_t = "
                    + (readsLast ? "S_t c_t" : "S_t^T q_t");
        }
    }

    /**
     * The delta rule {@code S_t = P + k_t (beta_t (v_t - P^T k_t))^T} with {@code P = A_t S_{t-1}}
     * ({@code A} a scalar per head, or absent) and {@code y_t = S_t^T q_t}; {@code beta} may be absent (1).
     */
    record Delta(Decay decay, OpNode key, OpNode value, OpNode beta, OpNode query) implements ScanForm {
        @Override
        public String kind() {
            return "delta";
        }

        @Override
        public String description() {
            return "delta rule" + (decay == null ? "" : ", gated") + ": S_t = " + (decay == null ? "S" : "a_t S")
                    + " + k_t (" + (beta == null ? "" : "beta_t ") + "(v_t - S^T k_t))^T, y_t = S_t^T q_t";
        }
    }

    /** Any other step: run one step at a time, which is the reference semantics. */
    record Sequential(String reason) implements ScanForm {
        @Override
        public String kind() {
            return "sequential";
        }

        @Override
        public String description() {
            return "sequential: " + reason;
        }
    }

    /** A scan of a definition and the form it gets, for reports. */
    record Report(String location, String scope, ScanForm form) {
    }

    /** Every scan of {@code graph} (nested ones included) with its form, in graph order. */
    static List<Report> reportAll(ArchGraph graph) {
        List<Report> out = new java.util.ArrayList<>();
        for (OpNode n : graph.nodes()) {
            if (n.op().equals("scan")) {
                out.add(new Report(n.location(), n.scope(), ScanRecognizer.recognise(n)));
                out.addAll(reportAll(n.body()));
            }
        }
        return out;
    }
}
