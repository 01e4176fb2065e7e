package archlab.agent.search;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs strategies on a space whose fitness is known in advance (a tabular benchmark), each with many seeds,
 * and summarises how good the best result is after each evaluation. Runs are independent and go to a
 * fixed-size thread pool; every run's randomness comes from its seed alone and results are gathered by
 * index, so the summary is the same for any number of threads. Run {@code s} of every strategy uses
 * seed {@code s} (common random numbers: the strategies start from the same fresh draws).
 */
public final class SearchBenchmark {
    /** What to run. */
    public record Config(List<String> strategies, int budget, int seeds, int threads, SearchSettings settings) {
        public Config {
            strategies = List.copyOf(strategies);
            if (strategies.isEmpty()) {
                throw new IllegalArgumentException("no strategy to benchmark");
            }
            for (String s : strategies) {
                if (!SearchStrategies.NAMES.contains(s)) {
                    throw new IllegalArgumentException("unknown search strategy '" + s + "'; expected one of "
                            + String.join(", ", SearchStrategies.NAMES));
                }
            }
            if (budget < 1 || seeds < 1 || threads < 1) {
                throw new IllegalArgumentException("budget, seeds and threads must be >= 1");
            }
        }
    }

    /** One strategy's run with one seed: the best fitness after each evaluation, and the CPU time it took. */
    public record Run(String strategy, int seed, double[] bestSoFar, int evaluationsToOptimum, RankQuality quality,
                      double seconds) {
        public double best() {
            return bestSoFar[bestSoFar.length - 1];
        }
    }

    /**
     * One strategy over all seeds. {@code hitRate}: the share of seeds that found the optimum;
     * {@code meanEvaluationsToOptimum} and the median: over the seeds that did (NaN when none did);
     * {@code meanCurve}, {@code lowerCurve}, {@code upperCurve}: the mean, 25th and 75th percentile of
     * best-so-far after each evaluation; {@code kendallTau} and {@code spearmanRho}: the value model's
     * prequential ranking quality, averaged over seeds (NaN without a value model); {@code seconds}: CPU time
     * summed over runs (measured per thread, so other load on the machine does not inflate it).
     */
    public record Summary(String strategy, int seeds, int budget, double meanBest, double medianBest, double stdBest,
                          double hitRate, double meanEvaluationsToOptimum, double medianEvaluationsToOptimum,
                          double kendallTau, double spearmanRho, double seconds, double[] meanCurve,
                          double[] lowerCurve, double[] upperCurve) {
    }

    /** Told as runs finish (from worker threads). */
    @FunctionalInterface
    public interface Progress {
        void runFinished(int done, int total, Run run);
    }

    private SearchBenchmark() {
    }

    /**
     * Runs every strategy with every seed. {@code spaces} gives each run its own space (a space may cache,
     * so one instance may also be shared when it is thread-safe).
     */
    public static <C> Map<String, Summary> run(Supplier<SearchSpace<C>> spaces, SearchLoop.Evaluator<C> evaluator,
                                               double optimum, Config config, Progress progress) {
        int total = config.strategies().size() * config.seeds();
        Run[] runs = new Run[total];
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(config.threads(), r -> {
            Thread t = new Thread(r, "bench-search");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>(total);
            for (int si = 0; si < config.strategies().size(); si++) {
                for (int seed = 0; seed < config.seeds(); seed++) {
                    int index = si * config.seeds() + seed;
                    String strategy = config.strategies().get(si);
                    int runSeed = seed;
                    futures.add(pool.submit(() -> {
                        Run r = runOne(spaces.get(), evaluator, optimum, strategy, runSeed, config);
                        runs[index] = r;
                        if (progress != null) {
                            progress.runFinished(done.incrementAndGet(), total, r);
                        }
                    }));
                }
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
        } finally {
            pool.shutdownNow();
        }
        Map<String, Summary> out = new LinkedHashMap<>();
        for (int si = 0; si < config.strategies().size(); si++) {
            out.put(config.strategies().get(si), summarise(config.strategies().get(si),
                    Arrays.copyOfRange(runs, si * config.seeds(), (si + 1) * config.seeds()), config.budget()));
        }
        return out;
    }

    static <C> Run runOne(SearchSpace<C> space, SearchLoop.Evaluator<C> evaluator, double optimum, String name,
                          int seed, Config config) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        SearchSettings settings = config.settings().toBuilder().seed(seed).moves(space.moves()).build();
        SearchStrategy strategy = SearchStrategies.create(name, settings);
        SearchLoop<C> loop = new SearchLoop<>(space, strategy, seed);
        double[] best = new double[config.budget()];
        int n = 0;
        int hitAt = -1;
        double bestSoFar = Double.NEGATIVE_INFINITY;
        while (n < config.budget()) {
            for (SearchLoop.Evaluated<C> e : loop.step(evaluator)) {
                if (n == config.budget()) {
                    break;
                }
                if (e.fitness() != null) {
                    bestSoFar = Math.max(bestSoFar, e.fitness());
                }
                best[n++] = bestSoFar;
                if (hitAt < 0 && bestSoFar >= optimum) {
                    hitAt = n;
                }
            }
        }
        return new Run(name, seed, best, hitAt, strategy.rankQuality(), (threads.getCurrentThreadCpuTime() - start) / 1e9);
    }

    static Summary summarise(String strategy, Run[] runs, int budget) {
        int k = runs.length;
        double[] finals = new double[k];
        List<Double> hits = new ArrayList<>();
        double tau = 0;
        double rho = 0;
        int qualities = 0;
        double seconds = 0;
        for (int i = 0; i < k; i++) {
            finals[i] = runs[i].best();
            if (runs[i].evaluationsToOptimum() > 0) {
                hits.add((double) runs[i].evaluationsToOptimum());
            }
            RankQuality q = runs[i].quality();
            if (!Double.isNaN(q.kendallTau())) {
                tau += q.kendallTau();
                rho += q.spearmanRho();
                qualities++;
            }
            seconds += runs[i].seconds();
        }
        double mean = Arrays.stream(finals).average().orElse(Double.NaN);
        double var = 0;
        for (double f : finals) {
            var += (f - mean) * (f - mean);
        }
        double[] meanCurve = new double[budget];
        double[] lower = new double[budget];
        double[] upper = new double[budget];
        double[] column = new double[k];
        for (int t = 0; t < budget; t++) {
            double sum = 0;
            for (int i = 0; i < k; i++) {
                column[i] = runs[i].bestSoFar()[t];
                sum += column[i];
            }
            meanCurve[t] = sum / k;
            lower[t] = percentile(column, 25);
            upper[t] = percentile(column, 75);
        }
        double[] hitArray = hits.stream().mapToDouble(Double::doubleValue).toArray();
        return new Summary(strategy, k, budget, mean, percentile(finals, 50), k > 1 ? Math.sqrt(var / (k - 1)) : 0,
                (double) hits.size() / k, hits.isEmpty() ? Double.NaN : Arrays.stream(hitArray).average().orElse(0),
                hits.isEmpty() ? Double.NaN : percentile(hitArray, 50), qualities == 0 ? Double.NaN : tau / qualities,
                qualities == 0 ? Double.NaN : rho / qualities, seconds, meanCurve, lower, upper);
    }

    /** Linear-interpolated percentile (0..100) of {@code values}. */
    static double percentile(double[] values, double p) {
        double[] v = values.clone();
        Arrays.sort(v);
        if (v.length == 0) {
            return Double.NaN;
        }
        double pos = p / 100 * (v.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return v[lo] + (v[hi] - v[lo]) * (pos - lo);
    }
}
