package archlab.knowledge.mining;

import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Diagnostic;
import archlab.sandbox.lang.Library;
import archlab.sandbox.lang.Parser;
import archlab.sandbox.lang.StandardLibrary;
import archlab.sandbox.lang.Validator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Mines frequent subgraphs from a population of experiments and writes the useful ones as blocks.
 *
 * <ol>
 * <li><b>Enumerate.</b> In every graph, from every op as root, every pattern of {@code minOps..maxOps}
 *     ops that grows from the root along operand edges ({@link Enumerator}); its canonical code
 *     ({@link PatternCode}) names it independently of the graph it sits in. Support counts experiments, not
 *     occurrences.</li>
 * <li><b>Frequent.</b> The best experiments (the top {@code bestFraction} of the successful ones by
 *     fitness) are the mining set: a pattern is frequent when at least {@code max(minSupport,
 *     minSupportFraction x |best|)} of them contain it.</li>
 * <li><b>Closed.</b> A frequent pattern is dropped when a larger one is found in exactly the same
 *     experiments and contains it: it adds nothing the larger one does not say.</li>
 * <li><b>Score.</b> Over the successful experiments with a fitness, the mean fitness with and without
 *     the pattern, as a standardised lift {@code (with - without) / sd x sqrt(n_with n_without / n)};
 *     plus the failure contrast (frequency among successes minus frequency among failures).</li>
 * <li><b>Write.</b> In score order, skipping patterns with no fitness lift and near-duplicates of
 *     patterns already chosen (one contains the other and their experiment sets overlap by at least
 *     {@code redundancyJaccard}), each is written as a block ({@link BlockWriter}) and checked: the block
 *     is called from a small definition on inputs of the representative's shapes, the definition must
 *     check, and the ops the call expands to must have the pattern's code. Patterns that fail are left
 *     out and counted.</li>
 * </ol>
 *
 * Bounds ({@link Options}): at most {@code maxOps} ops per pattern (default 6, at most 8), at most
 * {@code maxPerRoot} patterns per root and {@code maxSubsets} in all; the work is
 * {@code O(graphs x ops x patterns per root x maxOps)}. A population of 100 graphs of 100-200 ops mines in
 * a few seconds.
 */
public final class SubroutineMiner {
    /**
     * The knobs of mining.
     *
     * @param maxOps             the largest pattern, in ops (1..8)
     * @param minOps             the smallest pattern worth a block
     * @param bestFraction       the share of successful experiments, best first, that forms the mining set
     * @param minSupport         the least number of best experiments a frequent pattern occurs in
     * @param minSupportFraction the least share of the best experiments a frequent pattern occurs in
     * @param maxPerRoot         the most patterns enumerated from one root
     * @param maxSubsets         the most patterns enumerated in all; the rest of the population is skipped
     * @param maxResults         the most subroutines returned
     * @param redundancyJaccard  overlap of experiment sets above which a contained pattern is a near-duplicate
     * @param requireLift        keep only patterns whose mean fitness with is above without (when there is fitness)
     */
    public record Options(int maxOps, int minOps, double bestFraction, int minSupport, double minSupportFraction,
                          int maxPerRoot, long maxSubsets, int maxResults, double redundancyJaccard,
                          boolean requireLift) {
        public static final Options DEFAULT = new Options(6, 2, 0.5, 3, 0.1, 2_000, 20_000_000L, 20, 0.8, true);

        public Options {
            if (maxOps < 1 || maxOps > 8) {
                throw new IllegalArgumentException("maxOps must be in 1..8, got " + maxOps);
            }
            if (minOps < 1 || minOps > maxOps) {
                throw new IllegalArgumentException("minOps must be in 1..maxOps, got " + minOps);
            }
            if (bestFraction <= 0 || bestFraction > 1) {
                throw new IllegalArgumentException("bestFraction must be in (0, 1], got " + bestFraction);
            }
        }

        public Options withMaxOps(int v) {
            return new Options(v, Math.min(minOps, v), bestFraction, minSupport, minSupportFraction, maxPerRoot,
                    maxSubsets, maxResults, redundancyJaccard, requireLift);
        }

        public Options withBestFraction(double v) {
            return new Options(maxOps, minOps, v, minSupport, minSupportFraction, maxPerRoot, maxSubsets, maxResults,
                    redundancyJaccard, requireLift);
        }

        public Options withMinSupport(int count, double fraction) {
            return new Options(maxOps, minOps, bestFraction, count, fraction, maxPerRoot, maxSubsets, maxResults,
                    redundancyJaccard, requireLift);
        }

        public Options withMaxResults(int v) {
            return new Options(maxOps, minOps, bestFraction, minSupport, minSupportFraction, maxPerRoot, maxSubsets, v,
                    redundancyJaccard, requireLift);
        }

        public Options withRequireLift(boolean v) {
            return new Options(maxOps, minOps, bestFraction, minSupport, minSupportFraction, maxPerRoot, maxSubsets,
                    maxResults, redundancyJaccard, v);
        }
    }

