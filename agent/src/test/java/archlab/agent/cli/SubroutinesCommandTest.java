package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Store;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code archlab subroutines RUN}: mining a campaign in a run folder and listing what it found. */
class SubroutinesCommandTest {
    @TempDir
    Path dir;

    /** The reference architectures at three widths; the attention-like ones (softmax or linear) fare better. */
    private Path campaign() throws IOException {
        Path run = dir.resolve("run");
        try (Store store = Store.openRunFolder(run)) {
            Campaign c = store.campaigns().insert(Campaign.create("refs", "{}", "offline"));
            List<Experiment> experiments = new ArrayList<>();
            String[] names = {"based", "deltanet", "gla", "hyena", "linear_attention", "mamba", "retnet", "transformer"};
            for (int i = 0; i < names.length; i++) {
                String src = Files.readString(Path.of("../knowledge-base/architectures/" + names[i] + ".arch"));
                for (int d : new int[] {32, 64, 128}) {
                    boolean good = names[i].contains("attention") || names[i].equals("transformer")
                            || names[i].equals("based") || names[i].equals("retnet");
                    experiments.add(Experiment.builder(names[i] + "-" + d, c.id())
                            .checkedDefinition(src.replace("param d = 64", "param d = " + d))
                            .status(ExperimentStatus.DONE).fitness((good ? 0.7 : 0.4) + d / 1000.0).build());
                }
            }
            store.experiments().insertAll(experiments);
        }
        return run;
    }

    @Test
    void minesAndListsWithSupportAndFitness() throws IOException {
        Path run = campaign();
        MainTest.Result empty = MainTest.run("subroutines", run.toString());
        assertThat(empty.exitCode()).as(empty.err()).isZero();
        assertThat(empty.out()).contains("0 mined subroutines", "--mine");

        MainTest.Result mined = MainTest.run("subroutines", run.toString(), "--mine", "--source");
        assertThat(mined.exitCode()).as(mined.err()).isZero();
        assertThat(mined.err()).contains("mined 24 experiments");
        assertThat(mined.out()).contains("NAME", "SUPPORT", "WITH", "WITHOUT", "mined_", "block mined_");

        MainTest.Result json = MainTest.run("subroutines", run.toString(), "--json", "--campaign", "refs");
        assertThat(json.exitCode()).as(json.err()).isZero();
        JsonNode array = MainTest.JSON.readTree(json.out());
        assertThat(array.isArray()).isTrue();
        assertThat(array.size()).isPositive();
        for (JsonNode s : array) {
            assertThat(s.get("name").asText()).startsWith("mined_");
            assertThat(s.get("code").asText()).hasSize(16);
            assertThat(s.get("support").asInt()).isGreaterThanOrEqualTo(3);
            assertThat(s.get("mean_fitness_with").asDouble()).isGreaterThan(s.get("mean_fitness_without").asDouble());
            assertThat(s.get("definition").asText()).contains("block " + s.get("name").asText());
            assertThat(s.get("uses").asInt()).isZero();
        }
    }

    @Test
    void aFolderWithoutAStoreOrAnUnknownCampaignIsInvalidInput() throws IOException {
        MainTest.Result none = MainTest.run("subroutines", dir.resolve("nothing").toString());
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.err()).contains("no archlab store here");
        Path run = campaign();
        MainTest.Result unknown = MainTest.run("subroutines", run.toString(), "--campaign", "nope");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("no campaign named nope");
    }
}
