package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.campaign.Standings;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same campaign file and seed give the same experiments, metrics and winner whatever the machine's
 * load. A small campaign with two workers runs once; then {@code archlab run --verify-replay} runs it
 * again while another training process competes for the two cores (so the two workers finish in other
 * orders and at other times), and must report no divergence.
 */
@Tag("slow")
class ReproducibleCampaignTest {
    @TempDir
    Path dir;

    @Test
    void aLoadedReplayMakesTheSameExperimentsAsAnIdleRun() throws Exception {
        Path file = dir.resolve("tiny.yaml");
        Files.writeString(file, CampaignRunTest.campaign(dir, 10, 40));
        ArchlabProcess first = ArchlabProcess.run(Map.of(), Duration.ofMinutes(10), "run", file.toString(),
                "--no-progress");
        assertThat(first.exitValue()).as(first.tail(60)).isZero();
        Path run = CampaignRunTest.onlyRun(dir);

        Path loadDefinition = Path.of("../knowledge-base/architectures/transformer.arch").toAbsolutePath().normalize();
        try (ArchlabProcess load = ArchlabProcess.start("train", loadDefinition.toString(), "--task", "mqar",
                "--steps", "100000", "--threads", "2", "--no-progress")) {
            ArchlabProcess replay = ArchlabProcess.run(Map.of(), Duration.ofMinutes(20), "run", "--verify-replay",
                    run.toString(), "--no-progress");
            assertThat(load.process().isAlive()).as("the load ran all along: %s", load.tail(20)).isTrue();
            assertThat(replay.exitValue()).as(replay.tail(80)).isZero();
            assertThat(replay.output()).contains("replay identical");
        }
        List<Path> runs;
        try (Stream<Path> s = Files.list(dir.resolve("runs"))) {
            runs = s.sorted().toList();
        }
        assertThat(runs).hasSize(2);
        assertThat(designs(runs.get(0))).isEqualTo(designs(runs.get(1))).hasSizeGreaterThan(5);
    }

    /** The canonical hashes, metrics and the winner, in the order the experiments were made. */
    static List<String> designs(Path run) {
        try (Store store = RunStores.open(run.toString(), true)) {
            String id = store.campaigns().list().get(0).id();
            List<String> out = new java.util.ArrayList<>(store.experiments().list(ExperimentQuery.campaign(id)).stream()
                    .sorted(Comparator.comparing(Experiment::createdAt).thenComparing(Experiment::id))
                    .map(e -> e.canonicalHash() + " " + e.metrics()).toList());
            out.add("winner " + Standings.read(store, id).best().map(Experiment::name).orElse("none"));
            return out;
        }
    }
}
