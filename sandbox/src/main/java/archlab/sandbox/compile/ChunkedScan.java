package archlab.sandbox.compile;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.graph.ScanForm;
import archlab.sandbox.graph.ScanForm.LogDecay;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A recognised scan ({@link ScanForm.Affine}, {@link ScanForm.Delta}) computed chunkwise: the step's
 * free part (everything that does not read the state) for all time steps at once, matmuls inside
 * chunks of {@code C} steps, and a loop over the {@code T / C} chunks that carries the state. Every
 * op is a DJL op under autograd, so gradients flow as in the sequential form, which stays the
 * reference (the parity tests compare the two).
 *
 * <p>Layout. The free part runs on the per-step graph with time folded into the batch
 * ({@code [B*T, ...]}): a step's slices are {@code [B, ...]}, so every axis the step names keeps its
 * position. The results are then brought to {@code [B, H, T, x]}, H the product of the state's
 * leading dims, with the state {@code [B, H, dk, dv]}, dk the dim the readout contracts.
 *
 * <p>Decays are handled in log space: products of decays over a span {@code (s, t]} are sums of
 * {@code log A} over exactly that span (a masked cumulative sum, never a difference of two long
 * cumulative sums, which would cancel), then exponentiated, with {@code -inf} above the diagonal
 * before the exp so that no overflow reaches the gradient.
 *
 * <p>Delta rule: the UT transform of Yang et al. 2024 (arXiv:2406.06484), written from the
 * recurrence. Inside a chunk with start state {@code S0}, decays {@code g_t} ({@code G_t} their
 * running product from the chunk start) and {@code u_t = beta_t (v_t - g_t S_{t-1}^T k_t)}, the
 * recurrence gives {@code (I + L) U = beta V - (beta G K) S0} with
 * {@code L[s, r] = beta_s (k_s . k_r) G_s / G_r} for {@code r < s}. So with {@code Tm = (I + L)^-1}
 * (libtorch's batched inverse; L is strictly lower triangular, so I + L is unit lower triangular and
 * always invertible) {@code U = Tm beta V - Tm (beta G K) S0}, the outputs are
 * {@code O = (G Q) S0 + (Q K^T * G_t / G_s, lower) U} and the next start state is
 * {@code G_C S0 + (K G_C / G)^T U}.
 */
final class ChunkedScan {

    /**
     * Steps per chunk by form. The delta rule's: the benchmark's sweep at T = 256 found 16, 32 and 64
     * within noise (docs/benchmarks.md). The affine ones are not measured separately: no reference
     * design has an affine scan; a [C, C] product per chunk against T / C loop steps puts the balance
     * near sqrt(T), and a key-dim decay's [C, C, dk] tensor asks for less.
     */
    static final int DELTA_CHUNK = Integer.getInteger("archlab.scan.chunk.delta", 32);
    static final int AFFINE_CHUNK = Integer.getInteger("archlab.scan.chunk.affine", 32);
    static final int KEY_DECAY_CHUNK = Integer.getInteger("archlab.scan.chunk.keys", 16);

    /** Evaluates the listed nodes of the step graph (and what they read) from the given inputs. */
    interface StepEvaluator {
        Map<OpNode, NDArray> evaluate(Map<OpNode, NDArray> inputs, Collection<OpNode> wanted);
    }

    private final NDManager manager;
    private final DataType dtype;
    private final Map<String, NDArray> constants = new HashMap<>();

    /** Steps per chunk when positive; else the defaults above. */
    private final int chunkOverride;

    ChunkedScan(NDManager manager, DataType dtype, int chunkOverride) {
        this.manager = manager;
        this.dtype = dtype;
        this.chunkOverride = chunkOverride;
    }

