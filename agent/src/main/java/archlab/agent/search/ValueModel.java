package archlab.agent.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.rtree.CARTRegressionTrainer;
import org.tribuo.regression.rtree.impurity.MeanSquaredError;

/**
 * Predicts a candidate's fitness, with an uncertainty, from its features: a bootstrap ensemble of
 * regression trees (Tribuo's CART). Each member is trained on a resample of the results, drawn with
 * replacement (as example weights), and may split on a random share of the features at each node; the
 * ensemble mean is the prediction.
 *
 * <p>The uncertainty has two parts. The members' spread says how much the data leave the answer open
 * where the data are. But trees extrapolate flat: a design unlike anything seen falls into some wide leaf
 * of every member, and the members may well agree about it. So the spread is combined with the design's
 * novelty, 1 minus its highest cosine similarity to a training design (the normalised kernel of the
 * features, each scaled by its largest training value; for WL features, the WL kernel), times the spread
 * of the training targets: {@code sqrt(spread^2 + (novelty * sd(targets))^2)}. Like a Gaussian process's
 * posterior variance, the second part is nothing at a design already seen and the prior spread for a
 * design that shares nothing with the data.
 *
 * <p>Targets are on the search's normalised scale (ranks in [0, 1]), so the model never needs to know
 * a task's units. Training is deterministic in its seed.
 */
public final class ValueModel {
    private static final String TARGET = "fitness";
    private static final String NOTHING_SHARED = "(no shared feature)";
    private static final RegressionFactory FACTORY = new RegressionFactory();

    private final int members;
    private final int depth;
    private final float minLeafWeight;
    private final float featureFraction;
    private List<Model<Regressor>> ensemble = List.of();
    private Set<String> trainedOn = Set.of();
    private double fallback = Prediction.UNINFORMED.mean();
    private Support support;

    public ValueModel(int members, int depth, double minLeafWeight, double featureFraction) {
        if (members < 2) {
            throw new IllegalArgumentException("a bootstrap ensemble needs at least 2 members, got " + members);
        }
        this.members = members;
        this.depth = depth;
        this.minLeafWeight = (float) minLeafWeight;
        this.featureFraction = (float) featureFraction;
    }

    public static ValueModel of(SearchSettings s) {
        return new ValueModel(s.ensembleSize(), s.treeDepth(), s.minLeafWeight(), s.featureFraction());
    }

