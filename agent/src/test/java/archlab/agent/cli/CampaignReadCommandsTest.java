package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Store;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** status, leaderboard, show and report over a run folder written the way campaigns write it. */
class CampaignReadCommandsTest {
    @TempDir
    Path dir;

    private Path run() throws IOException {
        Path run = dir.resolve("run");
        String la = Files.readString(Path.of("../knowledge-base/architectures/linear_attention.arch"));
        String based = Files.readString(Path.of("../knowledge-base/architectures/based.arch"));
        try (Store store = Store.openRunFolder(run)) {
            Campaign c = store.campaigns().insert(Campaign.create("demo",
                    "name: demo\nstages:\n  - {name: explore}\n  - {name: verify, promote: {top: 1}}\n", "offline"));
            store.experiments().insert(Experiment.builder("e-base", c.id()).name("linear_attention")
                    .checkedDefinition(la).status(ExperimentStatus.DONE).stage("verify").fitness(0.5)
                    .extra("{\"role\": \"baseline\"}").build());
            store.experiments().insert(Experiment.builder("e-1", c.id()).parentId("e-base").name("taylor-map")
                    .checkedDefinition(based).status(ExperimentStatus.DONE).stage("verify").fitness(0.91)
                    .hypothesis(new Hypothesis("Taylor feature map", "sharper kernel recalls better", "accuracy up"))
                    .metrics("{\"mqar\": {\"accuracy\": 0.97}}")
                    .extra("{\"fitness\": {\"verify\": {\"metric\": \"accuracy\", \"value\": 0.97, \"baseline\": 0.32, "
                            + "\"relative\": 2.03, \"combined\": 0.91}}}").build());
            store.experiments().insert(Experiment.builder("e-2", c.id()).parentId("e-base").name("wide")
                    .status(ExperimentStatus.FAILED).failure("diverged", "loss NaN at step 12").build());
            store.evaluations().upsert(Evaluation.of("e-1", "verify", 0, "ok", "{\"accuracy\": 0.97}", "[]", "{}"));
        }
        return run;
    }

    @Test
    void statusLeaderboardShowAndReport() throws IOException {
        Path run = run();
        MainTest.Result status = MainTest.run("status", run.toString());
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out()).contains("campaign demo", "experiments 3 (2 done, 1 failed)",
                "best     taylor-map (e-1) fitness 0.9100 at stage verify",
                "accuracy 0.9700 against the baseline's 0.3200 at verify (+203.0 %)");

        JsonNode js = MainTest.JSON.readTree(MainTest.run("status", run.toString(), "--json").out());
        assertThat(js.path("counts").path("done").asInt()).isEqualTo(2);
        assertThat(js.path("best").path("id").asText()).isEqualTo("e-1");

        MainTest.Result board = MainTest.run("leaderboard", run.toString(), "--top", "5");
        assertThat(board.exitCode()).as(board.err()).isZero();
        assertThat(board.out()).contains("e-1", "taylor-map", "0.9100", "0.9700", "Taylor feature map")
                .doesNotContain("e-base");
        JsonNode rows = MainTest.JSON.readTree(MainTest.run("leaderboard", run.toString(), "--json").out());
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).path("fitness_parts").path("baseline").asDouble()).isEqualTo(0.32);

        MainTest.Result show = MainTest.run("show", run.toString(), "taylor-map");
        assertThat(show.exitCode()).as(show.err()).isZero();
        assertThat(show.out()).contains("experiment e-1 (taylor-map): done", "parent     linear_attention (e-base)",
                "hypothesis Taylor feature map", "verify   seed 0  ok      accuracy 0.9700",
                "diff against parent linear_attention", "definition",
                "fitness    0.9100 at verify: accuracy 0.9700 against the baseline's 0.3200 at verify (+203.0 %)");
        JsonNode shown = MainTest.JSON.readTree(MainTest.run("show", run.toString(), "e-2", "--json").out());
        assertThat(shown.path("failure_kind").asText()).isEqualTo("diverged");

        MainTest.Result missing = MainTest.run("show", run.toString(), "e-404");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("has no experiment e-404");

        MainTest.Result report = MainTest.run("report", run.toString());
        assertThat(report.exitCode()).as(report.err()).isZero();
        assertThat(run.resolve("report.md")).content().contains("**taylor-map**");
        assertThat(run.resolve("figures/pareto.png")).exists();
    }

    @Test
    void aFolderWithoutAStoreIsAClearError() {
        MainTest.Result r = MainTest.run("status", dir.resolve("nothing").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("no archlab store here");
    }
}
