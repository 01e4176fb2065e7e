package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.campaign.Standings;
import archlab.agent.console.ConsoleSession;
import archlab.agent.research.TestLab;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Directive;
import archlab.knowledge.store.DirectiveStatus;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A console session driven programmatically against a real running campaign (its own JVM, H2 run
 * folder, sandbox workers): /avoid, /inject and /prune are applied at step boundaries and hold; the
 * campaign is then killed with SIGKILL and resumed, and the directives are still in force.
 */
class CampaignSteeringTest {
    @TempDir
    Path dir;

    static void until(BooleanSupplier done, Duration within, String what) throws InterruptedException {
        Instant end = Instant.now().plus(within);
        while (!done.getAsBoolean()) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    @Test
    void directivesApplyWhileItRunsAndSurviveKillAndResume() throws Exception {
        Path file = dir.resolve("tiny.yaml");
        Files.writeString(file, CampaignRunTest.campaign(dir, 8, 30));
        Files.writeString(dir.resolve("based.arch"), TestLab.architecture("based"));
        Path run;
        Experiment injected;
        Experiment pruned;
        Instant avoidApplied;
        Instant pruneApplied;
        try (ArchlabProcess first = ArchlabProcess.start("run", file.toString(), "--no-progress")) {
            assertThat(first.awaitLine(l -> l.contains("done at explore"), Duration.ofMinutes(4)))
                    .as("a line like that in:\n%s", first.output()).isTrue();
            run = CampaignRunTest.onlyRun(dir);
            try (Store store = Store.openRunFolder(run)) {
                String id = store.campaigns().list().get(0).id();
                ConsoleSession console = new ConsoleSession(store, id, null, null, dir);
                pruned = store.experiments().list(ExperimentQuery.campaign(id).statuses(ExperimentStatus.DONE,
                        ExperimentStatus.FAILED)).stream().filter(e -> !Standings.isBaseline(e)).findFirst().orElseThrow();

                assertThat(console.handle("/avoid short_conv").text()).contains("directive #1 stored");
                assertThat(console.handle("/inject based.arch under 1 as based from the console").text())
                        .contains("directive #2 stored");
                assertThat(console.handle("/prune " + pruned.name().split("-")[0]).text()).contains("directive #3 stored");
                assertThat(console.handle("/frobnicate").text()).contains("unknown command");
                until(() -> store.directives().pending(id).isEmpty(), Duration.ofMinutes(2), "the directives to apply");

                List<Directive> ds = store.directives().list(id);
                assertThat(ds).extracting(Directive::status).as(ds.toString()).containsOnly(DirectiveStatus.APPLIED);
                assertThat(ds.get(1).outcome()).contains("queued next");
                avoidApplied = ds.get(0).appliedAt();
                pruneApplied = ds.get(2).appliedAt();
                injected = store.experiments().list(ExperimentQuery.campaign(id)).stream()
                        .filter(e -> Standings.extra(e).path("directive_seq").asInt() == 2).findFirst().orElseThrow();
                assertThat(store.experiments().find(injected.parentId()).orElseThrow()).as("under the baseline")
                        .matches(Standings::isBaseline);
                assertThat(injected.hypothesis().title()).isEqualTo("based from the console");
                String injectedId = injected.id();
                until(() -> store.experiments().find(injectedId).orElseThrow().status() != ExperimentStatus.QUEUED,
                        Duration.ofMinutes(2), "the injected experiment to start");
                assertThat(console.handle("/best").text()).contains("Best so far");
                assertThat(console.handle("/why " + pruned.name().split("-")[0]).text()).contains(pruned.name());
                assertThat(console.handle("/directives").text()).contains("#1", "#2", "#3", "applied");
            }
        }   // SIGKILL

        List<String> log = Files.readAllLines(run.resolve("campaign.log"));
        int appliedAt = indexOf(log, "directive #2 applied", 0);
        int nextStart = indexOf(log, " training at ", appliedAt);
        assertThat(log.get(nextStart)).as("the injected definition runs next").contains(injected.id());

        try (ArchlabProcess second = ArchlabProcess.start("resume", run.toString(), "--no-progress")) {
            assertThat(second.await(Duration.ofMinutes(8))).as(second.output()).isZero();
            assertThat(second.lines()).anyMatch(l -> l.contains("resumed: 2 directives in force again")
                    && l.contains("avoid short_conv") && l.contains("prune the branch under"));
        }
        try (Store store = Store.openRunFolder(run)) {
            archlab.knowledge.store.Campaign c = store.campaigns().list().get(0);
            assertThat(c.status()).isEqualTo(CampaignStatus.DONE);
            List<Experiment> all = store.experiments().list(ExperimentQuery.campaign(c.id()));
            for (Experiment e : all) {
                // The person's own injection is theirs to make; /avoid binds the agent's proposals.
                if (e.createdAt().isAfter(avoidApplied) && e.definition() != null && !e.id().equals(injected.id())) {
                    assertThat(e.definition()).as(e.name() + " came after /avoid short_conv").doesNotContain("short_conv(");
                }
                if (e.createdAt().isAfter(pruneApplied)) {
                    assertThat(ancestors(store, e)).as(e.name() + " came after /prune").doesNotContain(pruned.id());
                }
            }
            assertThat(store.experiments().find(injected.id()).orElseThrow().status())
                    .isIn(ExperimentStatus.DONE, ExperimentStatus.FAILED);
            assertThat(store.directives().list(c.id())).extracting(Directive::status)
                    .containsOnly(DirectiveStatus.APPLIED);
            assertThat(store.directives().list(c.id()).get(1).effect()).contains(injected.name());
        }
    }

    private static int indexOf(List<String> lines, String needle, int from) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).contains(needle)) {
                return i;
            }
        }
        throw new AssertionError("no line with \"" + needle + "\" after line " + from + " in:\n" + String.join("\n", lines));
    }

    private static List<String> ancestors(Store store, Experiment e) {
        List<String> out = new ArrayList<>();
        String p = e.parentId();
        while (p != null && out.size() < 1000) {
            out.add(p);
            p = store.experiments().find(p).map(Experiment::parentId).orElse(null);
        }
        return out;
    }
}
