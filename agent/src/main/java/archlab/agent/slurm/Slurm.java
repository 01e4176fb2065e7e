package archlab.agent.slurm;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The few things archlab asks of Slurm. {@link SlurmCli} runs the real commands; tests of the
 * executor's bookkeeping could stand in for it, the integration test never does.
 */
public interface Slurm {
    /**
     * Asks the controller whether {@code job} could run, without submitting it ({@code sbatch
     * --test-only}); throws with Slurm's own words (an unknown partition, a gres the cluster lacks) when not.
     */
    void check(BatchJob job);

    /** Submits a batch job ({@code sbatch --parsable}) and returns its job id. */
    String submit(BatchJob job);

    /**
     * The states of the given jobs that the controller still knows ({@code squeue --states=all});
     * a job missing from the map is unknown to it (finished long ago, or never existed).
     */
    Map<String, JobState> states(Collection<String> jobIds);

    /**
     * Everything known about one job that squeue no longer lists: {@code scontrol show job}, else
     * {@code sacct} when accounting is on; empty when neither knows it.
     */
    Optional<JobState> lookup(String jobId);

    /** Jobs that are queued or running under this name ({@code squeue --name}). */
    List<String> activeByName(String name);

    /** Cancels jobs ({@code scancel}); jobs already gone are not an error. */
    void cancel(Collection<String> jobIds);
}