    /** The scan's stacked outputs, as the sequential scan returns them. */
    NDArray run(OpNode scan, ScanForm form, List<NDArray> xs, long batch, StepEvaluator step) {
        int axis = (Integer) scan.attrs().get("axis");
        long time = xs.get(0).getShape().get(axis);
        List<OpNode> stepInputs = scan.body().inputs();
        Map<OpNode, NDArray> folded = new HashMap<>();
        for (int i = 0; i < xs.size(); i++) {
            folded.put(stepInputs.get(i + 1), fold(xs.get(i), axis, batch, time));
        }
        @SuppressWarnings("unchecked")
        List<Integer> stateDims = (List<Integer>) scan.attrs().get("state");
        int rank = stateDims.size() + 1;
        long heads = 1;
        for (int d : stateDims.subList(0, stateDims.size() - 2)) {
            heads *= d;
        }
        long m = stateDims.get(stateDims.size() - 2);
        long n = stateDims.get(stateDims.size() - 1);
        Layout layout = new Layout(batch, time, heads, stateDims.subList(0, stateDims.size() - 2), rank);
        NDArray out;
        if (form instanceof ScanForm.Affine a) {
            List<OpNode> wanted = new ArrayList<>(List.of(a.u(), a.w(), a.query()));
            if (a.decay() != null) {
                wanted.addAll(leaves(a.decay().log()));
            }
            Map<OpNode, NDArray> v = step.evaluate(folded, wanted);
            NDArray u = layout.vector(v.get(a.u()), m);
            NDArray w = layout.vector(v.get(a.w()), n);
            NDArray q = layout.vector(v.get(a.query()), a.readsLast() ? n : m);
            NDArray logA = a.decay() == null ? null : layout.decay(log(a.decay().log(), v));
            out = a.readsLast()
                    ? affine(q, w, u, logA == null ? null : logA.swapAxes(3, 4))
                    : affine(q, u, w, logA);
        } else if (form instanceof ScanForm.Delta d) {
            List<OpNode> wanted = new ArrayList<>(List.of(d.key(), d.value(), d.query()));
            if (d.beta() != null) {
                wanted.add(d.beta());
            }
            if (d.decay() != null) {
                wanted.addAll(leaves(d.decay().log()));
            }
            Map<OpNode, NDArray> v = step.evaluate(folded, wanted);
            NDArray logA = d.decay() == null ? null : layout.decay(log(d.decay().log(), v));
            out = delta(layout.vector(v.get(d.query()), m), layout.vector(v.get(d.key()), m),
                    layout.vector(v.get(d.value()), n), d.beta() == null ? null : layout.vector(v.get(d.beta()), 1),
                    logA == null ? null : logA.reshape(batch, heads, time));
        } else {
            throw new IllegalArgumentException("not a chunked form: " + form);
        }
        return layout.unfold(out, scan.body().outputs().get(1).shape().dims(), axis);
    }

    // ------------------------------------------------------------------ layout

    /** [B, ..., T, ...] with T at {@code axis} → [B*T, ...]: a step's slice shape with B*T for B. */
    private static NDArray fold(NDArray x, int axis, long batch, long time) {
        int r = x.getShape().dimension();
        int[] perm = new int[r];
        perm[0] = 0;
        perm[1] = axis;
        for (int i = 1, j = 2; i < r; i++) {
            if (i != axis) {
                perm[j++] = i;
            }
        }
        long[] shape = x.getShape().getShape();
        long[] out = new long[r - 1];
        out[0] = batch * time;
        for (int i = 1, j = 1; i < r; i++) {
            if (i != axis) {
                out[j++] = shape[i];
            }
        }
        return (axis == 1 ? x : x.transpose(perm)).reshape(out);
    }

    /** Between the folded step layout and the chunk layout [B, H, T, x]. */
    private record Layout(long batch, long time, long heads, List<Integer> lead, int rank) {

        /** A folded value of a body node that broadcasts to [B, L..., size] → [B, H, T, size]. */
        NDArray vector(NDArray folded, long size) {
            NDArray x = pad(folded, rank - 1);
            long[] full = new long[rank - 1];
            full[0] = batch * time;
            for (int i = 0; i < lead.size(); i++) {
                full[i + 1] = lead.get(i);
            }
            full[rank - 2] = size;
            return x.broadcast(new Shape(full)).reshape(batch, time, heads, size).transpose(0, 2, 1, 3);
        }