    /**
     * What a mining run did.
     *
     * @param graphs           experiments with a graph
     * @param successes        of which successful
     * @param failures         of which failed
     * @param best             the size of the mining set
     * @param minSupport       the support threshold applied to it
     * @param subsets          patterns enumerated
     * @param distinctPatterns distinct codes among them
     * @param frequent         frequent patterns
     * @param closed           closed frequent patterns
     * @param rejected         patterns chosen but left out because their block could not be written or checked
     * @param truncatedRoots   roots whose enumeration hit {@code maxPerRoot}
     * @param truncatedGraphs  graphs skipped because {@code maxSubsets} was reached
     * @param millis           wall time
     */
    public record Stats(int graphs, int successes, int failures, int best, int minSupport, long subsets,
                        int distinctPatterns, int frequent, int closed, int rejected, int truncatedRoots,
                        int truncatedGraphs, long millis) {
    }

    /** The mined subroutines, best first, and what the run did. */
    public record Result(List<MinedSubroutine> subroutines, Stats stats) {
    }

    private final Options options;

    public SubroutineMiner() {
        this(Options.DEFAULT);
    }

    public SubroutineMiner(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public Options options() {
        return options;
    }

    /** Mines a population. */
    public Result mine(List<MiningInput> population) {
        long t0 = System.nanoTime();
        List<MiningInput> inputs = population.stream().filter(i -> i.graph() != null).toList();
        int n = inputs.size();
        PatternGraph[] graphs = new PatternGraph[n];
        boolean[] failed = new boolean[n];
        int failures = 0;
        for (int i = 0; i < n; i++) {
            graphs[i] = new PatternGraph(inputs.get(i).graph());
            failed[i] = inputs.get(i).failed();
            failures += failed[i] ? 1 : 0;
        }
        int successes = n - failures;
        boolean[] best = bestSet(inputs, failed);
        int bestCount = 0;
        for (boolean b : best) {
            bestCount += b ? 1 : 0;
        }
        int minSupport = Math.max(options.minSupport(), (int) Math.ceil(options.minSupportFraction() * bestCount));

        // 1. Enumerate and count.
        CodeTable table = new CodeTable();
        long[] subsets = {0};
        int truncatedRoots = 0;
        int truncatedGraphs = 0;
        for (int gi = 0; gi < n; gi++) {
            if (subsets[0] >= options.maxSubsets()) {
                truncatedGraphs++;
                continue;
            }
            PatternGraph g = graphs[gi];
            PatternCode coder = new PatternCode(g);
            Enumerator en = new Enumerator(g, options.maxOps(), options.maxPerRoot());
            int graphIndex = gi;
            for (int r = 0; r < g.size; r++) {
                if (g.kind[r] != PatternGraph.OP) {
                    continue;
                }
                boolean complete = en.enumerate(r, (members, count, root) -> {
                    subsets[0]++;
                    if (count >= options.minOps()) {
                        table.add(coder.code(members, count, root), count, graphIndex, root);
                    }
                });
                truncatedRoots += complete ? 0 : 1;
            }
        }

        // 2. Frequent in the best set.
        List<Integer> frequent = new ArrayList<>();
        Map<Integer, int[]> graphsOf = new HashMap<>();
        for (int s = 0; s < table.slots; s++) {
            if (table.support[s] < minSupport) {
                continue;
            }
            int[] gs = table.graphs(s);
            int inBest = 0;
            for (int g : gs) {
                inBest += best[g] ? 1 : 0;
            }
            if (inBest >= minSupport) {
                frequent.add(s);
                graphsOf.put(s, gs);
            }
        }

        // 3. Closed: no larger pattern with the same experiments contains it.
        Map<Integer, Set<Long>> subcodes = new HashMap<>();
        Map<Integer, int[]> instances = new HashMap<>();
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int s : frequent) {
            groups.computeIfAbsent(Arrays.toString(graphsOf.get(s)), k -> new ArrayList<>()).add(s);
        }
        List<Integer> closed = new ArrayList<>();
        for (List<Integer> group : groups.values()) {
            group.sort(Comparator.comparingInt((Integer s) -> -table.ops[s]).thenComparingLong(s -> table.code[s]));
            Set<Long> covered = new HashSet<>();
            for (int s : group) {
                if (covered.contains(table.code[s])) {
                    continue;
                }
                closed.add(s);
                if (group.size() > 1) {
                    covered.addAll(subcodes(s, table, graphs, instances, subcodes));
                }
            }
        }

        // 4. Score.
        double[] fitness = new double[n];
        boolean[] hasFitness = new boolean[n];
        double sum = 0;
        double sumSq = 0;
        int nf = 0;
        for (int i = 0; i < n; i++) {
            Double f = inputs.get(i).fitness();
            if (!failed[i] && f != null && Double.isFinite(f)) {
                fitness[i] = f;
                hasFitness[i] = true;
                sum += f;
                sumSq += f * f;
                nf++;
            }
        }
        double sd = nf > 1 ? Math.sqrt(Math.max(0, (sumSq - sum * sum / nf) / (nf - 1))) : 0;
        List<Candidate> scored = new ArrayList<>();
        for (int s : closed) {
            scored.add(score(s, table, graphsOf.get(s), failed, best, hasFitness, fitness, sd, successes, failures));
        }
        scored.sort(Comparator.comparingDouble((Candidate c) -> -c.score)
                .thenComparingInt(c -> -c.support).thenComparingInt(c -> -c.ops).thenComparingLong(c -> c.code));

        // 5. Write the useful ones.
        List<MinedSubroutine> out = new ArrayList<>();
        List<Candidate> chosen = new ArrayList<>();
        Map<Long, List<int[]>> occurrences = new HashMap<>();
        int rejected = 0;
        for (Candidate c : scored) {
            if (out.size() >= options.maxResults()) {
                break;
            }
            if (options.requireLift() && c.withMean != null && c.withoutMean != null && c.withMean <= c.withoutMean) {
                continue;
            }
            if (options.requireLift() && c.withMean != null && c.withoutMean == null && nf > 0) {
                continue; // in every experiment with a fitness: nothing to learn from it
            }
            if (redundant(c, chosen, table, graphs, instances, subcodes, occurrences)) {
                continue;
            }
            MinedSubroutine m = write(c, table, graphs, inputs, instances, fitness, hasFitness);
            if (m == null) {
                rejected++;
                continue;
            }
            chosen.add(c);
            out.add(m);
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        Stats stats = new Stats(n, successes, failures, bestCount, minSupport, subsets[0], table.slots, frequent.size(),
                closed.size(), rejected, truncatedRoots, truncatedGraphs, millis);
        return new Result(List.copyOf(out), stats);
    }

    /** The best experiments: the top {@code bestFraction} of successes by fitness, or all successes without fitness. */
    private boolean[] bestSet(List<MiningInput> inputs, boolean[] failed) {
        int n = inputs.size();
        boolean[] best = new boolean[n];
        List<Integer> withFitness = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Double f = inputs.get(i).fitness();
            if (!failed[i] && f != null && Double.isFinite(f)) {
                withFitness.add(i);
            }
        }
        if (withFitness.isEmpty()) {
            for (int i = 0; i < n; i++) {
                best[i] = !failed[i];
            }
            return best;
        }
        withFitness.sort(Comparator.comparingDouble((Integer i) -> -inputs.get(i).fitness()).thenComparingInt(i -> i));
        int k = Math.max(1, (int) Math.ceil(options.bestFraction() * withFitness.size()));
        for (int j = 0; j < k; j++) {
            best[withFitness.get(j)] = true;
        }
        return best;
    }

