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
import archlab.sandbox.ModelDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real, small campaign through the CLI: offline policy, H2 run folder, MQAR in sandbox workers.
 * Short training (the point is the loop and what it stores, not the quality of the designs).
 */
class CampaignRunTest {
    @TempDir
    Path dir;

    static String campaign(Path dir, int experiments, int exploreSteps) throws IOException {
        Path base = Path.of("../knowledge-base/architectures/linear_attention.arch").toAbsolutePath().normalize();
        return """
                name: tiny
                seed: 3
                task: {name: mqar, options: {vocab: 16, seq_len: 24, pairs: 3}}
                baseline: %s
                budget: {experiments: %d, wall_clock: 10m}
                search: {strategy: mcts}
                stages:
                  - {name: explore, steps: %d, batch_size: 16, params: {d: 16}}
                  - {name: verify, steps: %d, seeds: 2, batch_size: 16, params: {d: 16}, promote: {top: 1}}
                workers: 2
                output: %s
                """.formatted(base, experiments, exploreSteps, exploreSteps + 10, dir.resolve("runs"));
    }

    static Path onlyRun(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("runs"))) {
            List<Path> runs = s.toList();
            assertThat(runs).hasSize(1);
            return runs.get(0);
        }
    }

    @Test
    void runsEndToEndAndStoresEveryStep() throws Exception {
        Path file = dir.resolve("tiny.yaml");
        Files.writeString(file, campaign(dir, 4, 30));
        MainTest.Result r = MainTest.run("run", file.toString(), "--no-progress");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("campaign tiny done", "winner ", "report ");
        Path run = onlyRun(dir);
        assertThat(run.resolve("report.md")).exists();
        assertThat(run.resolve("campaign.log")).content().contains("baseline", "queued", "done at explore");
        assertThat(run.resolve("campaign.yaml")).content().contains("source:");

        try (Store store = Store.openRunFolder(run)) {
            Campaign c = store.campaigns().list().get(0);
            assertThat(c.status()).isEqualTo(CampaignStatus.DONE);
            assertThat(c.policy()).isEqualTo("offline");
            List<Experiment> all = store.experiments().list(ExperimentQuery.campaign(c.id()));
            List<Experiment> trained = all.stream().filter(e -> !Standings.isBaseline(e))
                    .filter(e -> !"coding".equals(e.failureKind())).toList();
            assertThat(trained).hasSize(4);
            Set<String> hashes = new HashSet<>();
            Set<String> asTrained = new HashSet<>();
            for (Experiment e : all) {
                if (e.canonicalHash() != null) {
                    assertThat(hashes.add(e.canonicalHash())).as("trained once: " + e.id()).isTrue();
                    // the stage sets d = 16: a child that differs from another design only in d trains it again
                    String atStage = ModelDefinition.parse(ModelDefinition.withParams(e.definition(), "e.arch",
                            Map.of("d", 16)), "e.arch").canonicalHash();
                    assertThat(asTrained.add(atStage)).as("a different model at the stage's params: " + e.name()).isTrue();
                }
            }
            for (Experiment e : trained) {
                assertThat(e.status()).isIn(ExperimentStatus.DONE, ExperimentStatus.FAILED);
                assertThat(e.parentId()).as("every child hangs in the tree").isNotNull();
                assertThat(e.hypothesis().title()).isNotBlank();
                assertThat(Standings.extra(e).path("move").asText()).isNotBlank();
                assertThat(Standings.extra(e).path("screening").has("predicted_mean")).isTrue();
                List<Evaluation> evals = store.evaluations().forExperiment(e.id());
                assertThat(evals).isNotEmpty();
                if (e.status() == ExperimentStatus.DONE) {
                    assertThat(e.fitness()).isBetween(0.0, 1.0);
                    assertThat(Standings.extra(e).path("fitness").path("explore").path("baseline").isNumber()).isTrue();
                    assertThat(e.analysis()).isNotBlank();
                }
            }
            Experiment baseline = all.stream().filter(Standings::isBaseline).findFirst().orElseThrow();
            assertThat(store.evaluations().forExperiment(baseline.id())).extracting(Evaluation::stage)
                    .containsExactlyInAnyOrder("explore", "verify", "verify");
            assertThat(all.stream().filter(e -> "verify".equals(e.stage()) && !Standings.isBaseline(e)).count())
                    .as("the top explore design was verified").isEqualTo(1);
            assertThat(store.searchStats().nodes(c.id())).as("search statistics are in the store").isNotEmpty();
        }
    }

    @Test
    void aMalformedCampaignFileCreatesNoRunFolder() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "name: bad\ntask: mqar\nbaseline: nowhere.arch\nbudget: {experiments: 0}\noutput: "
                + dir.resolve("runs") + "\n");
        MainTest.Result r = MainTest.run("run", file.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("bad.yaml:3: baseline: cannot read definition", "bad.yaml:4: budget.experiments");
        assertThat(dir.resolve("runs")).doesNotExist();
    }
}
