package archlab.knowledge.mining;

import archlab.sandbox.graph.ArchGraph;
import java.util.Objects;

/**
 * One experiment as the miner sees it.
 *
 * @param experimentId its id
 * @param graph        its graph; experiments without one (not in the language, or not parseable) are skipped
 * @param fitness      its fitness, null when it has none
 * @param failed       whether it failed (diverged, ran out of memory, ...): failures are the contrast set
 */
public record MiningInput(String experimentId, ArchGraph graph, Double fitness, boolean failed) {
    public MiningInput {
        Objects.requireNonNull(experimentId, "experimentId");
    }

    public static MiningInput success(String id, ArchGraph graph, Double fitness) {
        return new MiningInput(id, graph, fitness, false);
    }

    public static MiningInput failure(String id, ArchGraph graph) {
        return new MiningInput(id, graph, null, true);
    }
}
