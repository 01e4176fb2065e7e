package archlab.agent.slurm;

/** A Slurm command that failed or could not be run; the message has the command's own words. */
public final class SlurmException extends RuntimeException {
    public SlurmException(String message) {
        super(message);
    }

    public SlurmException(String message, Throwable cause) {
        super(message, cause);
    }
}