    /**
     * Retrains on {@code features[i] -> targets[i]}. With fewer than two results the model stays
     * uninformed (every prediction is the mean of what it has, with the widest uncertainty).
     */
    public void fit(List<Map<String, Double>> features, double[] targets, long seed) {
        if (features.size() != targets.length) {
            throw new IllegalArgumentException(features.size() + " feature vectors but " + targets.length + " targets");
        }
        int n = targets.length;
        double sum = 0;
        for (double t : targets) {
            sum += t;
        }
        fallback = n == 0 ? Prediction.UNINFORMED.mean() : sum / n;
        if (n < 2) {
            ensemble = List.of();
            support = null;
            return;
        }
        support = new Support(features, targets);
        // A feature present in only one result cannot be split on usefully (a leaf needs minLeafWeight),
        // and WL features are mostly that rare: leaving them out makes training several times faster.
        Map<String, Integer> documentFrequency = new TreeMap<>();
        for (Map<String, Double> f : features) {
            for (String name : f.keySet()) {
                documentFrequency.merge(name, 1, Integer::sum);
            }
        }
        Set<String> kept = new HashSet<>();
        documentFrequency.forEach((name, df) -> {
            if (df >= 2) {
                kept.add(name);
            }
        });
        List<ArrayExample<Regressor>> base = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Map<String, Double> f = new TreeMap<>(features.get(i));
            f.keySet().retainAll(kept);
            if (f.isEmpty()) {
                f.put(NOTHING_SHARED, 1.0); // Tribuo needs a feature; this one says "like none of the others"
            }
            base.add(example(f, new Regressor(TARGET, targets[i])));
        }
        trainedOn = Set.copyOf(kept);
        List<Model<Regressor>> trained = new ArrayList<>(members);
        for (int m = 0; m < members; m++) {
            SplittableRandom rng = new SplittableRandom(seed * 1_000_003L + m);
            int[] counts = new int[n];
            for (int i = 0; i < n; i++) {
                counts[rng.nextInt(n)]++;
            }
            MutableDataset<Regressor> data = new MutableDataset<>(
                    new SimpleDataSourceProvenance("search results", FACTORY), FACTORY);
            for (int i = 0; i < n; i++) {
                if (counts[i] > 0) {
                    ArrayExample<Regressor> e = base.get(i).copy();
                    e.setWeight(counts[i]);
                    data.add(e);
                }
            }
            CARTRegressionTrainer trainer = new CARTRegressionTrainer(depth, minLeafWeight, 0.0f, featureFraction,
                    false, new MeanSquaredError(), seed * 31 + m);
            trained.add(trainer.train(data, Map.of(), 0));
        }
        ensemble = List.copyOf(trained);
    }

    /** Whether the model has been trained on at least two results. */
    public boolean trained() {
        return !ensemble.isEmpty();
    }

    public Prediction predict(Map<String, Double> features) {
        features = Candidate.sorted(features);
        if (ensemble.isEmpty()) {
            return new Prediction(fallback, Prediction.UNINFORMED.uncertainty());
        }
        double novelty = support.novelty(features) * support.targetSpread;
        boolean shares = false;
        for (String name : features.keySet()) {
            if (trainedOn.contains(name)) {
                shares = true;
                break;
            }
        }
        if (!shares) {
            // nothing the trees can split on: the results' mean, as unsure as the novelty says
            return new Prediction(fallback, novelty);
        }
        Example<Regressor> e = example(features, RegressionFactory.UNKNOWN_REGRESSOR);
        double sum = 0;
        double sq = 0;
        for (Model<Regressor> m : ensemble) {
            double v = m.predict(e).getOutput().getValues()[0];
            sum += v;
            sq += v * v;
        }
        int k = ensemble.size();
        double mean = sum / k;
        double var = Math.max(0, (sq - k * mean * mean) / (k - 1));
        return new Prediction(mean, Math.sqrt(var + novelty * novelty));
    }

    /**
     * The training designs as an inverted index of scaled features, for the novelty part of the
     * uncertainty: a design's cosine with every training design costs one pass over the postings of the
     * features it has.
     */
    private static final class Support {
        private final Map<String, Integer> ids = new HashMap<>();
        private final double[] scale;
        private final int[][] postingExample;
        private final double[][] postingValue;
        private final double[] norm;
        private final double targetSpread;

        Support(List<Map<String, Double>> features, double[] targets) {
            int n = features.size();
            List<Double> maxAbs = new ArrayList<>();
            List<List<double[]>> postings = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                for (Map.Entry<String, Double> f : Candidate.sorted(features.get(i)).entrySet()) {
                    if (f.getValue() == 0) {
                        continue;
                    }
                    Integer id = ids.get(f.getKey());
                    if (id == null) {
                        id = ids.size();
                        ids.put(f.getKey(), id);
                        maxAbs.add(0.0);
                        postings.add(new ArrayList<>());
                    }
                    maxAbs.set(id, Math.max(maxAbs.get(id), Math.abs(f.getValue())));
                    postings.get(id).add(new double[] {i, f.getValue()});
                }
            }
            scale = new double[ids.size()];
            postingExample = new int[ids.size()][];
            postingValue = new double[ids.size()][];
            norm = new double[n];
            for (int id = 0; id < scale.length; id++) {
                scale[id] = maxAbs.get(id);
                List<double[]> p = postings.get(id);
                postingExample[id] = new int[p.size()];
                postingValue[id] = new double[p.size()];
                for (int j = 0; j < p.size(); j++) {
                    int i = (int) p.get(j)[0];
                    double v = p.get(j)[1] / scale[id];
                    postingExample[id][j] = i;
                    postingValue[id][j] = v;
                    norm[i] += v * v;
                }
            }
            for (int i = 0; i < n; i++) {
                norm[i] = Math.sqrt(norm[i]);
            }
            double mean = 0;
            for (double t : targets) {
                mean += t;
            }
            mean /= n;
            double var = 0;
            for (double t : targets) {
                var += (t - mean) * (t - mean);
            }
            targetSpread = Math.sqrt(var / (n - 1));
        }

        /** 1 - the highest cosine similarity to a training design, in [0, 1]. */
        double novelty(Map<String, Double> features) {
            double[] dot = new double[norm.length];
            double queryNorm = 0;
            for (Map.Entry<String, Double> f : features.entrySet()) {
                double v = f.getValue();
                if (v == 0) {
                    continue;
                }
                Integer id = ids.get(f.getKey());
                if (id == null) {
                    queryNorm += 1; // a feature no training design has: scaled by itself
                    continue;
                }
                double q = v / scale[id];
                queryNorm += q * q;
                int[] ex = postingExample[id];
                double[] val = postingValue[id];
                for (int j = 0; j < ex.length; j++) {
                    dot[ex[j]] += q * val[j];
                }
            }
            if (queryNorm == 0) {
                return 1;
            }
            double best = 0;
            for (int i = 0; i < dot.length; i++) {
                if (norm[i] > 0) {
                    best = Math.max(best, dot[i] / norm[i]);
                }
            }
            return Math.max(0, 1 - best / Math.sqrt(queryNorm));
        }
    }

    /** Features in name order, so that nothing depends on a map's iteration order. */
    private static ArrayExample<Regressor> example(Map<String, Double> features, Regressor output) {
        String[] names = features.keySet().toArray(new String[0]);
        Arrays.sort(names);
        double[] values = new double[names.length];
        for (int i = 0; i < names.length; i++) {
            values[i] = features.get(names[i]);
        }
        return new ArrayExample<>(output, names, values);
    }
}
