package archlab.agent.slurm;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One job to submit: its name (archlab finds its jobs again by name), the batch script, the sbatch
 * options, and environment variables the job inherits from the submitting process (sbatch exports
 * the caller's environment), which keeps values such as the store's password off the command line.
 */
public record BatchJob(String name, String script, List<String> options, Map<String, String> environment) {
    public BatchJob {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(script, "script");
        options = List.copyOf(options);
        environment = Map.copyOf(environment);
    }
}
