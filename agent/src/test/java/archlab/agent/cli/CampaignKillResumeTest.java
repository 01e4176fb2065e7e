package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.campaign.Standings;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.SearchNode;
import archlab.knowledge.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 a real campaign process at three points of its cycle (a step just planned, an experiment
 * just finished, the verify stage begun), resume it each time, and check that nothing was lost or
 * trained twice and that the search's statistics match the stored results.
 */
@Tag("slow")
class CampaignKillResumeTest {
    @TempDir
    Path dir;

    /** Starts {@code archlab ARGS} in its own JVM; SIGKILLs it once a line matches {@code until} (-9), or returns its exit code. */
    private static int runUntil(Predicate<String> until, List<String> seen, String... args) throws Exception {
        try (ArchlabProcess p = ArchlabProcess.start(args)) {
            if (until != null && p.awaitLine(until, Duration.ofMinutes(10)) && p.process().isAlive()) {
                p.kill();
                seen.addAll(p.lines());
                return -9;
            }
            int code = p.await(Duration.ofMinutes(10));
            seen.addAll(p.lines());
            return code;
        }
    }

    @Test
    void killedThreeTimesAndResumedLosesNothingAndTrainsNothingTwice() throws Exception {
        Path file = dir.resolve("tiny.yaml");
        Files.writeString(file, CampaignRunTest.campaign(dir, 5, 40));
        List<String> log = new ArrayList<>();

        assertThat(runUntil(l -> l.contains(" queued: "), log, "run", file.toString(), "--no-progress")).isEqualTo(-9);
        Path run = CampaignRunTest.onlyRun(dir);
        assertThat(runUntil(l -> l.contains("done at explore"), log, "resume", run.toString(), "--no-progress"))
                .isEqualTo(-9);
        int third = runUntil(l -> l.startsWith("[verify]"), log, "resume", run.toString(), "--no-progress");
        int last = third == -9 ? runUntil(null, log, "resume", run.toString(), "--no-progress") : third;
        assertThat(last).as(String.join("\n", log)).isZero();
        assertThat(log).anyMatch(l -> l.startsWith("resuming "));

        try (Store store = Store.openRunFolder(run)) {
            Campaign c = store.campaigns().list().get(0);
            assertThat(c.status()).isEqualTo(CampaignStatus.DONE);
            List<Experiment> all = store.experiments().list(ExperimentQuery.campaign(c.id()));
            List<Experiment> trained = all.stream().filter(e -> !Standings.isBaseline(e))
                    .filter(e -> !"coding".equals(e.failureKind())).toList();
            assertThat(trained).as("the experiment budget holds across kills").hasSize(5);
            Set<String> hashes = new HashSet<>();
            for (Experiment e : all) {
                assertThat(e.status()).as("nothing left in flight: " + e.id())
                        .isIn(ExperimentStatus.DONE, ExperimentStatus.FAILED, ExperimentStatus.PRUNED);
                if (e.canonicalHash() != null) {
                    assertThat(hashes.add(e.canonicalHash())).as("one experiment per definition").isTrue();
                }
                for (Evaluation ev : store.evaluations().forExperiment(e.id())) {
                    assertThat(ev.status()).isIn("ok", "failed");
                }
            }
            List<Experiment> explored = trained.stream()
                    .filter(e -> e.status() == ExperimentStatus.DONE || e.status() == ExperimentStatus.FAILED).toList();
            Set<String> nodes = new HashSet<>();
            for (SearchNode n : store.searchStats().nodes(c.id())) {
                assertThat(nodes.add(n.key())).as("one search node per result").isTrue();
            }
            for (Experiment e : explored) {
                assertThat(nodes).as("the search knows " + e.name()).contains(e.canonicalHash());
            }
            assertThat(run.resolve("report.md")).exists();
        }
    }

    /**
     * The disk filled (or the process died) after an experiment's last result was written but before the
     * experiment was finished: it stays queued with every result in. Resume finishes it from those results,
     * rather than leaving it queued forever and planning one experiment more than the budget.
     */
    @Test
    void anExperimentWithAllItsResultsButNeverFinishedIsFinishedOnResume() throws Exception {
        Path file = dir.resolve("tiny.yaml");
        Files.writeString(file, CampaignRunTest.campaign(dir, 3, 30));
        assertThat(MainTest.run("run", file.toString(), "--no-progress").exitCode()).isZero();
        Path run = CampaignRunTest.onlyRun(dir);
        String stuck;
        try (Store store = Store.openRunFolder(run)) {
            Campaign c = store.campaigns().list().get(0);
            Experiment e = store.experiments().list(ExperimentQuery.campaign(c.id())).stream()
                    .filter(x -> !Standings.isBaseline(x) && "explore".equals(x.stage()))
                    .filter(x -> x.status() == ExperimentStatus.DONE).findFirst().orElseThrow();
            stuck = e.id();
            assertThat(store.evaluations().forExperiment(stuck)).isNotEmpty();
            store.experiments().update(e.toBuilder().status(ExperimentStatus.QUEUED).fitness(null).metrics(null)
                    .wallSeconds(null).build());
            store.campaigns().updateStatus(c.id(), CampaignStatus.STOPPED);
        }
        MainTest.Result resumed = MainTest.run("resume", run.toString(), "--no-progress");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out() + resumed.err()).contains("had all of its results at explore but was never finished");
        try (Store store = Store.openRunFolder(run)) {
            Campaign c = store.campaigns().list().get(0);
            assertThat(c.status()).isEqualTo(CampaignStatus.DONE);
            Experiment e = store.experiments().find(stuck).orElseThrow();
            assertThat(e.status()).isEqualTo(ExperimentStatus.DONE);
            assertThat(e.fitness()).isNotNull();
            assertThat(e.metrics()).isNotNull();
            assertThat(store.experiments().list(ExperimentQuery.campaign(c.id())).stream()
                    .filter(x -> !Standings.isBaseline(x)).toList())
                    .as("no experiment beyond the budget").hasSize(3);
        }
    }
}
