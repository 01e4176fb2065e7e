package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.slurm.SlurmTestCluster;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.RemoteEvaluation;
import archlab.knowledge.store.RemoteJob;
import archlab.knowledge.store.Store;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short real campaign whose evaluations run through sbatch on the real cluster, against PostgreSQL
 * (docs/scale-out.md). Mid-run, one job is cancelled with scancel: it must be detected and submitted
 * again. Right after that resubmission the coordinator is killed with SIGKILL and the campaign
 * resumed: the job in flight is re-attached to, not submitted a third time. At the end the store holds
 * exactly one result per evaluation.
 */
@Tag("slurm")
class SlurmCampaignTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void cancelledJobIsRequeuedKilledCoordinatorReattachesAndEveryResultLandsOnce() throws Exception {
        try (SlurmTestCluster cluster = SlurmTestCluster.require()) {
            String url = cluster.storeUrl();
            Path base = Path.of("../knowledge-base/architectures/linear_attention.arch").toAbsolutePath().normalize();
            Path file = dir.resolve("slurm-tiny.yaml");
            Files.writeString(file, """
                    name: slurm-tiny
                    seed: 3
                    task: {name: mqar, options: {vocab: 16, seq_len: 24, pairs: 3}}
                    baseline: %s
                    budget: {experiments: 3, wall_clock: 8m}
                    stages:
                      - {name: explore, steps: 150, batch_size: 16, params: {d: 16}}
                    output: %s
                    store: "%s"
                    executor:
                      type: slurm
                      partition: debug
                      time: "00:05:00"
                      cpus: 1
                      memory: 1G
                      max_in_flight: 2
                      retries: 2
                      poll: 1s
                    """.formatted(base, dir.resolve("runs"), url));
            List<String> log = new CopyOnWriteArrayList<>();
            AtomicReference<String> cancelled = new AtomicReference<>();

            try (Store store = Store.open(url)) {
                // scancel the first job that is training (its worker reported progress), once
                Thread canceller = new Thread(() -> cancelFirstTrainingJob(store, cancelled));
                canceller.setDaemon(true);
                canceller.start();
                int first = runUntil(l -> l.contains("submitted again as Slurm job"), log, "run", file.toString(),
                        "--no-progress");
                canceller.interrupt();
                assertThat(first).as("killed right after the resubmission:\n" + String.join("\n", log)).isEqualTo(-9);
                assertThat(cancelled.get()).isNotNull();
                Path run;
                try (var s = Files.list(dir.resolve("runs"))) {
                    run = s.findFirst().orElseThrow();
                }
                int last = runUntil(null, log, "resume", run.toString(), "--no-progress");
                assertThat(last).as(String.join("\n", log)).isZero();

                Campaign c = store.campaigns().list().get(0);
                assertThat(c.status()).isEqualTo(CampaignStatus.DONE);
                List<Experiment> experiments = store.experiments().list(ExperimentQuery.campaign(c.id()));
                List<Evaluation> evaluations = new ArrayList<>();
                experiments.forEach(e -> evaluations.addAll(store.evaluations().forExperiment(e.id())));
                List<RemoteEvaluation> remote = store.remoteEvaluations().forCampaign(c.id());

                // exactly once: one job record with one result per evaluation, nothing left in flight
                Set<String> keys = new HashSet<>();
                for (Evaluation ev : evaluations) {
                    keys.add(ev.experimentId() + "/" + ev.stage() + "/" + ev.seed());
                }
                assertThat(remote).extracting(RemoteEvaluation::id).containsExactlyInAnyOrderElementsOf(keys);
                assertThat(remote).allSatisfy(r -> assertThat(r.result()).as(r.id()).isNotNull());
                assertThat(store.remoteEvaluations().inFlight(c.id())).isEmpty();
                assertThat(evaluations).hasSizeGreaterThanOrEqualTo(4); // the baseline and 3 experiments

                // the cancelled job: detected, recorded, submitted once more; that job was re-attached after the kill
                RemoteEvaluation hit = remote.stream().filter(r -> r.lost() > 0).findFirst().orElseThrow();
                List<RemoteJob> jobs = store.remoteEvaluations().jobs(hit.id());
                // for the test report: what the coordinators said, and the cancelled evaluation's jobs
                System.out.println(String.join("\n", log));
                jobs.forEach(j -> System.out.println("job " + j.jobId() + " " + j.state() + " on " + j.host() + ": " + j.note()));
                assertThat(jobs).extracting(RemoteJob::jobId).startsWith(cancelled.get());
                assertThat(jobs).extracting(RemoteJob::state).containsExactly("CANCELLED", "COMPLETED");
                assertThat(hit.attempts()).as("not submitted again by the resumed coordinator").isEqualTo(2);
                assertThat(hit.resultJobId()).isEqualTo(jobs.get(1).jobId());
                assertThat(remote.stream().mapToInt(RemoteEvaluation::attempts).sum())
                        .as("one resubmission in the whole campaign").isEqualTo(remote.size() + 1);
                Evaluation baseline = evaluations.stream().filter(e -> hit.id().startsWith(e.experimentId() + "/"))
                        .findFirst().orElseThrow();
                assertThat(baseline.status()).isEqualTo("ok");
                assertThat(SlurmTestCluster.run("squeue", "--noheader", "-o", "%j").lines()
                        .filter(n -> n.startsWith("archlab-exp-")).toList()).as("no job left behind").isEmpty();
            }
        }
    }

    @Test
    void settingsTheClusterRefusesStopTheCampaignBeforeItStarts() throws Exception {
        try (SlurmTestCluster cluster = SlurmTestCluster.require()) {
            Path base = Path.of("../knowledge-base/architectures/linear_attention.arch").toAbsolutePath().normalize();
            Path file = dir.resolve("wrong.yaml");
            Files.writeString(file, """
                    name: wrong-partition
                    task: mqar
                    baseline: %s
                    budget: {experiments: 1}
                    output: %s
                    store: "%s"
                    executor: {type: slurm, partition: no-such-partition}
                    """.formatted(base, dir.resolve("runs"), cluster.storeUrl()));
            MainTest.Result r = MainTest.run("run", file.toString(), "--no-progress");
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).contains("executor: sbatch --test-only refuses the executor's settings",
                    "invalid partition specified: no-such-partition");
            assertThat(dir.resolve("runs")).doesNotExist();
        }
    }

    private static void cancelFirstTrainingJob(Store store, AtomicReference<String> cancelled) {
        try {
            while (cancelled.get() == null && !Thread.currentThread().isInterrupted()) {
                for (Campaign c : store.campaigns().list()) {
                    for (RemoteEvaluation r : store.remoteEvaluations().inFlight(c.id())) {
                        if (r.progress() != null && r.jobId() != null) {
                            SlurmTestCluster.run("scancel", r.jobId());
                            cancelled.set(r.jobId());
                            return;
                        }
                    }
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts {@code archlab ARGS} in its own JVM; SIGKILLs it once an output line matches {@code until}. */
    private static int runUntil(Predicate<String> until, List<String> seen, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                seen.add(line);
                if (until != null && until.test(line)) {
                    p.destroyForcibly();   // SIGKILL: no shutdown hooks, nothing cancelled
                    p.waitFor(30, TimeUnit.SECONDS);
                    return -9;
                }
            }
        }
        assertThat(p.waitFor(6, TimeUnit.MINUTES)).isTrue();
        return p.exitValue();
    }
}
