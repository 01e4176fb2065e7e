package archlab.agent.search.nb201;

import archlab.agent.research.Move;
import archlab.agent.search.SearchSpace;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The NAS-Bench-201 cell space. Moves:
 * <ul>
 * <li>{@code MUTATE}: change one edge's operation (the 24 one-edge edits, in random order), then, when
 *     more proposals are asked for, two edges' (the 240 two-edge edits, in random order);</li>
 * <li>{@code RECOMBINE}: take each edge's operation from the parent or from a reference, at random
 *     (a child equal to either gets one more one-edge edit).</li>
 * </ul>
 * Fresh candidates are uniform random cells. Keys are the benchmark's strings; features are
 * {@link CellFeatures}, computed once per cell.
 */
public final class Nb201Space implements SearchSpace<Nb201Cell> {
    private final AtomicReferenceArray<Map<String, Double>> features = new AtomicReferenceArray<>(Nb201Cell.SIZE);
    private final int wlIterations;

    /** The space with {@link CellFeatures#ITERATIONS} rounds of WL features. */
    public Nb201Space() {
        this(CellFeatures.ITERATIONS);
    }

    public Nb201Space(int wlIterations) {
        if (wlIterations < 0) {
            throw new IllegalArgumentException("WL iterations must be >= 0, got " + wlIterations);
        }
        this.wlIterations = wlIterations;
    }

    @Override
    public String name() {
        return "nb201";
    }

    @Override
    public List<Move> moves() {
        return List.of(Move.MUTATE, Move.RECOMBINE);
    }

    @Override
    public List<Nb201Cell> fresh(int k, SplittableRandom rng) {
        Set<Nb201Cell> out = new LinkedHashSet<>();
        while (out.size() < Math.min(k, Nb201Cell.SIZE)) {
            out.add(new Nb201Cell(rng.nextInt(Nb201Cell.SIZE)));
        }
        return new ArrayList<>(out);
    }

    @Override
    public List<Nb201Cell> propose(Nb201Cell parent, Move move, List<Nb201Cell> references, int k,
                                   SplittableRandom rng) {
        return switch (move) {
            case MUTATE -> mutations(parent, k, rng);
            case RECOMBINE -> recombinations(parent, references, k, rng);
            default -> throw new IllegalArgumentException("the nb201 space cannot " + move.id()
                    + "; its moves are mutate and recombine");
        };
    }

    private static List<Nb201Cell> mutations(Nb201Cell parent, int k, SplittableRandom rng) {
        List<Nb201Cell> one = new ArrayList<>(24);
        for (int e = 0; e < Nb201Cell.EDGES; e++) {
            for (int op = 0; op < Nb201Cell.OPS.size(); op++) {
                if (op != parent.op(e)) {
                    one.add(parent.with(e, op));
                }
            }
        }
        shuffle(one, rng);
        List<Nb201Cell> out = new ArrayList<>(Math.min(k, 264));
        for (Nb201Cell c : one) {
            if (out.size() == k) {
                return out;
            }
            out.add(c);
        }
        List<Nb201Cell> two = new ArrayList<>(240);
        for (int e1 = 0; e1 < Nb201Cell.EDGES; e1++) {
            for (int e2 = e1 + 1; e2 < Nb201Cell.EDGES; e2++) {
                for (int op1 = 0; op1 < Nb201Cell.OPS.size(); op1++) {
                    for (int op2 = 0; op2 < Nb201Cell.OPS.size(); op2++) {
                        if (op1 != parent.op(e1) && op2 != parent.op(e2)) {
                            two.add(parent.with(e1, op1).with(e2, op2));
                        }
                    }
                }
            }
        }
        shuffle(two, rng);
        for (Nb201Cell c : two) {
            if (out.size() == k) {
                break;
            }
            out.add(c);
        }
        return out;
    }

    private static List<Nb201Cell> recombinations(Nb201Cell parent, List<Nb201Cell> references, int k,
                                                  SplittableRandom rng) {
        if (references.isEmpty()) {
            return mutations(parent, k, rng);
        }
        Set<Nb201Cell> out = new LinkedHashSet<>();
        for (int attempt = 0; attempt < 8 * k && out.size() < k; attempt++) {
            Nb201Cell ref = references.get(rng.nextInt(references.size()));
            int[] ops = new int[Nb201Cell.EDGES];
            for (int e = 0; e < Nb201Cell.EDGES; e++) {
                ops[e] = rng.nextBoolean() ? parent.op(e) : ref.op(e);
            }
            Nb201Cell child = Nb201Cell.of(ops);
            if (child.equals(parent) || child.equals(ref)) {
                int e = rng.nextInt(Nb201Cell.EDGES);
                child = child.with(e, (child.op(e) + 1 + rng.nextInt(Nb201Cell.OPS.size() - 1)) % Nb201Cell.OPS.size());
            }
            out.add(child);
        }
        return new ArrayList<>(out);
    }

    private static <T> void shuffle(List<T> list, SplittableRandom rng) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    @Override
    public String key(Nb201Cell cell) {
        return cell.arch();
    }

    @Override
    public Map<String, Double> features(Nb201Cell cell) {
        Map<String, Double> f = features.get(cell.code());
        if (f == null) {
            f = CellFeatures.of(cell, wlIterations);
            features.set(cell.code(), f);
        }
        return f;
    }
}
