package archlab.agent.slurm;

import archlab.agent.campaign.Executor;
import archlab.agent.campaign.SlurmSettings;
import archlab.knowledge.store.RemoteEvaluation;
import archlab.knowledge.store.RemoteEvaluations;
import archlab.knowledge.store.RemoteJob;
import archlab.sandbox.train.Failure;
import archlab.sandbox.train.ProgressListener;
import archlab.sandbox.worker.EvaluationRequest;
import archlab.sandbox.worker.EvaluationResult;
import archlab.sandbox.worker.Protocol;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Evaluations as Slurm jobs, one {@code sbatch} job per evaluation, results through the shared store
 * (docs/scale-out.md has the design and the failure table).
 *
 * <p>For each evaluation the coordinator writes the request to the store under its stable key
 * ({@link RemoteEvaluations#register}), submits a job that runs {@code archlab worker --evaluation KEY},
 * records the job id with the evaluation, and waits. The job's worker runs the request in the same
 * {@code Sandbox} as the local executor and writes the result to the store, once. The coordinator
 * reads it there, so the store, not the scheduler, says whether an evaluation is done.
 *
 * <p>Job states come from one poller for all jobs ({@code squeue} every {@code poll}), not one call per
 * waiting slot. A job that ended without a result (cancelled, preempted, timed out, its node failed,
 * its worker killed) is recorded and the evaluation submitted again, at most {@code retries} times;
 * after that it is a recorded failure. A coordinator that is killed leaves its jobs running: the next
 * one finds each evaluation's job id in the store and waits on that job instead of submitting another.
 * {@link #close} cancels the jobs this executor waits on.
 */
public final class SlurmExecutor implements Executor {
    /** Job names start with this, so that {@code squeue --name} finds an evaluation's job again. */
    static final String JOB_PREFIX = "archlab-";

    private final SlurmSettings settings;
    private final Slurm slurm;
    private final RemoteEvaluations remote;
    private final String campaignId;
    private final String storeUrl;
    private final List<String> workerCommand;
    private final Path logDir;
    private final Consumer<String> log;
    private final JobWatch watch;
    /** Job id to evaluation key, for the jobs this executor waits on now. */
    private final Map<String, String> waiting = new HashMap<>();
    private volatile boolean closed;

    private SlurmExecutor(Builder b) {
        this.settings = Objects.requireNonNull(b.settings, "settings");
        this.slurm = Objects.requireNonNull(b.slurm, "slurm");
        this.remote = Objects.requireNonNull(b.remote, "remote");
        this.campaignId = b.campaignId;
        this.storeUrl = Objects.requireNonNull(b.storeUrl, "storeUrl");
        this.workerCommand = List.copyOf(b.workerCommand);
        this.logDir = b.logDir;
        this.log = b.log == null ? s -> { } : b.log;
        this.watch = new JobWatch(slurm, settings.poll(), this.log);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public EvaluationResult evaluate(EvaluationRequest request, ProgressListener progress) {
        return evaluate(request.id(), request, progress);
    }

    @Override
    public EvaluationResult evaluate(String key, EvaluationRequest request, ProgressListener progress) {
        EvaluationRequest effective = request.threads() > 0 ? request : request.withThreads(settings.cpus());
        String requestJson = json(effective);
        String lastProgress = null;
        String attachedTo = null;
        boolean abandoned = false;
        try {
            RemoteEvaluation row = remote.register(key, campaignId, requestJson);
            while (true) {
                if (closed) {
                    return internal(request, "the Slurm executor was closed while the evaluation waited");
                }
                if (row.result() != null) {
                    return result(request, row);
                }
                if (row.jobId() == null) {
                    if (row.lost() > settings.retries()) {
                        giveUp(key, request, row);
                    } else {
                        submit(key, effective, requestJson, row);
                    }
                    row = remote.find(key).orElseThrow();
                    continue;
                }
                String jobId = row.jobId();
                if (!jobId.equals(attachedTo)) {
                    attachedTo = jobId;
                    follow(jobId, key);
                    if (row.attempts() > 0 && !submittedHere(jobId)) {
                        log.accept("evaluation " + key + ": re-attached to Slurm job " + jobId + " from an earlier session");
                    }
                }
                JobState state = watch.awaitFresh(jobId);
                row = remote.find(key).orElseThrow();
                if (row.progress() != null && !row.progress().equals(lastProgress)) {
                    lastProgress = row.progress();
                    relay(row.progress(), progress);
                }
                if (row.result() != null || !jobId.equals(row.jobId()) || state == null || state.active()) {
                    continue;
                }
                // the job is over; its worker writes the result before it exits, so none now means none ever
                lost(key, jobId, state);
                row = remote.find(key).orElseThrow();
            }
        } catch (InterruptedException e) {
            // the campaign loop is going down: the job stays on the list that close() cancels
            abandoned = true;
            Thread.currentThread().interrupt();
            return internal(request, "interrupted while waiting for Slurm job " + attachedTo);
        } catch (RuntimeException e) {
            // a store or Slurm failure costs this evaluation, not the campaign; the job record stays for a resume
            return internal(request, "the Slurm executor failed: " + e.getMessage());
        } finally {
            if (attachedTo != null && !abandoned) {
                unfollow(attachedTo);
            }
        }
    }

    private final java.util.Set<String> submittedHere = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private boolean submittedHere(String jobId) {
        return submittedHere.contains(jobId);
    }

    /**
     * Submits the evaluation's next job, unless a job of its name is already queued or running (a
     * coordinator killed between sbatch and the store write left it): that one is adopted.
     */
    private void submit(String key, EvaluationRequest request, String requestJson, RemoteEvaluation row) {
        String name = jobName(key);
        List<String> running = slurm.activeByName(name);
        String jobId;
        if (!running.isEmpty()) {
            jobId = running.get(0);
            submittedHere.add(jobId);
            log.accept("evaluation " + key + ": adopted Slurm job " + jobId + ", submitted before the coordinator stopped");
        } else {
            jobId = slurm.submit(batchJob(key, request, row.attempts() + 1));
            submittedHere.add(jobId);
        }
        if (!remote.submitted(key, jobId, requestJson)) {
            // the evaluation got a result or another job meanwhile: this job is surplus
            slurm.cancel(List.of(jobId));
        } else if (row.attempts() > 0 && submittedHere.contains(jobId)) {
            log.accept("evaluation " + key + ": submitted again as Slurm job " + jobId + " (attempt "
                    + (row.attempts() + 1) + ", retries left " + (settings.retries() - row.lost()) + ")");
        }
    }

    /** The batch job for one attempt of an evaluation. */
    BatchJob batchJob(String key, EvaluationRequest request, int attempt) {
        List<String> options = new ArrayList<>();
        if (logDir != null) {
            options.add("--output=" + logDir.toAbsolutePath().resolve(safe(key) + "-%j.out"));
        }
        // the job inherits this process's environment, the store URL with it: no password on a command line
        options.add("--export=ALL");
        // the settings last, so that an --output or --export in sbatch_flags wins
        options.addAll(settings.sbatchOptions());
        StringBuilder script = new StringBuilder("#!/bin/bash\n");
        script.append("# archlab evaluation ").append(key).append(", attempt ").append(attempt)
                .append(" (docs/scale-out.md)\n");
        script.append("set -e\n");
        for (String line : settings.setup()) {
            script.append(line).append('\n');
        }
        script.append("exec");
        for (String part : workerCommand) {
            script.append(' ').append(shellQuote(part));
        }
        script.append(" worker --evaluation ").append(shellQuote(key)).append(" --threads ")
                .append(request.threads() > 0 ? request.threads() : settings.cpus()).append('\n');
        return new BatchJob(jobName(key), script.toString(), options, Map.of(WorkerEnvironment.STORE_URL, storeUrl));
    }

    /** The job ended without writing a result: record it; the loop submits again or gives up. */
    private void lost(String key, String jobId, JobState state) {
        JobState detail = state;
        if (JobState.GONE.equals(state.state())) {
            detail = slurm.lookup(jobId).orElse(state);
        }
        String note = detail.describe();
        if (remote.ended(key, jobId, detail.state(), note, true)) {
            log.accept("evaluation " + key + ": Slurm " + note + " ended without a result");
        }
    }

    /** Every allowed attempt was lost: the evaluation becomes a recorded failure, with each job's story. */
    private void giveUp(String key, EvaluationRequest request, RemoteEvaluation row) {
        List<RemoteJob> jobs = remote.jobs(key);
        String last = jobs.isEmpty() ? "" : jobs.get(jobs.size() - 1).state();
        String kind = switch (last) {
            case "TIMEOUT", "DEADLINE" -> EvaluationResult.TIMEOUT;
            case "OUT_OF_MEMORY" -> EvaluationResult.OOM;
            default -> EvaluationResult.CRASH;
        };
        String story = jobs.stream().map(j -> "job " + j.jobId() + " " + j.state()
                + (j.note() == null ? "" : " (" + j.note() + ")")).collect(Collectors.joining("; "));
        String message = "the evaluation's Slurm jobs ended without a result " + row.lost() + " times (retries: "
                + settings.retries() + "): " + story;
        EvaluationResult failed = EvaluationResult.failed(request.id(), Failure.of(kind, "worker", message), 0, 0);
        if (remote.complete(key, null, json(failed))) {
            log.accept("evaluation " + key + ": gave up after " + row.lost() + " lost jobs");
        }
    }

    private EvaluationResult result(EvaluationRequest request, RemoteEvaluation row) {
        try {
            EvaluationResult r = Protocol.mapper().readValue(row.result(), EvaluationResult.class);
            return Objects.equals(r.id(), request.id()) ? r : withId(r, request.id());
        } catch (JsonProcessingException e) {
            return internal(request, "the stored result of " + row.id() + " is not readable: " + e.getOriginalMessage());
        }
    }

    private static EvaluationResult withId(EvaluationResult r, String id) {
        return new EvaluationResult(id, r.status(), r.task(), r.primaryMetric(), r.metrics(), r.best(), r.curve(),
                r.stepsDone(), r.tokensPerSecond(), r.wallSeconds(), r.peakRssMb(), r.params(), r.flopsPerToken(),
                r.threads(), r.config(), r.taskConfig(), r.failure(), r.worker());
    }

    private static void relay(String progressJson, ProgressListener progress) {
        try {
            JsonNode p = Protocol.mapper().readTree(progressJson);
            progress.onStep(p.path("step").asInt(), p.path("steps").asInt(), p.path("loss").asDouble(),
                    p.path("lr").asDouble(), p.path("elapsed_s").asDouble());
        } catch (JsonProcessingException | RuntimeException e) {
            // progress is for the display only
        }
    }

    private static EvaluationResult internal(EvaluationRequest request, String message) {
        return EvaluationResult.failed(request.id(), Failure.of(EvaluationResult.INTERNAL, "worker", message), 0, 0);
    }

    private void follow(String jobId, String key) {
        synchronized (waiting) {
            waiting.put(jobId, key);
        }
        watch.track(jobId);
    }

    private void unfollow(String jobId) {
        synchronized (waiting) {
            waiting.remove(jobId);
        }
        watch.untrack(jobId);
    }

    /** {@code archlab-} and the key with anything unusual replaced, so every Slurm tool takes it as one word. */
    static String jobName(String key) {
        return JOB_PREFIX + safe(key);
    }

    private static String safe(String key) {
        return key.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    static String shellQuote(String s) {
        if (s.matches("[A-Za-z0-9_./:=@%+,-]+")) {
            return s;
        }
        return "'" + s.replace("'", "'\"'\"'") + "'";
    }

    private static String json(Object o) {
        try {
            return Protocol.mapper().writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + o.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /**
     * Asks Slurm whether {@code settings} can run a job at all (partition, account, gres, time and
     * memory limits), so that a wrong partition stops a campaign before it starts rather than failing
     * each of its evaluations. Throws {@link SlurmException} with Slurm's words.
     */
    public static void checkSettings(Slurm slurm, SlurmSettings settings) {
        slurm.check(new BatchJob(JOB_PREFIX + "settings-check", "#!/bin/bash\ntrue\n", settings.sbatchOptions(),
                Map.of()));
    }

    @Override
    public int slots() {
        return settings.maxInFlight();
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "slurm (%d jobs in flight at most, %d CPU%s each%s%s, %d retries)",
                settings.maxInFlight(), settings.cpus(), settings.cpus() == 1 ? "" : "s",
                settings.partition() == null ? "" : ", partition " + settings.partition(),
                settings.gres() == null ? "" : ", gres " + settings.gres(), settings.retries());
    }

    /**
     * Cancels the jobs this executor still waits on, or waited on when the campaign loop gave up on them
     * (it ended on an error), and records them as cancelled, not lost: a resumed campaign submits them
     * again without counting a retry. A coordinator killed outright (kill, Ctrl-C, a lost login node)
     * never gets here, and its jobs run on for {@code archlab resume} to re-attach to.
     */
    @Override
    public void close() {
        closed = true;
        Map<String, String> jobs;
        synchronized (waiting) {
            jobs = new LinkedHashMap<>(waiting);
        }
        watch.close();
        if (jobs.isEmpty()) {
            return;
        }
        try {
            slurm.cancel(jobs.keySet());
            jobs.forEach((jobId, key) -> remote.ended(key, jobId, "CANCELLED", "cancelled by the coordinator as it closed",
                    false));
            log.accept("cancelled " + jobs.size() + " Slurm job" + (jobs.size() == 1 ? "" : "s") + " in flight: "
                    + String.join(", ", jobs.keySet()));
        } catch (RuntimeException e) {
            log.accept("could not cancel Slurm jobs " + String.join(", ", jobs.keySet()) + ": " + e.getMessage());
        }
    }

    /** Configures a {@link SlurmExecutor}. */
    public static final class Builder {
        private SlurmSettings settings;
        private Slurm slurm;
        private RemoteEvaluations remote;
        private String campaignId;
        private String storeUrl;
        private List<String> workerCommand = WorkerEnvironment.workerCommand();
        private Path logDir;
        private Consumer<String> log;

        private Builder() {
        }

        public Builder settings(SlurmSettings v) {
            settings = v;
            return this;
        }

        public Builder slurm(Slurm v) {
            slurm = v;
            return this;
        }

        /** Where evaluations and their jobs are recorded: the shared store's repository. */
        public Builder remote(RemoteEvaluations v) {
            remote = v;
            return this;
        }

        public Builder campaignId(String v) {
            campaignId = v;
            return this;
        }

        /** The store's JDBC URL as the jobs must open it (reachable from the nodes). */
        public Builder storeUrl(String v) {
            storeUrl = v;
            return this;
        }

        /** The command that starts archlab on a node, before {@code worker ...}; default: this JVM's java and class path. */
        public Builder workerCommand(List<String> v) {
            workerCommand = v;
            return this;
        }

        /** Where the jobs write their output ({@code --output}); null: Slurm's default, the working folder. */
        public Builder logDir(Path v) {
            logDir = v;
            return this;
        }

        /** Where notes about jobs go (re-attached, lost, resubmitted, cancelled). */
        public Builder log(Consumer<String> v) {
            log = v;
            return this;
        }

        public SlurmExecutor build() {
            return new SlurmExecutor(this);
        }
    }
}
