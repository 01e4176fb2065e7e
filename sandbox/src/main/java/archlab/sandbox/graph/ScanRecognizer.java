package archlab.sandbox.graph;

import archlab.sandbox.graph.ScanForm.Decay;
import archlab.sandbox.graph.ScanForm.LogDecay;
import java.util.Set;

/**
 * Reads a {@code scan}'s step graph and proves, by its structure, which recurrence it computes
 * ({@link ScanForm}). It matches the graph, not block names, so a library block and the same step
 * written by hand are treated alike. Whatever it cannot prove stays {@link ScanForm.Sequential}, with
 * the first thing that did not match as the reason.
 *
 * <p>What it accepts (S the state input, "free" meaning not reading S):
 * <ul>
 * <li>new state {@code P + B}, either operand order, where {@code P} is {@code S} or {@code A * S}
 *     ({@code A} free and positive by construction: exp, sigmoid, a positive number, products, powers
 *     and unsqueeze/squeeze of those, or a scan input made by exp, sigmoid or softplus outside the step);
 * <li>affine: {@code B} free and an outer product, {@code unsqueeze(u, -1) @ unsqueeze(w, -2)} or
 *     {@code unsqueeze(u, -1) * unsqueeze(w, -2)}, and {@code A} constant along the dim the readout
 *     keeps (a scalar per head, or a vector along the contracted dim, as in GLA);
 * <li>delta: {@code B = unsqueeze(k, -1) @ unsqueeze(W, -2)} with {@code W} one of
 *     {@code beta * (v - old)}, {@code (v - old) * beta}, {@code v - old}, where
 *     {@code old = squeeze(unsqueeze(k, -2) @ P, -2)} reads P with the same {@code k}; A and beta
 *     scalars per head;
 * <li>output {@code squeeze(unsqueeze(q, -2) @ S', -2)} or (affine only) {@code squeeze(S' @ unsqueeze(c, -1), -1)},
 *     S' the new state and q, c free.
 * </ul>
 */
public final class ScanRecognizer {

    private ScanRecognizer() {
    }

    /** Thrown inside the matcher with the reason a step is not recognised. */
    private static final class NoMatch extends RuntimeException {
        NoMatch(String reason) {
            super(reason, null, false, false);
        }
    }

    public static ScanForm recognise(OpNode scan) {
        if (!scan.op().equals("scan")) {
            throw new IllegalArgumentException("not a scan: " + scan);
        }
        try {
            return new Matcher(scan).match();
        } catch (NoMatch e) {
            return new ScanForm.Sequential(e.getMessage());
        }
    }

    private static final class Matcher {
        final OpNode scan;
        final ArchGraph body;
        final OpNode state;
        final int rank;
        final Set<OpNode> readsState;

        Matcher(OpNode scan) {
            this.scan = scan;
            this.body = scan.body();
            this.state = body.inputs().get(0);
            this.rank = state.shape().rank();
            this.readsState = body.dag().getDescendants(state);
        }

        ScanForm match() {
            if (rank < 3) {
                throw new NoMatch("the state " + state.shape() + " is not a matrix per head; the chunked forms need [B, ..., m, n]");
            }
            for (OpNode in : body.inputs().subList(1, body.inputs().size())) {
                if (in.shape().rank() == 0 || in.shape().dim(0) != Shape.B) {
                    throw new NoMatch("input " + in.attrs().get("index") + " of the step, " + in.shape()
                            + ", has no batch axis first");
                }
            }
            for (OpNode n : body.nodes()) {
                if (n.op().equals("scan")) {
                    throw new NoMatch("the step holds a nested scan");
                }
            }
            OpNode next = body.outputs().get(0);
            OpNode y = body.outputs().get(1);
            if (!next.op().equals("add")) {
                throw new NoMatch("the new state is '" + next.op() + "', not A_t * S + B_t");
            }
            // P, the decayed state, is one operand of the add; the update is the other
            for (int side = 0; side < 2; side++) {
                OpNode p = next.inputs().get(side);
                OpNode update = next.inputs().get(1 - side);
                Decay decay = decayedState(p);
                if (decay == null && p != state) {
                    continue;
                }
                if (!readsState.contains(update)) {
                    return affine(decay, update, next, y);
                }
                return delta(p, decay, update, next, y);
            }
            throw new NoMatch("neither operand of the new state's '+' is S or A_t * S with A_t free of S");
        }

