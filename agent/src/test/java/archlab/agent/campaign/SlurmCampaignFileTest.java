package archlab.agent.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The campaign file's executor section, validated without a cluster. */
class SlurmCampaignFileTest {
    private static final String HEAD = """
            name: demo
            task: mqar
            baseline: base.arch
            budget: {experiments: 3}
            """;

    @TempDir
    Path dir;

    private CampaignConfig load(String tail) throws Exception {
        Files.writeString(dir.resolve("base.arch"),
                "arch base\nparam d = 16\nmodel(tokens):\n    x = embed(tokens, d)\n    return lm_head(rmsnorm(x))\n");
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, HEAD + tail);
        return CampaignFile.load(file);
    }

    private List<String> problems(String tail) throws IOException {
        CampaignConfigException e = catchThrowableOfType(() -> load(tail), CampaignConfigException.class);
        assertThat(e).as("the file should not validate").isNotNull();
        return e.problems();
    }

    @Test
    void localIsTheDefaultAndWorkersStillSizeIt() throws Exception {
        CampaignConfig c = load("workers: 2\n");
        assertThat(c.slurm()).isNull();
        assertThat(c.workers()).isEqualTo(2);
        assertThat(load("executor: local\nworkers: 3\n").slurm()).isNull();
        assertThat(load("executor: {type: local}\n").slurm()).isNull();
    }

    @Test
    void readsEverySlurmSetting() throws Exception {
        CampaignConfig c = load("""
                store: jdbc:postgresql://db.cluster:5432/archlab?user=archlab&password=secret
                executor:
                  type: slurm
                  partition: gpu
                  account: nas-lab
                  time: "10:00:00"
                  cpus: 8
                  memory: 32G
                  gres: gpu:a100:1
                  sbatch_flags: [--qos=normal, --constraint=a100]
                  setup: [module load java/17]
                  max_in_flight: 16
                  retries: 3
                  poll: 10s
                """);
        SlurmSettings s = c.slurm();
        assertThat(s).isNotNull();
        assertThat(s.partition()).isEqualTo("gpu");
        assertThat(s.time()).as("not read as a base-60 number").isEqualTo("10:00:00");
        assertThat(s.maxInFlight()).isEqualTo(16);
        assertThat(s.retries()).isEqualTo(3);
        assertThat(s.poll()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.setup()).containsExactly("module load java/17");
        assertThat(s.sbatchOptions()).containsExactly("--partition=gpu", "--account=nas-lab", "--time=10:00:00",
                "--cpus-per-task=8", "--ntasks=1", "--mem=32G", "--gres=gpu:a100:1", "--qos=normal", "--constraint=a100");
    }

    @Test
    void unquotedTimesAndDefaultsRead() throws Exception {
        SlurmSettings s = load("store: jdbc:postgresql://db/archlab\nexecutor: {type: slurm, time: 00:10:00}\n").slurm();
        assertThat(s.time()).isEqualTo("00:10:00");
        assertThat(s.cpus()).isEqualTo(1);
        assertThat(s.maxInFlight()).isEqualTo(SlurmSettings.DEFAULT_MAX_IN_FLIGHT);
        assertThat(s.retries()).isEqualTo(SlurmSettings.DEFAULT_RETRIES);
        assertThat(s.sbatchOptions()).containsExactly("--time=00:10:00", "--cpus-per-task=1", "--ntasks=1");
        assertThat(load("store: jdbc:h2:tcp://head-node:9092/archlab\nexecutor: slurm\n").slurm()).isNotNull();
    }

    @Test
    void slurmNeedsAStoreTheNodesCanReach() throws Exception {
        assertThat(problems("executor: {type: slurm}\n")).singleElement().asString()
                .startsWith(dir.resolve("c.yaml") + ":5: executor: slurm needs a store the cluster's nodes can reach");
        assertThat(problems("store: jdbc:h2:file:/tmp/x\nexecutor: {type: slurm}\n")).singleElement().asString()
                .contains(":5: store: slurm jobs write their results from other machines");
    }

    @Test
    void everyBadSettingIsReportedWithItsLine() throws Exception {
        List<String> p = problems("""
                store: jdbc:postgresql://db/archlab
                workers: 2
                executor:
                  type: slurm
                  time: soon
                  memory: lots
                  gres: "gpu 1"
                  cpus: 0
                  retries: -1
                  sbatch_flags: [--job-name=mine, qos=long]
                  poll: 0.1s
                  queue: fast
                """);
        String f = dir.resolve("c.yaml").toString();
        assertThat(p).anyMatch(x -> x.startsWith(f + ":6: workers: sizes the local executor"));
        assertThat(p).anyMatch(x -> x.startsWith(f + ":9: executor.time: must be a Slurm time limit"));
        assertThat(p).anyMatch(x -> x.startsWith(f + ":10: executor.memory: must be a Slurm memory size"));
        assertThat(p).anyMatch(x -> x.startsWith(f + ":11: executor.gres: must be a Slurm name"));
        assertThat(p).anyMatch(x -> x.startsWith(f + ":12: executor.cpus: must be an integer from 1"));
        assertThat(p).anyMatch(x -> x.startsWith(f + ":13: executor.retries: must be an integer from 0"));
        assertThat(p).anyMatch(x -> x.startsWith(f + ":14: executor.sbatch_flags[0]: --job-name is set by archlab"));
        assertThat(p).anyMatch(x -> x.startsWith(f + ":14: executor.sbatch_flags[1]: must be an sbatch option"));
        assertThat(p).anyMatch(x -> x.startsWith(f + ":15: executor.poll: must be at least 0.5s"));
        assertThat(p).anyMatch(x -> x.startsWith(f + ":16: executor.queue: is not a known field here"));
        assertThat(problems("executor: {type: kubernetes}\n")).singleElement().asString()
                .contains(":5: executor.type: must be local or slurm, was \"kubernetes\"");
        assertThat(problems("executor: [slurm]\n")).singleElement().asString()
                .contains(":5: executor: must be local, slurm, or a mapping");
    }
}
