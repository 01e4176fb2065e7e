package archlab.agent.slurm;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One poller for the states of every job an executor waits on: a single {@code squeue} per interval
 * for all of them, rather than one per waiting slot, which is what cluster administrators ask of
 * tools that poll. A slot asks for a state read after it asked ({@link #awaitFresh}), so that what it
 * reads in the store afterwards is at least as new as the state.
 */
final class JobWatch implements AutoCloseable {
    private final Slurm slurm;
    private final long pollMillis;
    private final Consumer<String> log;
    private final Map<String, Integer> tracked = new HashMap<>();
    private final Map<String, JobState> states = new HashMap<>();
    private final Thread poller;
    /** Polls begun, and polls finished (in order: poll n finishes as {@code finished} becomes n). */
    private long begun;
    private long finished;
    private String lastError;
    private boolean closed;

    JobWatch(Slurm slurm, Duration poll, Consumer<String> log) {
        this.slurm = slurm;
        this.pollMillis = Math.max(100, poll.toMillis());
        this.log = log;
        this.poller = new Thread(this::run, "archlab-slurm-poller");
        poller.setDaemon(true);
        poller.start();
    }

    synchronized void track(String jobId) {
        tracked.merge(jobId, 1, Integer::sum);
        notifyAll();
    }

    synchronized void untrack(String jobId) {
        if (tracked.merge(jobId, -1, Integer::sum) <= 0) {
            tracked.remove(jobId);
            states.remove(jobId);
        }
    }

    /**
     * The state of {@code jobId} from a poll that began after this call ({@link JobState#GONE} when
     * squeue no longer lists it), or null when no poll succeeded within a few intervals (the
     * controller does not answer; the caller simply asks again).
     */
    synchronized JobState awaitFresh(String jobId) throws InterruptedException {
        long wanted = begun + 1; // the poll running now, if any, may have read squeue before this call
        long deadline = System.currentTimeMillis() + 4 * pollMillis + 60_000;
        while (finished < wanted && !closed) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return null;
            }
            wait(left);
        }
        return states.get(jobId);
    }

    private void run() {
        while (true) {
            List<String> ids;
            synchronized (this) {
                if (closed) {
                    return;
                }
                ids = List.copyOf(tracked.keySet());
                begun++;
            }
            Map<String, JobState> seen = null;
            try {
                seen = ids.isEmpty() ? Map.of() : slurm.states(ids);
            } catch (RuntimeException e) {
                String m = e.getMessage();
                if (!m.equals(lastError)) {
                    log.accept("Slurm does not answer, asking again every " + pollMillis / 1000.0 + " s: " + m);
                }
                lastError = m;
            }
            synchronized (this) {
                if (seen != null) {
                    lastError = null;
                    for (String id : ids) {
                        if (tracked.containsKey(id)) {
                            states.put(id, seen.getOrDefault(id, JobState.gone(id)));
                        }
                    }
                }
                // a failed poll finishes too: waiters go on with the states they had (never a false GONE)
                finished++;
                notifyAll();
                try {
                    wait(pollMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        poller.interrupt();
    }
}
