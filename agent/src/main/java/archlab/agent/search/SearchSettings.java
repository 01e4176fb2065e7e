package archlab.agent.search;

import archlab.agent.research.Move;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Every constant of the search, with the defaults that docs/search.md justifies. Nothing here is in the
 * units of a particular benchmark: fitness enters the search only through its rank among the results
 * so far, so one set of defaults serves any task or table.
 *
 * @param seed             the seed every random choice derives from (per step, so a resumed search
 *                         draws the same numbers)
 * @param cPuct            PUCT exploration weight (level 1)
 * @param maxBackup        weight of the subtree's best result against its mean result in a node's value
 *                         Q (0 = classic mean backup, 1 = pure max backup)
 * @param wideningC        progressive widening: a node with N visits may have ceil(wideningC * N^wideningAlpha)
 *                         children
 * @param wideningAlpha    see wideningC
 * @param moveExploration  UCB1 exploration weight of the move bandit (level 2)
 * @param kappa            screening optimism: candidates rank by mean + kappa * uncertainty (level 3)
 * @param proposals        K, candidates proposed per step
 * @param evaluations      M, candidates evaluated per step (the top M by screening score)
 * @param ensembleSize     regressors in the value model's bootstrap ensemble
 * @param treeDepth        the maximum depth of each regression tree
 * @param minLeafWeight    the minimum (bootstrap) weight of a tree leaf
 * @param featureFraction  the share of features each tree split may choose from
 * @param references       how many of the best other nodes a recombination step may lean on
 * @param population       regularised evolution: population size (also the random warm-up of the
 *                         pool and greedy baselines)
 * @param tournament       regularised evolution: tournament sample size
 * @param poolSize         ASI-Arch-style pool: candidate pool size (top N by fitness)
 * @param poolTop          ASI-Arch-style pool: parents come from the pool's top poolTop, references
 *                         from the rest
 * @param moves            the research moves the search may choose from (those the planner or space
 *                         supports)
 */