    /** A closed frequent pattern with its figures. */
    private static final class Candidate {
        int slot;
        long code;
        int ops;
        int[] graphs;
        int support;
        int bestSupport;
        int failureSupport;
        Double withMean;
        Double withoutMean;
        Double contrast;
        double score;
        double supportFraction;
    }

    private static Candidate score(int s, CodeTable table, int[] gs, boolean[] failed, boolean[] best,
                                   boolean[] hasFitness, double[] fitness, double sd, int successes, int failures) {
        Candidate c = new Candidate();
        c.slot = s;
        c.code = table.code[s];
        c.ops = table.ops[s];
        c.graphs = gs;
        boolean[] in = new boolean[failed.length];
        for (int g : gs) {
            in[g] = true;
            if (failed[g]) {
                c.failureSupport++;
            } else {
                c.support++;
            }
            if (best[g]) {
                c.bestSupport++;
            }
        }
        double sw = 0;
        double so = 0;
        int nw = 0;
        int no = 0;
        for (int g = 0; g < failed.length; g++) {
            if (!hasFitness[g]) {
                continue;
            }
            if (in[g]) {
                sw += fitness[g];
                nw++;
            } else {
                so += fitness[g];
                no++;
            }
        }
        c.withMean = nw > 0 ? sw / nw : null;
        c.withoutMean = no > 0 ? so / no : null;
        c.supportFraction = successes == 0 ? 0 : (double) c.support / successes;
        if (failures > 0) {
            c.contrast = c.supportFraction - (double) c.failureSupport / failures;
        }
        double lift = 0;
        if (nw > 0 && no > 0) {
            double diff = c.withMean - c.withoutMean;
            lift = sd > 0 ? diff / sd * Math.sqrt((double) nw * no / (nw + no)) : Math.signum(diff);
        } else if (nw == 0 && no == 0) {
            lift = c.supportFraction * c.ops; // no fitness anywhere: frequent and large first
        }
        c.score = lift + (c.contrast == null ? 0 : c.contrast);
        return c;
    }