        /** The decay when {@code p} is {@code A * S}, null when it is not of that form. */
        private Decay decayedState(OpNode p) {
            if (!p.op().equals("mul") || !p.shape().equals(state.shape())) {
                return null;
            }
            for (int side = 0; side < 2; side++) {
                if (p.inputs().get(side) == state) {
                    OpNode a = p.inputs().get(1 - side);
                    if (readsState.contains(a) || a == state) {
                        throw new NoMatch("the decay multiplying S reads the state");
                    }
                    return new Decay(a, logOf(a));
                }
            }
            return null;
        }

        private ScanForm affine(Decay decay, OpNode update, OpNode next, OpNode y) {
            OpNode[] uw = outer(update);
            if (uw == null) {
                throw new NoMatch("the update B_t (" + update.op() + " " + update.shape()
                        + ") is not an outer product unsqueeze(u, -1) @ unsqueeze(w, -2)");
            }
            OpNode q = readsFirst(y, next);
            boolean readsLast = q == null;
            if (readsLast) {
                q = readsLast(y, next);
            }
            if (q == null) {
                throw new NoMatch("the output is not a readout of the new state, squeeze(unsqueeze(q, -2) @ S, -2)"
                        + " or squeeze(S @ unsqueeze(c, -1), -1)");
            }
            if (decay != null && padded(decay.node().shape(), rank).dim(readsLast ? rank - 2 : rank - 1) != 1) {
                // Measured (docs/benchmarks.md): every state element is then its own recurrence, the work
                // is O(T dk dv) elementwise in any form, and a chunked form only saved dispatch, which
                // it lost again in larger arrays' backward passes: slower than this loop at T = 256 and 1024.
                throw new NoMatch("the decay " + decay.node().shape() + " varies along the dim the readout keeps"
                        + " (per state element, as in Mamba): no matmul form, and the chunked elementwise form"
                        + " measured slower than the sequential scan");
            }
            return new ScanForm.Affine(decay, uw[0], uw[1], free(q, "the readout's query"), readsLast);
        }

        private ScanForm delta(OpNode p, Decay decay, OpNode update, OpNode next, OpNode y) {
            if (!update.op().equals("matmul")) {
                throw new NoMatch("the update reads the state but is not unsqueeze(k, -1) @ unsqueeze(W, -2) (a delta rule)");
            }
            OpNode[] kw = outer(update);
            if (kw == null) {
                throw new NoMatch("the update reads the state but is not unsqueeze(k, -1) @ unsqueeze(W, -2) (a delta rule)");
            }
            OpNode k = free(kw[0], "the delta rule's key");
            OpNode w = kw[1];
            OpNode beta = null;
            OpNode diff = w;
            if (w.op().equals("mul")) {
                int d = w.inputs().get(0).op().equals("sub") && readsState.contains(w.inputs().get(0)) ? 0 : 1;
                diff = w.inputs().get(d);
                beta = free(w.inputs().get(1 - d), "the delta rule's beta");
                if (padded(beta.shape(), rank - 1).last() != 1) {
                    throw new NoMatch("beta " + beta.shape() + " is not a scalar per head (a vector beta has no UT form here)");
                }
            }
            if (!diff.op().equals("sub") || readsState.contains(diff.inputs().get(0))) {
                throw new NoMatch("the delta rule's write is not beta * (v - S^T k)");
            }
            OpNode v = diff.inputs().get(0);
            OpNode old = diff.inputs().get(1);
            if (readsFirst(old, p) != k) {
                throw new NoMatch("the delta rule reads the state with another key than it writes, or reads"
                        + " it other than squeeze(unsqueeze(k, -2) @ S, -2)");
            }
            if (decay != null) {
                Shape a = padded(decay.node().shape(), rank);
                if (a.dim(rank - 1) != 1 || a.dim(rank - 2) != 1) {
                    throw new NoMatch("the gated delta rule's decay " + decay.node().shape() + " is not a scalar per head");
                }
            }
            OpNode q = readsFirst(y, next);
            if (q == null) {
                throw new NoMatch("the output is not squeeze(unsqueeze(q, -2) @ S, -2) of the new state");
            }
            return new ScanForm.Delta(decay, k, v, beta, free(q, "the readout's query"));
        }

        private OpNode free(OpNode n, String what) {
            if (n == state || readsState.contains(n)) {
                throw new NoMatch(what + " reads the state");
            }
            return n;
        }

