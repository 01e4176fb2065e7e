package archlab.agent.slurm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Slurm through its command-line tools, run with {@link ProcessBuilder}: {@code sbatch}, {@code squeue},
 * {@code scontrol}, {@code sacct} and {@code scancel}. They are on every cluster's login nodes, need no
 * extra daemon (slurmrestd is often not deployed) and print stable machine-readable forms.
 *
 * <p>A command that cannot reach the controller (it restarts, or is busy) fails with a
 * {@link SlurmException}; {@link #submit} tries three times, the poller simply asks again later.
 */
public final class SlurmCli implements Slurm {
    private static final long TIMEOUT_S = 60;
    private static final int SUBMIT_TRIES = 3;

    private final String binDir;

    /** Commands from the PATH. */
    public SlurmCli() {
        this(null);
    }

    /** Commands from {@code binDir} (null: the PATH). */
    public SlurmCli(String binDir) {
        this.binDir = binDir;
    }

    /** Whether {@code sbatch} can be run at all (it prints its version). */
    public boolean available() {
        try {
            return run(List.of(tool("sbatch"), "--version"), null, Map.of()).ok();
        } catch (SlurmException e) {
            return false;
        }
    }

    @Override
    public void check(BatchJob job) {
        List<String> cmd = new ArrayList<>(List.of(tool("sbatch"), "--test-only", "--job-name=" + job.name()));
        cmd.addAll(job.options());
        Outcome o = run(cmd, job.script(), job.environment());
        if (!o.ok()) {
            throw new SlurmException("sbatch --test-only refuses the executor's settings: " + o.errOrOut().replace('\n', ' '));
        }
    }

    @Override
    public String submit(BatchJob job) {
        List<String> cmd = new ArrayList<>(List.of(tool("sbatch"), "--parsable", "--job-name=" + job.name()));
        cmd.addAll(job.options());
        SlurmException last = null;
        for (int attempt = 1; attempt <= SUBMIT_TRIES; attempt++) {
            // the script on stdin: sbatch keeps a copy with the job, so no file has to reach the nodes
            Outcome o = run(cmd, job.script(), job.environment());
            if (o.ok()) {
                return SlurmOutput.jobId(o.out());
            }
            last = new SlurmException("sbatch failed (exit " + o.exit() + "): " + o.errOrOut());
            if (!transientError(o.err())) {
                throw last;
            }
            pause(attempt);
        }
        throw last;
    }

    @Override
    public Map<String, JobState> states(Collection<String> jobIds) {
        if (jobIds.isEmpty()) {
            return Map.of();
        }
        Outcome o = run(List.of(tool("squeue"), "--noheader", "--states=all", "--format=" + SlurmOutput.SQUEUE_FORMAT,
                "--jobs=" + String.join(",", jobIds)), null, Map.of());
        if (!o.ok()) {
            // squeue fails when none of the ids is known any more; with some known it lists those
            if (o.err().contains("Invalid job id")) {
                return Map.of();
            }
            throw new SlurmException("squeue failed (exit " + o.exit() + "): " + o.errOrOut());
        }
        return SlurmOutput.squeue(o.out());
    }

    @Override
    public Optional<JobState> lookup(String jobId) {
        Outcome s = run(List.of(tool("scontrol"), "show", "job", "-o", jobId), null, Map.of());
        if (s.ok()) {
            Optional<JobState> found = SlurmOutput.scontrol(jobId, s.out());
            if (found.isPresent()) {
                return found;
            }
        }
        // without accounting (no slurmdbd) sacct answers "accounting storage is disabled": nothing more to learn
        Outcome a = run(List.of(tool("sacct"), "-n", "-P", "-X", "-o", SlurmOutput.SACCT_FIELDS, "-j", jobId), null,
                Map.of());
        return a.ok() ? SlurmOutput.sacct(jobId, a.out()) : Optional.empty();
    }

    @Override
    public List<String> activeByName(String name) {
        Outcome o = run(List.of(tool("squeue"), "--noheader", "--name=" + name, "--format=" + SlurmOutput.SQUEUE_FORMAT),
                null, Map.of());
        if (!o.ok()) {
            throw new SlurmException("squeue failed (exit " + o.exit() + "): " + o.errOrOut());
        }
        return SlurmOutput.squeue(o.out()).values().stream().filter(JobState::active).map(JobState::jobId).toList();
    }

    @Override
    public void cancel(Collection<String> jobIds) {
        if (jobIds.isEmpty()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of(tool("scancel")));
        cmd.addAll(jobIds);
        Outcome o = run(cmd, null, Map.of());
        if (!o.ok() && !o.err().contains("Invalid job id") && !o.err().contains("already completing or completed")) {
            throw new SlurmException("scancel failed (exit " + o.exit() + "): " + o.errOrOut());
        }
    }

    private String tool(String name) {
        return binDir == null ? name : binDir + "/" + name;
    }

    private static boolean transientError(String err) {
        String e = err.toLowerCase(java.util.Locale.ROOT);
        return e.contains("timed out") || e.contains("unable to contact slurm controller")
                || e.contains("try again") || e.contains("connection refused") || e.contains("resource temporarily");
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(1000L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SlurmException("interrupted while waiting to submit again");
        }
    }

    record Outcome(int exit, String out, String err) {
        boolean ok() {
            return exit == 0;
        }

        String errOrOut() {
            String s = err.isBlank() ? out : err;
            return s.strip();
        }
    }

    private static Outcome run(List<String> cmd, String stdin, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new SlurmException("cannot run " + cmd.get(0) + " (is Slurm installed and on the PATH?): "
                    + e.getMessage(), e);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the command exited without reading its input; its exit status says why
        }
        try {
            if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new SlurmException(String.join(" ", cmd.subList(0, Math.min(2, cmd.size()))) + " did not answer in "
                        + TIMEOUT_S + " s");
            }
            return new Outcome(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new SlurmException("interrupted while running " + cmd.get(0));
        }
    }

    private static String read(InputStream in) {
        try (in) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