    /**
     * A near-duplicate of a chosen pattern: their experiment sets overlap by at least
     * {@code redundancyJaccard}, and one contains the other, or in a graph holding both, some occurrences
     * share at least half of the smaller pattern's ops (two windows onto one larger structure that
     * {@code maxOps} cut into pieces).
     */
    private boolean redundant(Candidate c, List<Candidate> chosen, CodeTable table, PatternGraph[] graphs,
                              Map<Integer, int[]> instances, Map<Integer, Set<Long>> subcodes,
                              Map<Long, List<int[]>> occurrences) {
        for (Candidate q : chosen) {
            if (jaccard(c.graphs, q.graphs) < options.redundancyJaccard()) {
                continue;
            }
            if (subcodes(q.slot, table, graphs, instances, subcodes).contains(c.code)
                    || subcodes(c.slot, table, graphs, instances, subcodes).contains(q.code)) {
                return true;
            }
            int common = firstCommon(c.graphs, q.graphs);
            if (common < 0) {
                continue;
            }
            List<int[]> a = occurrences(c.slot, common, table, graphs, occurrences);
            List<int[]> b = occurrences(q.slot, common, table, graphs, occurrences);
            int need = (Math.min(c.ops, q.ops) + 1) / 2;
            for (int[] x : a) {
                for (int[] y : b) {
                    if (shared(x, y) >= need) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static int firstCommon(int[] a, int[] b) {
        int i = 0;
        int j = 0;
        while (i < a.length && j < b.length) {
            if (a[i] == b[j]) {
                return a[i];
            } else if (a[i] < b[j]) {
                i++;
            } else {
                j++;
            }
        }
        return -1;
    }

    private static int shared(int[] x, int[] y) {
        int n = 0;
        for (int u : x) {
            for (int v : y) {
                if (u == v) {
                    n++;
                    break;
                }
            }
        }
        return n;
    }

    /** Every occurrence (member set) of slot {@code s}'s pattern in graph {@code gi}. */
    private List<int[]> occurrences(int s, int gi, CodeTable table, PatternGraph[] graphs, Map<Long, List<int[]>> cache) {
        long key = ((long) s << 32) | gi;
        List<int[]> known = cache.get(key);
        if (known != null) {
            return known;
        }
        PatternGraph g = graphs[gi];
        long rootLabel = graphs[table.repGraph[s]].labelHash[table.repRoot[s]];
        long code = table.code[s];
        int ops = table.ops[s];
        PatternCode coder = new PatternCode(g);
        Enumerator en = new Enumerator(g, ops, options.maxPerRoot());
        List<int[]> out = new ArrayList<>();
        for (int r = 0; r < g.size; r++) {
            if (g.kind[r] != PatternGraph.OP || g.labelHash[r] != rootLabel) {
                continue;
            }
            en.enumerate(r, (members, count, root) -> {
                if (count == ops && coder.code(members, count, root) == code) {
                    out.add(Arrays.copyOf(members, count));
                }
            });
        }
        cache.put(key, out);
        return out;
    }

    private static double jaccard(int[] a, int[] b) {
        int i = 0;
        int j = 0;
        int both = 0;
        while (i < a.length && j < b.length) {
            if (a[i] == b[j]) {
                both++;
                i++;
                j++;
            } else if (a[i] < b[j]) {
                i++;
            } else {
                j++;
            }
        }
        int union = a.length + b.length - both;
        return union == 0 ? 1 : (double) both / union;
    }

    /** The members of slot {@code s}'s representative occurrence. */
    private int[] instance(int s, CodeTable table, PatternGraph[] graphs, Map<Integer, int[]> instances) {
        return instances.computeIfAbsent(s, k -> {
            PatternGraph g = graphs[table.repGraph[s]];
            return find(g, table.repRoot[s], table.code[s], table.ops[s]);
        });
    }

    private int[] find(PatternGraph g, int root, long code, int ops) {
        PatternCode coder = new PatternCode(g);
        Enumerator en = new Enumerator(g, ops, Integer.MAX_VALUE);
        int[][] found = {null};
        en.enumerate(root, (members, count, r) -> {
            if (count == ops && coder.code(members, count, r) == code) {
                found[0] = Arrays.copyOf(members, count);
                en.stop();
            }
        });
        if (found[0] == null) {
            throw new IllegalStateException("pattern " + Hash64.hex(code) + " not found again at its root");
        }
        return found[0];
    }

    /** The codes of the proper sub-patterns of slot {@code s} (at least {@code minOps} ops). */
    private Set<Long> subcodes(int s, CodeTable table, PatternGraph[] graphs, Map<Integer, int[]> instances,
                               Map<Integer, Set<Long>> cache) {
        Set<Long> known = cache.get(s);
        if (known != null) {
            return known;
        }
        int[] members = instance(s, table, graphs, instances);
        PatternGraph g = graphs[table.repGraph[s]];
        PatternCode coder = new PatternCode(g);
        Enumerator en = new Enumerator(g, members.length, Integer.MAX_VALUE);
        en.restrictTo(members);
        Set<Long> out = new HashSet<>();
        for (int r : members) {
            en.enumerate(r, (m, count, root) -> {
                if (count >= options.minOps() && count < members.length) {
                    out.add(coder.code(m, count, root));
                }
            });
        }
        cache.put(s, out);
        return out;
    }

    private MinedSubroutine write(Candidate c, CodeTable table, PatternGraph[] graphs, List<MiningInput> inputs,
                                  Map<Integer, int[]> instances, double[] fitness, boolean[] hasFitness) {
        int[] members = instance(c.slot, table, graphs, instances);
        PatternGraph g = graphs[table.repGraph[c.slot]];
        PatternCode.Canon canon = new PatternCode(g).canon(members, members.length, table.repRoot[c.slot]);
        if (canon.placeholders.isEmpty()) {
            return null; // a constant expression of weights: no inputs, no block
        }
        String code = Hash64.hex(c.code);
        String name = MinedSubroutine.nameFor(code);
        String block;
        try {
            block = BlockWriter.write(g, canon, name);
        } catch (BlockWriter.Unwritable e) {
            return null;
        }
        if (!checks(g, canon, name, block, c.code)) {
            return null;
        }
        List<Integer> examples = new ArrayList<>();
        for (int gi : c.graphs) {
            if (!inputs.get(gi).failed()) {
                examples.add(gi);
            }
        }
        examples.sort(Comparator.comparingDouble((Integer gi) -> hasFitness[gi] ? -fitness[gi] : Double.MAX_VALUE)
                .thenComparingInt(gi -> gi));
        List<String> ids = examples.stream().limit(5).map(gi -> inputs.get(gi).experimentId()).toList();
        String source = header(code, c, canon.placeholders.size(), ids) + block;
        return new MinedSubroutine(name, code, source, c.ops, canon.placeholders.size(), c.support,
                c.supportFraction, c.bestSupport, c.failureSupport, c.withMean, c.withoutMean, c.contrast, c.score, ids);
    }

    private static String header(String code, Candidate c, int arity, List<String> examples) {
        StringBuilder b = new StringBuilder();
        b.append("# mined subroutine ").append(code).append(": ").append(c.ops).append(" ops, ").append(arity)
                .append(arity == 1 ? " input" : " inputs").append('\n');
        b.append(String.format(Locale.ROOT, "# support %d successful experiments (%.0f%%), %d of the best, %d failed%n",
                c.support, 100 * c.supportFraction, c.bestSupport, c.failureSupport));
        if (c.withMean != null || c.withoutMean != null) {
            b.append("# mean fitness ").append(fmt(c.withMean)).append(" with, ").append(fmt(c.withoutMean))
                    .append(" without\n");
        }
        if (!examples.isEmpty()) {
            b.append("# seen in ").append(String.join(", ", examples)).append('\n');
        }
        return b.toString();
    }

    private static String fmt(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }

    /**
     * Whether a written block checks when called, and expands to the pattern: a definition calls it on inputs
     * of the representative's shapes; it must check, and the ops of the call must have the pattern's code.
     */
    static boolean checks(PatternGraph g, PatternCode.Canon canon, String name, String block, long code) {
        String wrapper = BlockWriter.wrapper(g, canon, name);
        if (wrapper == null) {
            return false;
        }
        try {
            String file = "mined/" + name + ".arch";
            Program program = Parser.parseLibrary(block, file);
            List<Diagnostic> problems = Validator.validateLibrary(Library.EMPTY.plus(program, file));
            if (problems.stream().anyMatch(Diagnostic::isError)) {
                return false;
            }
            Library lib = StandardLibrary.library().plus(program, file);
            ModelDefinition d = ModelDefinition.parse(wrapper, "mined/check_" + name + ".arch", lib, Map.of());
            return codeOfScope(d.graph(), name) == code;
        } catch (DefinitionException e) {
            return false;
        }
    }

    /** The code of the ops that a call of block {@code scope} expanded to; 0 when they are not one pattern. */
    private static long codeOfScope(ArchGraph graph, String scope) {
        List<OpNode> ops = new ArrayList<>();
        for (OpNode n : graph.dag().vertexSet()) {
            if (scope.equals(n.scope())) {
                ops.add(n);
            }
        }
        try {
            return SubgraphCode.code(new PatternGraph(graph), ops);
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }

    /**
     * Which of the subroutines a definition contains, by code: the later use of mined blocks, whether the
     * definition calls the block or writes the same ops out.
     */
    public static List<SubroutineUsage> usage(ArchGraph graph, Collection<MinedSubroutine> subroutines) {
        if (subroutines.isEmpty()) {
            return List.of();
        }
        Map<Long, MinedSubroutine> byCode = new HashMap<>();
        int maxOps = 1;
        int minOps = Integer.MAX_VALUE;
        for (MinedSubroutine m : subroutines) {
            byCode.put(Long.parseUnsignedLong(m.code(), 16), m);
            maxOps = Math.max(maxOps, m.ops());
            minOps = Math.min(minOps, m.ops());
        }
        maxOps = Math.min(maxOps, 8);
        PatternGraph g = new PatternGraph(graph);
        PatternCode coder = new PatternCode(g);
        Enumerator en = new Enumerator(g, maxOps, Integer.MAX_VALUE);
        Map<Long, Integer> counts = new LinkedHashMap<>();
        int least = minOps;
        for (int r = 0; r < g.size; r++) {
            Set<Long> here = new HashSet<>();
            en.enumerate(r, (members, count, root) -> {
                if (count >= least) {
                    long c = coder.code(members, count, root);
                    if (byCode.containsKey(c)) {
                        here.add(c);
                    }
                }
            });
            for (long c : here) {
                counts.merge(c, 1, Integer::sum);
            }
        }
        List<SubroutineUsage> out = new ArrayList<>();
        for (MinedSubroutine m : subroutines) {
            Integer k = counts.get(Long.parseUnsignedLong(m.code(), 16));
            if (k != null) {
                out.add(new SubroutineUsage(m.name(), m.code(), k));
            }
        }
        return out;
    }

    /**
     * Mines a campaign's finished experiments in the store and writes the subroutines found to its
     * {@code subroutine} table (see {@link SubroutineStore}).
     */
    public Result mineAndStore(archlab.knowledge.store.Store store, String campaignId) {
        return SubroutineStore.mineAndStore(store, campaignId, this);
    }

    /** The subroutines as one library file's text, in order. */
    public static String libraryText(List<MinedSubroutine> subroutines) {
        StringBuilder b = new StringBuilder();
        for (MinedSubroutine m : subroutines) {
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append(m.blockSource().stripTrailing()).append('\n');
        }
        return b.toString();
    }

    /**
     * {@code base} with the subroutines as library blocks from the file {@code file} (such as
     * {@code mined/CAMPAIGN.arch}), so that definitions can call them by name.
     */
    public static Library library(Library base, List<MinedSubroutine> subroutines, String file)
            throws DefinitionException {
        if (subroutines.isEmpty()) {
            return base;
        }
        return base.plus(Parser.parseLibrary(libraryText(subroutines), file), file);
    }
}
