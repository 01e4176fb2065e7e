package archlab.agent.slurm;

import java.util.Locale;
import java.util.Set;

/**
 * What the scheduler says about one job.
 *
 * @param state    Slurm's state name, such as {@code PENDING}, {@code RUNNING}, {@code CANCELLED}
 *                 ({@link #GONE} when no Slurm command knows the job any more)
 * @param reason   why it waits or ended ({@code None}, {@code Priority}, {@code NodeFail}, ...), or null
 * @param exitCode {@code status:signal} as Slurm writes it ({@code 0:15} is a SIGTERM), or null
 * @param nodes    the node list, or null before it started
 */
public record JobState(String jobId, String state, String reason, String exitCode, String nodes) {
    /** No Slurm command knows the job: purged from the controller, and no accounting to ask. */
    public static final String GONE = "GONE";

    /** States in which the job may still run and write a result. */
    private static final Set<String> ACTIVE = Set.of("PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED",
            "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD");

    public JobState {
        state = state == null ? GONE : state.trim().toUpperCase(Locale.ROOT);
        // sacct writes "CANCELLED by 0"; the state is the first word
        int space = state.indexOf(' ');
        if (space > 0) {
            state = state.substring(0, space);
        }
        state = state.replace("+", "");
    }

    public static JobState gone(String jobId) {
        return new JobState(jobId, GONE, null, null, null);
    }

    /** The job may still run (or is queued to): wait for it. */
    public boolean active() {
        return ACTIVE.contains(state);
    }

    /** The job is over, whatever its end: only the store says whether it left a result. */
    public boolean ended() {
        return !active();
    }

    /** A short description for logs and failure messages: {@code job 12 CANCELLED (exit 0:15)}. */
    public String describe() {
        StringBuilder s = new StringBuilder("job ").append(jobId).append(' ').append(state);
        boolean reasonful = reason != null && !reason.isBlank() && !reason.equalsIgnoreCase("None");
        boolean exitful = exitCode != null && !exitCode.isBlank() && !exitCode.equals("0:0");
        if (reasonful || exitful) {
            s.append(" (");
            if (reasonful) {
                s.append("reason ").append(reason);
            }
            if (exitful) {
                s.append(reasonful ? ", " : "").append("exit ").append(exitCode);
            }
            s.append(')');
        }
        if (nodes != null && !nodes.isBlank() && !nodes.equals("(null)")) {
            s.append(" on ").append(nodes);
        }
        return s.toString();
    }
}
