package archlab.agent.campaign;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CampaignFileTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private Path campaign(String yaml) throws IOException {
        write("base.arch", "arch base\nparam d = 16\nmodel(tokens):\n    x = embed(tokens, d)\n    return lm_head(rmsnorm(x))\n");
        return write("c.yaml", yaml);
    }

    @Test
    void readsAFullCampaign() throws Exception {
        CampaignConfig c = CampaignFile.load(campaign("""
                name: demo
                seed: 3
                task: {name: mqar, options: {vocab: 64, pairs: 4}}
                baseline: base.arch
                budget: {experiments: 12, wall_clock: 9m, tokens: 5000, money: 1.5}
                search: {strategy: rea, population: 10}
                stages:
                  - {name: explore, steps: 200, params: {d: 32}}
                  - {name: verify, steps: 600, seeds: 2, promote: {top: 3}}
                workers: 2
                """));
        assertThat(c.name()).isEqualTo("demo");
        assertThat(c.seed()).isEqualTo(3);
        assertThat(c.primaryTask().name()).isEqualTo("mqar");
        assertThat(c.primaryTask().options()).containsEntry("vocab", "64").containsEntry("pairs", "4");
        assertThat(c.baseline().source()).startsWith("arch base");
        assertThat(c.seeds()).containsExactly(c.baseline());
        assertThat(c.budget().wallClock()).isEqualTo(Duration.ofMinutes(9));
        assertThat(c.budget().money()).isEqualTo(1.5);
        assertThat(c.policy()).isEqualTo("offline");
        assertThat(c.llm()).isNull();
        assertThat(c.strategy()).isEqualTo("rea");
        assertThat(c.search().get("population").asInt()).isEqualTo(10);
        assertThat(c.stages()).extracting(CampaignConfig.Stage::name).containsExactly("explore", "verify");
        assertThat(c.stages().get(0).params()).containsEntry("d", 32);
        assertThat(c.stages().get(1).promote().top()).isEqualTo(3);
        assertThat(c.workers()).isEqualTo(2);
    }

    @Test
    void everyProblemNamesTheLineAndTheField() throws Exception {
        Path file = campaign("""
                name: demo
                task: mqar
                baseline: base.arch
                budgte: {experiments: 3}
                budget:
                  experiments: -3
                  wall_clock: soon
                stages:
                  - {name: explore, steps: 200}
                  - {name: verify, steps: 0}
                workers: many
                """);
        assertThatThrownBy(() -> CampaignFile.load(file))
                .isInstanceOf(CampaignConfigException.class)
                .satisfies(e -> assertThat(((CampaignConfigException) e).problems()).contains(
                        file + ":4: budgte: is not a known field here; expected one of baseline, budget, description, "
                                + "executor, llm, name, output, policy, schedule, search, seed, seeds, stages, store, task, tasks, workers",
                        file + ":6: budget.experiments: must be an integer from 1 to 10000000, was -3",
                        file + ":7: budget.wall_clock: must be a positive duration such as 90s, 10m, 2h or 3d, was \"soon\"",
                        file + ":10: stages[1].steps: must be an integer from 1 to 10000000, was 0",
                        file + ":10: stages[1].promote: is required for a later stage: which results of the stage before go on, such as {top: 3}",
                        file + ":11: workers: must be an integer from 1 to 256, was \"many\""));
    }

    @Test
    void unknownTasksAndBadOptionsAreNamed() throws Exception {
        Path file = campaign("""
                name: demo
                tasks: [mqarr, {name: mqar, options: {pairs: zero}}]
                baseline: missing.arch
                budget: {experiments: 2}
                """);
        assertThatThrownBy(() -> CampaignFile.load(file)).satisfies(e -> {
            String m = e.getMessage();
            assertThat(m).contains(file + ":2: tasks[0]: unknown task \"mqarr\"; known tasks: ");
            assertThat(m).contains("tasks[1].options: ");
            assertThat(m).contains(file + ":3: baseline: cannot read definition ").contains("missing.arch: no such file");
        });
    }

    @Test
    void llmPolicyNeedsItsSection() throws Exception {
        Path file = campaign("name: demo\ntask: mqar\nbaseline: base.arch\nbudget: {experiments: 1}\npolicy: llm\n");
        assertThatThrownBy(() -> CampaignFile.load(file)).hasMessageContaining(":1: llm: is required when policy is llm");
    }

    @Test
    void yamlSyntaxErrorsAndEmptyFilesAreClear() throws Exception {
        assertThatThrownBy(() -> CampaignFile.load(write("bad.yaml", "name: demo\ntask: [mqar\n")))
                .hasMessageContaining("bad.yaml:").hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> CampaignFile.load(write("empty.yaml", "")))
                .hasMessageContaining("the campaign file is empty");
        assertThatThrownBy(() -> CampaignFile.load(write("list.yaml", "- a\n- b\n")))
                .hasMessageContaining("a campaign file is a mapping");
        assertThatThrownBy(() -> CampaignFile.load(dir.resolve("nope.yaml")))
                .hasMessageContaining("nope.yaml: no such campaign file");
    }

    @Test
    void inlineDefinitionsAndMissingBudget() throws Exception {
        Path file = campaign("name: demo\ntask: mqar\nbaseline: {source: \"arch x\"}\n");
        assertThatThrownBy(() -> CampaignFile.load(file)).hasMessageContaining(file + ":1: budget: is required");
    }

    @Test
    void theFrozenFileNeedsNothingOutsideTheRunFolder() throws Exception {
        Path file = campaign("name: demo\ntask: mqar\nbaseline: base.arch\nseeds: [base.arch]\nbudget: {experiments: 2}\n");
        CampaignConfig c = CampaignFile.load(file);
        String frozen = CampaignFile.frozen(c, Files.readString(file));
        Path elsewhere = Files.createDirectories(dir.resolve("run"));
        Files.delete(dir.resolve("base.arch"));
        CampaignConfig again = CampaignFile.parse(frozen, elsewhere.resolve("campaign.yaml"));
        assertThat(again.baseline().source()).isEqualTo(c.baseline().source());
        assertThat(again.seeds()).hasSize(1);
        assertThat(again.budget()).isEqualTo(c.budget());
    }

    @Test
    void everyExampleInCampaignsValidates() throws Exception {
        try (var files = Files.list(Path.of("../campaigns"))) {
            List<Path> examples = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
            assertThat(examples).extracting(f -> f.getFileName().toString()).contains("quickstart.yaml");
            for (Path f : examples) {
                CampaignConfig c = CampaignFile.load(f);
                assertThat(c.stages()).as(f.toString()).isNotEmpty();
                if (CampaignConfig.LLM.equals(c.policy())) {
                    assertThat(archlab.agent.llm.LlmConfig.fromYaml(c.llm())).as(f.toString()).isNotNull();
                }
            }
        }
        CampaignConfig q = CampaignFile.load(Path.of("../campaigns/quickstart.yaml"));
        assertThat(q.policy()).isEqualTo("offline");
        assertThat(q.store()).as("the embedded H2 store").isNull();
        assertThat(q.primaryTask().name()).isEqualTo("mqar");
        // Reproducible at any load: an experiment budget and the deterministic schedule, no wall clock to race.
        assertThat(q.budget().experiments()).isEqualTo(40);
        assertThat(q.budget().wallClock()).isNull();
        assertThat(q.deterministic()).isTrue();
    }
}