        /** {u, w} when {@code n} is unsqueeze(u, -1) @ unsqueeze(w, -2), or the same with '*'; else null. */
        private OpNode[] outer(OpNode n) {
            if (!n.op().equals("matmul") && !n.op().equals("mul")) {
                return null;
            }
            for (int side = 0; side < (n.op().equals("mul") ? 2 : 1); side++) {
                OpNode col = n.inputs().get(side);
                OpNode row = n.inputs().get(1 - side);
                if (unsqueezedAt(col, 1) && unsqueezedAt(row, 2)) {
                    return new OpNode[] {col.inputs().get(0), row.inputs().get(0)};
                }
            }
            return null;
        }

        /** {@code q} when {@code y} is squeeze(unsqueeze(q, -2) @ s, -2); else null. */
        private OpNode readsFirst(OpNode y, OpNode s) {
            if (!squeezedAt(y, 2)) {
                return null;
            }
            OpNode m = y.inputs().get(0);
            if (!m.op().equals("matmul") || m.inputs().get(1) != s || m.shape().rank() != rank) {
                return null;
            }
            OpNode u = m.inputs().get(0);
            return unsqueezedAt(u, 2) ? u.inputs().get(0) : null;
        }

        /** {@code c} when {@code y} is squeeze(s @ unsqueeze(c, -1), -1); else null. */
        private OpNode readsLast(OpNode y, OpNode s) {
            if (!squeezedAt(y, 1)) {
                return null;
            }
            OpNode m = y.inputs().get(0);
            if (!m.op().equals("matmul") || m.inputs().get(0) != s || m.shape().rank() != rank) {
                return null;
            }
            OpNode u = m.inputs().get(1);
            return unsqueezedAt(u, 1) ? u.inputs().get(0) : null;
        }

        /** The log of a decay proven positive, or a NoMatch saying it is not. */
        private LogDecay logOf(OpNode a) {
            return switch (a.op()) {
                case "exp" -> new LogDecay.OfExp(a.inputs().get(0));
                case "sigmoid" -> new LogDecay.OfSigmoid(a.inputs().get(0));
                case "const" -> {
                    double v = ((Number) a.attrs().get("value")).doubleValue();
                    if (!(v > 0)) {
                        throw new NoMatch("the decay " + v + " is not positive; the chunked form works with log A_t");
                    }
                    yield new LogDecay.Constant(Math.log(v));
                }
                case "mul" -> new LogDecay.Product(logOf(a.inputs().get(0)), logOf(a.inputs().get(1)));
                case "pow" -> new LogDecay.Power(((Number) a.attrs().get("exponent")).doubleValue(), logOf(a.inputs().get(0)));
                case "unsqueeze", "squeeze" -> new LogDecay.Reshaped(a, logOf(a.inputs().get(0)));
                case "scan_input" -> {
                    OpNode outside = scan.inputs().get((Integer) a.attrs().get("index"));
                    if (!positive(outside)) {
                        throw new NoMatch("the decay, scan input " + a.attrs().get("index") + ", is not positive by"
                                + " construction (write it as exp, sigmoid or softplus of something)");
                    }
                    yield new LogDecay.OfPositive(a);
                }
                default -> throw new NoMatch("the decay '" + a.op() + "' is not positive by construction"
                        + " (exp, sigmoid, a positive number, or products and powers of those)");
            };
        }

        private static boolean positive(OpNode n) {
            return switch (n.op()) {
                case "exp", "sigmoid", "softplus" -> true;
                case "const" -> ((Number) n.attrs().get("value")).doubleValue() > 0;
                case "mul", "div" -> positive(n.inputs().get(0)) && positive(n.inputs().get(1));
                case "unsqueeze", "squeeze", "split_heads", "transpose", "pow" -> positive(n.inputs().get(0));
                default -> false;
            };
        }

        /** unsqueeze at dim {@code -fromEnd} of its output. */
        private static boolean unsqueezedAt(OpNode n, int fromEnd) {
            return n.op().equals("unsqueeze") && (Integer) n.attrs().get("dim") == n.shape().rank() - fromEnd;
        }

        /** squeeze at dim {@code -fromEnd} of its input. */
        private static boolean squeezedAt(OpNode n, int fromEnd) {
            return n.op().equals("squeeze")
                    && (Integer) n.attrs().get("dim") == n.inputs().get(0).shape().rank() - fromEnd;
        }
    }

    /** {@code shape} with 1s in front up to {@code rank} dims, as broadcasting reads it. */
    public static Shape padded(Shape shape, int rank) {
        java.util.List<Integer> d = new java.util.ArrayList<>();
        for (int i = shape.rank(); i < rank; i++) {
            d.add(1);
        }
        d.addAll(shape.dims());
        return new Shape(d);
    }
}
