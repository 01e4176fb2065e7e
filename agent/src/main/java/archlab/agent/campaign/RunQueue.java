package archlab.agent.campaign;

import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Store;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.task.Task;
import archlab.sandbox.train.Failure;
import archlab.sandbox.train.ProgressListener;
import archlab.sandbox.train.TrainConfig;
import archlab.sandbox.worker.EvaluationRequest;
import archlab.sandbox.worker.EvaluationResult;
import archlab.sandbox.worker.Limits;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The training runs waiting, the ones in flight and the ones finished but not yet recorded, with the
 * one seam where training happens: the campaign's {@link Executor} (local worker processes or Slurm
 * jobs). Also the watchdog, which sets a run's time limit from its stage's peers.
 *
 * <p>With the deterministic schedule ({@code ordered}), results are handed back in the order their
 * runs started, never in the order they finish: a run that finishes early waits for the runs started
 * before it, and its slot counts as taken until then. So everything the coordinator decides (what to
 * plan, what to start next) is a function of the results so far, not of which worker was faster
 * (docs/campaigns.md, "Reproducing a campaign").
 */
final class RunQueue implements AutoCloseable {
    /** A run slower than this multiple of its peers' median is stopped (the watchdog). */
    static final double WATCHDOG_SLOWER_THAN_PEERS = 5.0;
    /** Peers needed before the watchdog judges a run's time. */
    static final int WATCHDOG_PEERS = 3;
    /** A floor under the watchdog's limit, so that one fast start does not starve the next run. */
    static final double WATCHDOG_MIN_SECONDS = 60;
    /** A run given less than this before the deadline would measure nothing: none is started. */
    static final double MIN_RUN_SECONDS = 5;

    /** One training run: an experiment at a stage with a seed; {@code attempt} counts runs lost to a worker crash. */
    record Job(String experimentId, String stage, int seed, String definition, int attempt) {
        Job(String experimentId, String stage, int seed, String definition) {
            this(experimentId, stage, seed, definition, 0);
        }

        /** The run's name in every session: experiment ids are unique across campaigns and machines. */
        String key() {
            return experimentId + "/" + stage + "/" + seed;
        }
    }

    record Finished(Job job, EvaluationResult result, long order) {
    }

    private final Executor executor;
    private final Store store;
    private final CampaignEvents events;
    private final Task task;
    private final Supplier<CampaignConfig> config;
    private final IntSupplier slotLimit;
    private final ExecutorService slots;
    private final Deque<Job> queued = new ArrayDeque<>();
    /** Runs started and not yet handed back. */
    private final List<Job> running = new ArrayList<>();
    private final LinkedBlockingQueue<Finished> finished = new LinkedBlockingQueue<>();
    /** Finished runs not yet handed back, by the order they started in. */
    private final Map<Long, Finished> arrived = new java.util.LinkedHashMap<>();
    private final Map<String, List<Double>> secondsByStage = new HashMap<>();
    private final boolean ordered;
    /** Seconds before the campaign's wall-clock deadline (infinite without one): no run may outlive it. */
    private final DoubleSupplier secondsLeft;
    /** Runs whose time limit is the deadline's, so that a timeout of theirs is the deadline's. */
    private final Set<Job> cappedByDeadline = new HashSet<>();
    /** Runs started, and the order number of the next one to hand back. */
    private long started;
    private long nextBack;
    private int inFlight;

    RunQueue(Executor executor, Store store, CampaignEvents events, Task task, Supplier<CampaignConfig> config,
             IntSupplier slotLimit, boolean ordered, DoubleSupplier secondsLeft) {
        this.executor = executor;
        this.secondsLeft = secondsLeft;
        this.store = store;
        this.events = events;
        this.task = task;
        this.config = config;
        this.slotLimit = slotLimit;
        this.ordered = ordered;
        this.slots = Executors.newFixedThreadPool(executor.slots(), r -> {
            Thread t = new Thread(r, "archlab-slot");
            t.setDaemon(true);
            return t;
        });
    }

    int inFlight() {
        return inFlight;
    }

    boolean isEmpty() {
        return queued.isEmpty();
    }

    /** Whether a slot is free for another run. */
    boolean hasFreeSlot() {
        return inFlight < slotLimit.getAsInt();
    }

    /** Distinct experiments waiting to train. */
    long experimentsWaiting() {
        return queued.stream().map(Job::experimentId).distinct().count();
    }

    List<Job> waiting() {
        return List.copyOf(queued);
    }

    /** Whether this run is waiting for a slot or training now. */
    boolean has(String experimentId, String stage, int seed) {
        return java.util.stream.Stream.concat(queued.stream(), running.stream())
                .anyMatch(j -> j.experimentId().equals(experimentId) && j.stage().equals(stage) && j.seed() == seed);
    }

    void add(Job job) {
        queued.add(job);
    }

    /** Puts runs at the head of the queue, in the order given. */
    void addFirst(List<Job> jobs) {
        for (int i = jobs.size() - 1; i >= 0; i--) {
            queued.addFirst(jobs.get(i));
        }
    }

    void removeIf(Predicate<Job> which) {
        queued.removeIf(which);
    }

    /** Queues the (stage, seed) runs of {@code e} that have no result yet; returns how many. */
    int enqueueMissing(Experiment e, CampaignConfig.Stage stage) {
        int n = 0;
        for (int seed = 0; seed < stage.seeds(); seed++) {
            if (store.evaluations().find(e.id(), stage.name(), seed).isEmpty()) {
                queued.add(new Job(e.id(), stage.name(), seed, e.definition()));
                n++;
            }
        }
        return n;
    }

