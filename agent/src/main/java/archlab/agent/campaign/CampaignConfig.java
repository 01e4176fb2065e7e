package archlab.agent.campaign;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A campaign file, validated. docs/campaigns.md documents every field. Paths are already resolved
 * against the campaign file's folder; definitions are read.
 *
 * @param llm    the {@code llm:} section as written, for the LLM layer to read; null when offline
 * @param search the {@code search:} section as written (strategy and constants), for the search to read
 * @param store  a JDBC URL for a shared store, or null for the run folder's own H2 file
 * @param slurm  the Slurm executor's settings, or null for the local executor ({@code workers} sizes it)
 * @param schedule {@value #DETERMINISTIC}: results are applied to the search in the order their runs
 *                 started, so decisions do not depend on which run finishes first; {@value #FREE}: in the
 *                 order they arrive
 */
public record CampaignConfig(String name, String description, long seed, List<TaskSpec> tasks,
                             Definition baseline, List<Definition> seeds, Budget budget, String policy, JsonNode llm,
                             String strategy, JsonNode search, List<Stage> stages, int workers, Path output,
                             String store, SlurmSettings slurm, String schedule) {
    public static final String OFFLINE = "offline";
    public static final String DETERMINISTIC = "deterministic";
    public static final String FREE = "free";
    public static final String LLM = "llm";

    public CampaignConfig {
        Objects.requireNonNull(name, "name");
        tasks = List.copyOf(tasks);
        seeds = List.copyOf(seeds);
        stages = List.copyOf(stages);
        schedule = schedule == null ? DETERMINISTIC : schedule;
    }

    public boolean deterministic() {
        return DETERMINISTIC.equals(schedule);
    }

    /** The task the search ranks by: the first one. */
    /** The same campaign with these stages (a directive or the budget plan changed them). */
    public CampaignConfig withStages(List<Stage> v) {
        return new CampaignConfig(name, description, seed, tasks, baseline, seeds, budget, policy, llm, strategy, search,
                v, workers, output, store, slurm, schedule);
    }

    /** The stage of this name, else the first (a stage a directive or the plan renamed away). */
    public Stage stage(String stageName) {
        return stages.stream().filter(s -> s.name().equals(stageName)).findFirst().orElse(stages.get(0));
    }

    public TaskSpec primaryTask() {
        return tasks.get(0);
    }

    /** A task by registry name, with the options the campaign sets for it (strings, as the registry takes them). */
    public record TaskSpec(String name, Map<String, String> options) {
        public TaskSpec {
            options = Map.copyOf(options);
        }
    }

    /** A model definition: its text and where it came from ({@code inline} when written in the campaign file). */
    public record Definition(String source, String origin) {
    }

    /**
     * Limits; null means no limit of that kind. A campaign stops at the first one reached; token and
     * money limits are enforced before each LLM call.
     */
    public record Budget(Integer experiments, Duration wallClock, Long tokens, Double money) {
    }

    /**
     * A fidelity stage. {@code params} overrides the definition's own params for this stage (a smaller
     * width while exploring); {@code promote} says which of the stage's results go on to the next.
     */
    public record Stage(String name, int steps, int seeds, int batchSize, Map<String, Integer> params,
                        Promotion promote) {
        public Stage {
            params = Map.copyOf(params);
        }
    }

    /** Top {@code top} by fitness of the previous stage go on; {@code minFitness} also gates when set. */
    public record Promotion(int top, Double minFitness) {
    }
}