public record SearchSettings(long seed, double cPuct, double maxBackup, double wideningC, double wideningAlpha,
                             double moveExploration, double kappa, int proposals, int evaluations, int ensembleSize,
                             int treeDepth, double minLeafWeight, double featureFraction, int references,
                             int population, int tournament, int poolSize, int poolTop, List<Move> moves) {
    public SearchSettings {
        moves = List.copyOf(Objects.requireNonNull(moves, "moves"));
        positive("cPuct", cPuct >= 0);
        positive("maxBackup", maxBackup >= 0 && maxBackup <= 1);
        positive("wideningC", wideningC > 0);
        positive("wideningAlpha", wideningAlpha >= 0 && wideningAlpha <= 1);
        positive("moveExploration", moveExploration >= 0);
        positive("kappa", kappa >= 0);
        positive("proposals", proposals >= 1);
        positive("evaluations", evaluations >= 1 && evaluations <= proposals);
        positive("ensembleSize", ensembleSize >= 2);
        positive("treeDepth", treeDepth >= 1);
        positive("minLeafWeight", minLeafWeight > 0);
        positive("featureFraction", featureFraction > 0 && featureFraction <= 1);
        positive("references", references >= 0);
        positive("population", population >= 1);
        positive("tournament", tournament >= 1 && tournament <= population);
        positive("poolSize", poolSize >= 2);
        positive("poolTop", poolTop >= 1 && poolTop < poolSize);
        positive("moves", !moves.isEmpty());
    }

    private static void positive(String name, boolean ok) {
        if (!ok) {
            throw new IllegalArgumentException("search setting " + name + " is out of range (see docs/search.md)");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The settings as a JSON object, as the store keeps them beside the search's state. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static SearchSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.seed = seed;
        b.cPuct = cPuct;
        b.maxBackup = maxBackup;
        b.wideningC = wideningC;
        b.wideningAlpha = wideningAlpha;
        b.moveExploration = moveExploration;
        b.kappa = kappa;
        b.proposals = proposals;
        b.evaluations = evaluations;
        b.ensembleSize = ensembleSize;
        b.treeDepth = treeDepth;
        b.minLeafWeight = minLeafWeight;
        b.featureFraction = featureFraction;
        b.references = references;
        b.population = population;
        b.tournament = tournament;
        b.poolSize = poolSize;
        b.poolTop = poolTop;
        b.moves = moves;
        return b;
    }

    /** Defaults first; set what differs. */
    public static final class Builder {
        private long seed = 0;
        private double cPuct = 1.0;
        private double maxBackup = 1.0;
        private double wideningC = 1.0;
        private double wideningAlpha = 0.5;
        private double moveExploration = 0.5;
        private double kappa = 1.0;
        private int proposals = 256;
        private int evaluations = 1;
        private int ensembleSize = 10;
        private int treeDepth = 8;
        private double minLeafWeight = 2;
        private double featureFraction = 0.5;
        private int references = 5;
        private int population = 10;
        private int tournament = 5;
        private int poolSize = 50;
        private int poolTop = 10;
        private List<Move> moves = List.of(Move.values());

        public Builder seed(long v) { seed = v; return this; }
        public Builder cPuct(double v) { cPuct = v; return this; }
        public Builder maxBackup(double v) { maxBackup = v; return this; }
        public Builder wideningC(double v) { wideningC = v; return this; }
        public Builder wideningAlpha(double v) { wideningAlpha = v; return this; }
        public Builder moveExploration(double v) { moveExploration = v; return this; }
        public Builder kappa(double v) { kappa = v; return this; }
        public Builder proposals(int v) { proposals = v; return this; }
        public Builder evaluations(int v) { evaluations = v; return this; }
        public Builder ensembleSize(int v) { ensembleSize = v; return this; }
        public Builder treeDepth(int v) { treeDepth = v; return this; }
        public Builder minLeafWeight(double v) { minLeafWeight = v; return this; }
        public Builder featureFraction(double v) { featureFraction = v; return this; }
        public Builder references(int v) { references = v; return this; }
        public Builder population(int v) { population = v; return this; }
        public Builder tournament(int v) { tournament = v; return this; }
        public Builder poolSize(int v) { poolSize = v; return this; }
        public Builder poolTop(int v) { poolTop = v; return this; }
        public Builder moves(List<Move> v) { moves = v; return this; }

        /**
         * Sets a constant by name, as a campaign file or {@code --set NAME=VALUE} writes it: the record
         * component's name, in any case, with or without dashes and underscores ({@code c_puct},
         * {@code cPuct}, {@code c-puct}); {@code moves} takes a comma-separated list.
         */
        public Builder set(String name, String value) {
            String key = name.strip().replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
            String v = value.strip();
            try {
                switch (key) {
                    case "seed" -> seed(Long.parseLong(v));
                    case "cpuct" -> cPuct(Double.parseDouble(v));
                    case "maxbackup" -> maxBackup(Double.parseDouble(v));
                    case "wideningc" -> wideningC(Double.parseDouble(v));
                    case "wideningalpha" -> wideningAlpha(Double.parseDouble(v));
                    case "moveexploration" -> moveExploration(Double.parseDouble(v));
                    case "kappa" -> kappa(Double.parseDouble(v));
                    case "proposals" -> proposals(Integer.parseInt(v));
                    case "evaluations" -> evaluations(Integer.parseInt(v));
                    case "ensemblesize" -> ensembleSize(Integer.parseInt(v));
                    case "treedepth" -> treeDepth(Integer.parseInt(v));
                    case "minleafweight" -> minLeafWeight(Double.parseDouble(v));
                    case "featurefraction" -> featureFraction(Double.parseDouble(v));
                    case "references" -> references(Integer.parseInt(v));
                    case "population" -> population(Integer.parseInt(v));
                    case "tournament" -> tournament(Integer.parseInt(v));
                    case "poolsize" -> poolSize(Integer.parseInt(v));
                    case "pooltop" -> poolTop(Integer.parseInt(v));
                    case "moves" -> {
                        List<Move> list = new ArrayList<>();
                        for (String m : v.split(",")) {
                            try {
                                list.add(Move.parse(m));
                            } catch (IllegalArgumentException e) {
                                throw new IllegalArgumentException("search setting moves: unknown move '" + m.strip()
                                        + "'; expected some of mutate, recombine, refine, apply_insight, reuse_subroutine");
                            }
                        }
                        moves(list);
                    }
                    default -> throw new IllegalArgumentException("unknown search setting '" + name + "'; known: seed,"
                            + " c_puct, max_backup, widening_c, widening_alpha, move_exploration, kappa, proposals,"
                            + " evaluations, ensemble_size, tree_depth, min_leaf_weight, feature_fraction, references,"
                            + " population, tournament, pool_size, pool_top, moves");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("search setting " + name + " needs a number, got '" + value + "'");
            }
            return this;
        }

        public SearchSettings build() {
            return new SearchSettings(seed, cPuct, maxBackup, wideningC, wideningAlpha, moveExploration, kappa,
                    proposals, evaluations, ensembleSize, treeDepth, minLeafWeight, featureFraction, references,
                    population, tournament, poolSize, poolTop, moves);
        }
    }
}