        /** A folded log-decay that broadcasts to [B, L..., m, n] → [B, H, T, am, an], am and an 1 or full. */
        NDArray decay(NDArray folded) {
            NDArray x = pad(folded, rank);
            long[] s = x.getShape().getShape();
            long[] full = new long[rank];
            full[0] = batch * time;
            for (int i = 0; i < lead.size(); i++) {
                full[i + 1] = lead.get(i);
            }
            full[rank - 2] = s[rank - 2];
            full[rank - 1] = s[rank - 1];
            return x.broadcast(new Shape(full)).reshape(batch, time, heads, s[rank - 2], s[rank - 1])
                    .transpose(0, 2, 1, 3, 4);
        }

        /** [B, H, T, x] → the scan's output: [B, T, L..., x] with T moved to {@code axis}. */
        NDArray unfold(NDArray out, List<Integer> stepOutput, int axis) {
            long[] shape = new long[stepOutput.size() + 1];
            shape[0] = batch;
            shape[1] = time;
            for (int i = 1; i < stepOutput.size(); i++) {
                shape[i + 1] = stepOutput.get(i);
            }
            NDArray y = out.transpose(0, 2, 1, 3).reshape(shape);
            if (axis == 1) {
                return y;
            }
            int r = shape.length;
            int[] perm = new int[r];
            // y is [B, T, rest...]; the output wants T at `axis`, the rest in order around it
            for (int i = 0, j = 2; i < r; i++) {
                perm[i] = i == 0 ? 0 : i == axis ? 1 : j++;
            }
            return y.transpose(perm);
        }

        private static NDArray pad(NDArray x, int rank) {
            long[] s = x.getShape().getShape();
            if (s.length == rank) {
                return x;
            }
            long[] p = new long[rank];
            java.util.Arrays.fill(p, 1);
            System.arraycopy(s, 0, p, rank - s.length, s.length);
            return x.reshape(p);
        }
    }

    // ------------------------------------------------------------------ log decays

    private static List<OpNode> leaves(LogDecay d) {
        List<OpNode> out = new ArrayList<>();
        collect(d, out);
        return out;
    }

    private static void collect(LogDecay d, List<OpNode> out) {
        if (d instanceof LogDecay.OfExp e) {
            out.add(e.argument());
        } else if (d instanceof LogDecay.OfSigmoid sg) {
            out.add(sg.argument());
        } else if (d instanceof LogDecay.OfPositive p) {
            out.add(p.value());
        } else if (d instanceof LogDecay.Product p) {
            collect(p.left(), out);
            collect(p.right(), out);
        } else if (d instanceof LogDecay.Reshaped r) {
            collect(r.inner(), out);
        } else if (d instanceof LogDecay.Power p) {
            collect(p.base(), out);
        }
    }

    private NDArray log(LogDecay d, Map<OpNode, NDArray> v) {
        if (d instanceof LogDecay.OfExp e) {
            return v.get(e.argument());
        }
        if (d instanceof LogDecay.OfSigmoid sg) {
            // log sigmoid(x) = min(x, 0) - log(1 + e^-|x|), finite for every finite x
            NDArray x = v.get(sg.argument());
            return NDArrays.minimum(x, constant(0)).sub(x.abs().neg().exp().add(constant(1)).log());
        }
        if (d instanceof LogDecay.OfPositive p) {
            return NDArrays.maximum(v.get(p.value()), constant(Math.exp(-80))).log();
        }
        if (d instanceof LogDecay.Constant c) {
            return constant(c.log());
        }
        if (d instanceof LogDecay.Product p) {
            return log(p.left(), v).add(log(p.right(), v));
        }
        if (d instanceof LogDecay.Power p) {
            return log(p.base(), v).mul(constant(p.exponent()));
        }
        LogDecay.Reshaped r = (LogDecay.Reshaped) d;
        NDArray inner = log(r.inner(), v);
        int dim = (Integer) r.reshape().attrs().get("dim");
        return r.reshape().op().equals("unsqueeze") ? inner.expandDims(dim) : inner.squeeze(dim);
    }

