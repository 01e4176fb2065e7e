package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.campaign.Standings;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Store;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wall clock is a hard limit, on a machine loaded by a second training process: at the deadline the
 * runs in flight are stopped (kind {@code deadline}), each keeps what it measured (status {@code partial}
 * with its curve and last held-out evaluation, when it had one), and the campaign ends within
 * max(2 %, 30 s) of its budget. Exploring stops starting runs that the median run time says would
 * outlive the deadline, so the deadline cuts only runs slower than that median (the load makes some
 * likely, not certain): every run it cut must be recorded as above.
 */
@Tag("slow")
class WallClockDeadlineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BUDGET_S = 45;

    @TempDir
    Path dir;

    @Test
    void theDeadlineStopsRunsInFlightKeepsTheirPartialResultsAndEndsOnTime() throws Exception {
        Path base = Path.of("../knowledge-base/architectures/linear_attention.arch").toAbsolutePath().normalize();
        Path file = dir.resolve("deadline.yaml");
        Files.writeString(file, """
                name: deadline
                seed: 5
                task: {name: mqar, options: {vocab: 16, seq_len: 24, pairs: 3}}
                baseline: %s
                budget: {wall_clock: %ds}
                search: {strategy: mcts}
                stages:
                  - {name: explore, steps: 500, batch_size: 16, params: {d: 16}}
                workers: 2
                output: %s
                """.formatted(base, BUDGET_S, dir.resolve("runs")));
        Path load = dir.resolve("load.arch");
        Files.copy(Path.of("../knowledge-base/architectures/transformer.arch").toAbsolutePath().normalize(), load);

        MainTest.Result r;
        long t0 = System.nanoTime();
        try (ArchlabProcess loader = ArchlabProcess.start("train", load.toString(), "--task", "mqar", "--steps",
                "100000", "--threads", "2", "--no-progress")) {
            r = MainTest.run("run", file.toString(), "--no-progress");
            assertThat(loader.process().isAlive()).as("the load ran throughout").isTrue();
        }
        double took = (System.nanoTime() - t0) / 1e9;
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(took).as("the whole command, JVM start and report included").isLessThan(BUDGET_S + 30 + 15);

        Path run = CampaignRunTest.onlyRun(dir);
        try (Store store = Store.openRunFolder(run)) {
            Campaign c = store.campaigns().list().get(0);
            assertThat(c.status()).isEqualTo(CampaignStatus.DONE);
            double wall = JSON.readTree(c.spend()).path("wall_s").asDouble();
            assertThat(wall).as("spend wall_s within max(2 %%, 30 s) of the budget").isLessThanOrEqualTo(BUDGET_S + 30);

            List<Experiment> all = store.experiments().list(ExperimentQuery.campaign(c.id()));
            List<Evaluation> cut = new ArrayList<>();
            for (Experiment e : all) {
                assertThat(e.status()).as(e.name() + " is left in a final state").matches(ExperimentStatus::isFinal);
                for (Evaluation ev : store.evaluations().forExperiment(e.id())) {
                    JsonNode result = JSON.readTree(ev.result());
                    if (!"deadline".equals(result.path("failure").path("kind").asText())) {
                        continue;
                    }
                    cut.add(ev);
                    assertThat(result.path("failure").path("message").asText()).contains("wall-clock deadline");
                    if ("partial".equals(ev.status())) {
                        assertThat(ev.metrics()).as("a partial run keeps its last held-out evaluation").contains("accuracy");
                        assertThat(ev.curve()).as("and its curve").contains("\"step\"");
                        if (!Standings.isBaseline(e)) {
                            assertThat(e.status()).isEqualTo(ExperimentStatus.PARTIAL);
                            assertThat(e.fitness()).as("a partial result is never ranked").isNull();
                            assertThat(e.failureMessage()).contains("partial: not ranked");
                        }
                    } else {
                        assertThat(ev.status()).isEqualTo("failed");
                        assertThat(result.path("metrics").isMissingNode()).as("failed: no evaluation before the cut").isTrue();
                    }
                }
            }
            System.out.printf("wall-clock deadline test: %.0f s of %d s, %d run(s) cut%n", wall, BUDGET_S, cut.size());
            assertThat(Standings.read(store, c.id()).ranked()).noneMatch(e -> e.status() == ExperimentStatus.PARTIAL);
        }
    }

    /**
     * The campaign in small: a verify stage (3 designs × 2 seeds × 4,000 steps) that alone would
     * take the whole budget. The plan scales it down, says so and what would keep it, and the campaign
     * explores before verifying, instead of going from the baseline straight to verify.
     */
    @Test
    void aVerifyStageLargerThanTheBudgetIsScaledDownAndTheCampaignExploresAnyway() throws Exception {
        Path base = Path.of("../knowledge-base/architectures/linear_attention.arch").toAbsolutePath().normalize();
        Path file = dir.resolve("plan.yaml");
        Files.writeString(file, """
                name: plan
                seed: 5
                task: {name: mqar, options: {vocab: 16, seq_len: 24, pairs: 3}}
                baseline: %s
                budget: {wall_clock: 90s}
                search: {strategy: mcts}
                stages:
                  - {name: explore, steps: 200, batch_size: 16, params: {d: 16}}
                  - {name: verify, steps: 4000, seeds: 2, batch_size: 16, params: {d: 16}, promote: {top: 3}}
                workers: 2
                output: %s
                """.formatted(base, dir.resolve("runs")));
        MainTest.Result r = MainTest.run("run", file.toString(), "--no-progress");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String out = r.out() + r.err();
        assertThat(out).contains("plan: at the measured", "scaled down so that it fits",
                "verify had top 3 × 2 seeds × 4,000 steps", "raise budget.wall_clock to about");

        Path run = CampaignRunTest.onlyRun(dir);
        assertThat(run.resolve("report.md")).content().contains("**Budget plan**");
        assertThat(MainTest.run("status", run.toString()).out()).contains("plan     at the measured");
        try (Store store = Store.openRunFolder(run)) {
            Campaign c = store.campaigns().list().get(0);
            assertThat(c.status()).isEqualTo(CampaignStatus.DONE);
            JsonNode plan = JSON.readTree(c.spend()).path("plan");
            assertThat(plan.path("scaled").asBoolean()).isTrue();
            JsonNode verify = plan.path("stages").get(0);
            assertThat(verify.path("top").asInt() * verify.path("seeds").asInt() * verify.path("steps").asInt())
                    .as("the verify stage in force is smaller than the file's").isLessThan(3 * 2 * 4000);
            long explored = store.experiments().list(ExperimentQuery.campaign(c.id())).stream()
                    .filter(e -> !Standings.isBaseline(e))
                    .filter(e -> store.evaluations().forExperiment(e.id()).stream().anyMatch(ev -> ev.stage().equals("explore")))
                    .count();
            assertThat(explored).as("children trained at explore").isGreaterThanOrEqualTo(2);
            assertThat(JSON.readTree(c.spend()).path("wall_s").asDouble()).isLessThanOrEqualTo(90 + 30);
        }
    }
}