    /** Starts the next queued run if a slot is free; returns whether one started. */
    boolean dispatch(boolean paused) {
        if (!hasFreeSlot() || queued.isEmpty() || paused || pastDeadline()) {
            return false;
        }
        Job job = queued.poll();
        long order = started++;
        running.add(job);
        CampaignConfig.Stage stage = stage(job.stage());
        EvaluationRequest request;
        try {
            request = request(job, stage);
        } catch (DefinitionException | IllegalArgumentException ex) {
            finished.add(new Finished(job, EvaluationResult.failed(job.experimentId(),
                    Failure.of("invalid_config", "check", "stage " + stage.name() + ": " + ex.getMessage()), 0, 0),
                    order));
            inFlight++;
            return true;
        }
        store.experiments().compareAndSetStatus(job.experimentId(), ExperimentStatus.QUEUED, ExperimentStatus.TRAINING);
        inFlight++;
        events.started(job.experimentId(), job.stage(), job.seed());
        slots.submit(() -> {
            EvaluationResult r;
            try {
                r = executor.evaluate(job.key(), request, new ProgressListener() {
                    @Override
                    public void onStep(int step, int steps, double loss, double lr, double elapsed) {
                        events.progress(job.experimentId(), step, steps, loss);
                    }
                });
            } catch (RuntimeException | Error ex) {
                // Every run started comes back, or the runs started after it would wait for it forever.
                r = EvaluationResult.failed(job.experimentId(),
                        Failure.of("internal", "worker", String.valueOf(ex.getMessage())), 0, 0);
            }
            finished.add(new Finished(job, r, order));
        });
        return true;
    }

    /**
     * The next finished run to record, waiting at most a second for one; null when none is due. With
     * the deterministic schedule that is the earliest-started run still out, once it has finished.
     */
    Finished poll() throws InterruptedException {
        Finished f = due();
        if (f == null) {
            Finished came = finished.poll(1, TimeUnit.SECONDS);
            if (came != null) {
                arrived.put(came.order(), came);
                f = due();
            }
        }
        if (f != null) {
            inFlight--;
            running.remove(f.job());
            if (f.result().ok()) {
                secondsByStage.computeIfAbsent(f.job().stage(), k -> new ArrayList<>()).add(f.result().wallSeconds());
            }
        }
        return f;
    }

    private Finished due() {
        Finished more;
        while ((more = finished.poll()) != null) {
            arrived.put(more.order(), more);
        }
        if (arrived.isEmpty()) {
            return null;
        }
        if (!ordered) {
            Long first = arrived.keySet().iterator().next();
            return arrived.remove(first);
        }
        Finished f = arrived.remove(nextBack);
        if (f != null) {
            nextBack++;
        }
        return f;
    }

    private EvaluationRequest request(Job job, CampaignConfig.Stage stage) throws DefinitionException {
        String source = stage.params().isEmpty() ? job.definition()
                : ModelDefinition.withParams(job.definition(), job.experimentId() + ".arch", stage.params());
        TrainConfig.Builder tc = TrainConfig.builder().steps(stage.steps() > 0 ? stage.steps() : task.defaultSteps())
                .seed(config.get().seed() * 1000 + job.seed());
        if (stage.batchSize() > 0) {
            tc.batchSize(stage.batchSize());
        }
        Limits limits = watchdogLimits(stage.name());
        double left = secondsLeft.getAsDouble();
        double limit = limits.wallSeconds() > 0 ? limits.wallSeconds() : Limits.DEFAULT.wallSeconds();
        if (left < limit) {
            limits = limits.withWallSeconds(Math.max(1, left));
            cappedByDeadline.add(job);
        }
        return new EvaluationRequest(job.experimentId(), source, job.experimentId() + ".arch", task.name(),
                config.get().primaryTask().options(), tc.build(), limits, 0);
    }

    /** Whether the deadline leaves too little time to start another run. */
    boolean pastDeadline() {
        return secondsLeft.getAsDouble() < MIN_RUN_SECONDS;
    }

    /** Whether this run's time limit was the campaign's deadline (then its timeout is the deadline's). */
    boolean cappedByDeadline(Job job) {
        return cappedByDeadline.remove(job);
    }

    /** The median time of a stage's finished runs, or empty before the first. */
    java.util.OptionalDouble medianSeconds(String stage) {
        List<Double> peers = secondsByStage.getOrDefault(stage, List.of());
        if (peers.isEmpty()) {
            return java.util.OptionalDouble.empty();
        }
        return java.util.OptionalDouble.of(peers.stream().sorted().toList().get(peers.size() / 2));
    }

    /** The watchdog's time limit: far slower than the stage's peers is stopped. */
    Limits watchdogLimits(String stage) {
        List<Double> peers = secondsByStage.getOrDefault(stage, List.of());
        if (peers.size() < WATCHDOG_PEERS) {
            return Limits.UNSET;
        }
        double median = medianSeconds(stage).orElseThrow();
        return new Limits(Math.max(WATCHDOG_MIN_SECONDS, WATCHDOG_SLOWER_THAN_PEERS * median), 0, 0, 0);
    }

    boolean watchdogArmed(String stage) {
        return !watchdogLimits(stage).equals(Limits.UNSET);
    }

    private CampaignConfig.Stage stage(String name) {
        return config.get().stage(name);
    }

    @Override
    public void close() {
        slots.shutdownNow();
    }
}