    // ------------------------------------------------------------------ the chunked forms

    /**
     * o_t = S_t^T q_t, S_t = A_t * S_{t-1} + k_t v_t^T. q, k [B, H, T, dk]; v [B, H, T, dv]; logA null or
     * [B, H, T, am, 1] with am in {1, dk}. → [B, H, T, dv]
     */
    NDArray affine(NDArray q, NDArray k, NDArray v, NDArray logA) {
        long time = q.getShape().get(2);
        boolean scalar = logA == null || logA.getShape().get(3) == 1 && logA.getShape().get(4) == 1;
        if (logA != null && logA.getShape().get(4) > 1) {
            throw new IllegalArgumentException("a decay along the value dim has no chunked form (ScanRecognizer keeps it sequential)");
        }
        int c = chunk(time, scalar ? AFFINE_CHUNK : KEY_DECAY_CHUNK);
        long chunks = (time + c - 1) / c;
        NDArray qc = chunked(q, c);
        NDArray kc = chunked(k, c);
        NDArray vc = chunked(v, c);
        NDArray kt = kc.swapAxes(-1, -2);
        NDArray intra;
        NDArray deltaState;
        NDArray fromStart = null;     // running product of decays from the chunk start, inclusive
        NDArray chunkDecay = null;    // over the whole chunk
        if (scalar) {
            NDArray scores = qc.matMul(kt);                                  // [B, H, N, C, C]
            NDArray kw = kc;
            if (logA == null) {
                scores = scores.mul(lowerMask(c, false));
            } else {
                NDArray la = chunked(logA.reshape(logA.getShape().get(0), logA.getShape().get(1), time, 1), c)
                        .squeeze(-1);                                        // [B, H, N, C]
                NDArray seg = segmentSums(la.expandDims(-1).expandDims(-1), c).squeeze(-1).squeeze(-1);
                scores = scores.mul(seg.exp());
                NDArray cum = la.cumSum(3);
                fromStart = cum.exp();
                chunkDecay = last(cum, 3).exp();                                 // [B, H, N]
                NDArray toEnd = last(seg, 3).exp();                              // [B, H, N, C]
                kw = kc.mul(toEnd.expandDims(-1));
            }
            intra = scores.matMul(vc);
            deltaState = kw.swapAxes(-1, -2).matMul(vc);                      // [B, H, N, dk, dv]
            if (chunkDecay != null) {
                chunkDecay = chunkDecay.expandDims(-1).expandDims(-1);
            }
        } else {
            // a decay along the key dim (GLA): the decay between two steps differs per key feature
            NDArray la = chunked(logA, c).squeeze(-1);                       // [B, H, N, C, dk]
            NDArray seg = segmentSums(la.expandDims(-1), c).squeeze(-1);     // [B, H, N, C, C, dk]
            NDArray pairs = qc.expandDims(4).mul(kc.expandDims(3));          // [B, H, N, C, C, dk]
            intra = pairs.mul(seg.exp()).sum(new int[] {5}).matMul(vc);      // [B, H, N, C, dv]
            NDArray cum = la.cumSum(3);
            fromStart = cum.exp();                                           // [B, H, N, C, dk]
            chunkDecay = last(cum, 3).exp().expandDims(-1);                  // [B, H, N, dk, 1]
            NDArray toEnd = last(seg, 3).exp();                              // [B, H, N, C, dk]
            deltaState = kc.mul(toEnd).swapAxes(-1, -2).matMul(vc);
        }
        // the state at each chunk's start: a short loop over chunks
        List<NDArray> writes = pieces(deltaState, 2);
        List<NDArray> decays = chunkDecay == null ? null : pieces(chunkDecay, 2);
        NDList starts = new NDList();
        NDArray state = null;
        for (int i = 0; i < chunks; i++) {
            starts.add(state == null ? zeros(writes.get(i).getShape()) : state);
            state = state == null ? writes.get(i)
                    : decays == null ? state.add(writes.get(i)) : state.mul(decays.get(i)).add(writes.get(i));
        }
        NDArray start = NDArrays.stack(starts, 2);                           // [B, H, N, dk, dv]
        NDArray inter;
        if (fromStart == null) {
            inter = qc.matMul(start);
        } else {
            inter = qc.mul(scalar ? fromStart.expandDims(-1) : fromStart).matMul(start);
        }
        return unchunked(intra.add(inter), time);
    }

