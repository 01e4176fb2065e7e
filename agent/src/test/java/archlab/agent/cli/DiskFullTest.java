package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.campaign.Standings;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk fills up under a running campaign (its run folder on a 1.2 MB tmpfs): it stops with exit 75
 * and a message that says what happened and what to do, not a stack trace; once there is room again,
 * archlab resume finishes it with nothing lost. Needs root (to mount the tmpfs); skips otherwise.
 */
@Tag("slow")
class DiskFullTest {
    @TempDir
    Path dir;
    Path mount;

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            new ProcessBuilder("umount", mount.toString()).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static int sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @Test
    void aFullDiskStopsTheCampaignCleanlyAndResumeFinishesIt() throws Exception {
        Path tmpfs = Files.createDirectories(dir.resolve("small"));
        Assumptions.assumeTrue(sh("mount", "-t", "tmpfs", "-o", "size=1200k", "tmpfs", tmpfs.toString()) == 0,
                "disk-full test skipped: cannot mount a tmpfs (needs root)");
        mount = tmpfs;
        Path file = dir.resolve("tiny.yaml");
        Files.writeString(file, CampaignRunTest.campaign(tmpfs, 6, 30));
        MainTest.Result full = MainTest.run("run", file.toString(), "--no-progress");
        assertThat(full.exitCode()).as(full.err()).isEqualTo(ExitCodes.STORE_UNAVAILABLE);
        assertThat(full.err()).contains("the store could not be written or reached", "archlab resume RUN")
                .doesNotContain("\tat ", "internal error");

        assertThat(sh("mount", "-o", "remount,size=64m", tmpfs.toString())).isZero();
        Path run = CampaignRunTest.onlyRun(tmpfs);
        MainTest.Result resumed = MainTest.run("resume", run.toString(), "--no-progress");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        try (Store store = Store.openRunFolder(run)) {
            var c = store.campaigns().list().get(0);
            assertThat(c.status()).isEqualTo(CampaignStatus.DONE);
            List<Experiment> trained = store.experiments().list(ExperimentQuery.campaign(c.id())).stream()
                    .filter(e -> !Standings.isBaseline(e)).toList();
            assertThat(trained).hasSize(6).allSatisfy(e -> assertThat(e.status())
                    .isIn(ExperimentStatus.DONE, ExperimentStatus.FAILED));
        }
    }
}