    /**
     * o_t = S_t^T q_t, S_t = g_t S_{t-1} + k_t (beta_t (v_t - g_t S_{t-1}^T k_t))^T. q, k [B, H, T, dk];
     * v [B, H, T, dv]; beta null (1) or [B, H, T, 1]; logG null or [B, H, T]. → [B, H, T, dv]
     */
    NDArray delta(NDArray q, NDArray k, NDArray v, NDArray beta, NDArray logG) {
        long time = q.getShape().get(2);
        int c = chunk(time, DELTA_CHUNK);
        long chunks = (time + c - 1) / c;
        NDArray qc = chunked(q, c);
        NDArray kc = chunked(k, c);
        NDArray vc = chunked(v, c);
        NDArray kt = kc.swapAxes(-1, -2);
        NDArray decayIncl = lowerMask(c, false);                             // G_t / G_s where s <= t, else 0
        NDArray fromStart = null;
        NDArray toEnd = null;
        NDArray chunkDecay = null;
        if (logG != null) {
            NDArray la = chunked(logG.expandDims(-1), c).squeeze(-1);       // [B, H, N, C]
            NDArray seg = segmentSums(la.expandDims(-1).expandDims(-1), c).squeeze(-1).squeeze(-1);
            decayIncl = seg.exp();
            NDArray cum = la.cumSum(3);
            fromStart = cum.exp().expandDims(-1);                             // [B, H, N, C, 1]
            chunkDecay = last(cum, 3).exp().expandDims(-1).expandDims(-1);   // [B, H, N, 1, 1]
            toEnd = last(seg, 3).exp().expandDims(-1);                        // [B, H, N, C, 1]
        }
        NDArray b = beta == null ? null : chunked(beta, c);                  // [B, H, N, C, 1]
        NDArray strict = kc.matMul(kt).mul(decayIncl).mul(lowerMask(c, true));
        NDArray system = (b == null ? strict : strict.mul(b)).add(eye(c));   // I + L, unit lower triangular
        NDArray inv = system.inverse();
        NDArray pseudoValues = inv.matMul(b == null ? vc : vc.mul(b));       // Tm beta V
        NDArray bk = b == null ? kc : kc.mul(b);
        NDArray pseudoKeys = inv.matMul(fromStart == null ? bk : bk.mul(fromStart));   // Tm beta G K
        NDArray scores = qc.matMul(kt).mul(decayIncl);                       // [B, H, N, C, C]
        NDArray qg = fromStart == null ? qc : qc.mul(fromStart);
        NDArray kg = toEnd == null ? kc : kc.mul(toEnd);
        List<NDArray> pv = pieces(pseudoValues, 2);
        List<NDArray> pk = pieces(pseudoKeys, 2);
        List<NDArray> sc = pieces(scores, 2);
        List<NDArray> qs = pieces(qg, 2);
        List<NDArray> ks = pieces(kg, 2);
        List<NDArray> decays = chunkDecay == null ? null : pieces(chunkDecay, 2);
        NDList outs = new NDList();
        NDArray state = null;
        for (int i = 0; i < chunks; i++) {
            NDArray u = state == null ? pv.get(i) : pv.get(i).sub(pk.get(i).matMul(state));
            NDArray o = sc.get(i).matMul(u);
            if (state != null) {
                o = o.add(qs.get(i).matMul(state));
            }
            outs.add(o);
            if (i + 1 < chunks) {
                NDArray write = ks.get(i).swapAxes(-1, -2).matMul(u);
                state = state == null ? write
                        : decays == null ? state.add(write) : state.mul(decays.get(i)).add(write);
            }
        }
        return unchunked(NDArrays.stack(outs, 2), time);
    }

    // ------------------------------------------------------------------ helpers

    private int chunk(long time, int preferred) {
        return (int) Math.min(chunkOverride > 0 ? chunkOverride : preferred, time);
    }

    /**
     * {@code x} cut into its slices along {@code axis}, that axis removed. One split, not a get per slice:
     * DJL's get records a slice per dim, and the backward of each fills a zero array of the whole input,
     * which made a loop over chunks quadratic in their number.
     */
    private static List<NDArray> pieces(NDArray x, int axis) {
        List<NDArray> out = new ArrayList<>();
        for (NDArray p : x.split(x.getShape().get(axis), axis)) {
            out.add(p.squeeze(axis));
        }
        return out;
    }

    /** The last slice of {@code x} along {@code axis}, that axis removed. */
    private static NDArray last(NDArray x, int axis) {
        long size = x.getShape().get(axis);
        return size == 1 ? x.squeeze(axis) : x.split(new long[] {size - 1}, axis).get(1).squeeze(axis);
    }

    /** [B, H, T, ...] → [B, H, N, C, ...], zero-padded at the end (zero keys write nothing). */
    private NDArray chunked(NDArray x, int c) {
        long[] s = x.getShape().getShape();
        long time = s[2];
        long chunks = (time + c - 1) / c;
        NDArray padded = x;
        if (chunks * c != time) {
            long[] zs = s.clone();
            zs[2] = chunks * c - time;
            padded = NDArrays.concat(new NDList(x, zeros(new Shape(zs))), 2);
        }
        long[] out = new long[s.length + 1];
        out[0] = s[0];
        out[1] = s[1];
        out[2] = chunks;
        out[3] = c;
        System.arraycopy(s, 3, out, 4, s.length - 3);
        return padded.reshape(out);
    }

    /** [B, H, N, C, x] → [B, H, T, x]. */
    private static NDArray unchunked(NDArray x, long time) {
        long[] s = x.getShape().getShape();
        NDArray flat = x.reshape(s[0], s[1], s[2] * s[3], s[4]);
        return s[2] * s[3] == time ? flat : flat.split(new long[] {time}, 2).get(0);
    }

    /**
     * {@code la} [B, H, N, C, am, an] → [B, H, N, C(t), C(s), am, an]: the sum of la over (s, t] where
     * s <= t (0 on the diagonal), -inf where s > t, so that exp gives the decay from s to t, or 0.
     */
    private NDArray segmentSums(NDArray la, int c) {
        Shape s = la.getShape();
        Shape pairs = new Shape(s.get(0), s.get(1), s.get(2), c, c, s.get(4), s.get(5));
        NDArray rows = la.expandDims(4).broadcast(pairs);                    // [t, s] = la[t]
        NDArray strict = lowerMask(c, true).eq(constant(1)).reshape(c, c, 1, 1).broadcast(pairs);
        NDArray spans = NDArrays.where(strict, rows, zeros(pairs)).cumSum(3);
        NDArray keep = lowerMask(c, false).eq(constant(1)).reshape(c, c, 1, 1).broadcast(pairs);
        return NDArrays.where(keep, spans, constant(Double.NEGATIVE_INFINITY).broadcast(pairs));
    }

    /** [C, C] in the working type: 1 where t > s (strict) or t >= s, else 0. */
    private NDArray lowerMask(int c, boolean strict) {
        return constants.computeIfAbsent("lower" + c + strict, key -> {
            NDArray t = manager.arange(c).reshape(c, 1);
            NDArray s = manager.arange(c).reshape(1, c);
            return (strict ? t.gt(s) : t.gte(s)).toType(dtype, false);
        });
    }

    private NDArray eye(int c) {
        return constants.computeIfAbsent("eye" + c, key -> manager.eye(c).toType(dtype, false));
    }

    /** A scalar kept alive with the step (docs/sandbox.md: never mul(Number) under autograd). */
    private NDArray constant(double value) {
        return constants.computeIfAbsent("c" + value, key -> dtype == DataType.FLOAT64
                ? manager.create(value) : manager.create((float) value));
    }

    private NDArray zeros(Shape shape) {
        return manager.zeros(shape, dtype);
    }

}
