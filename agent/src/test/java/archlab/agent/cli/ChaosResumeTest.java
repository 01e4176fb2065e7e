package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.campaign.Standings;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Directive;
import archlab.knowledge.store.DirectiveStatus;
import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.SearchNode;
import archlab.knowledge.store.Store;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaos: a real campaign (offline policy, MQAR, sandbox workers) SIGKILLed at random moments, resumed
 * each time, with sandbox worker processes killed at random in between and directives arriving while
 * it is down, until it finishes. Then the invariants: no experiment lost, none trained twice to
 * completion, the search's statistics consistent with the stored results, the directives intact.
 * {@code -Darchlab.chaos.kills=N} sets the number of kills (default 6 for CI; scripts/chaos-resume.sh
 * runs 20), {@code -Darchlab.chaos.seed=S} the random moments.
 */
@Tag("slow")
class ChaosResumeTest {
    private static final Pattern QUEUED = Pattern.compile("^(e\\d+)-\\S* queued: ");
    private static final Pattern DONE = Pattern.compile("^(e\\d+)-\\S* done at (\\w+)");

    @TempDir
    Path dir;

    @Test
    void killedAtRandomAndResumedLosesNothing() throws Exception {
        int kills = Integer.getInteger("archlab.chaos.kills", 6);
        long seed = Long.getLong("archlab.chaos.seed", System.nanoTime());
        Random random = new Random(seed);
        Path file = dir.resolve("chaos.yaml");
        Files.writeString(file, CampaignRunTest.campaign(dir, 12, 30));
        List<String> output = Collections.synchronizedList(new ArrayList<>());
        int killed = 0;
        int workersKilled = 0;
        int resumes = 0;
        Path run = null;
        boolean finished = false;
        Instant start = Instant.now();
        while (!finished) {
            String[] args = run == null ? new String[] {"run", file.toString(), "--no-progress"}
                    : new String[] {"resume", run.toString(), "--no-progress"};
            Process p = start(args, output);
            if (run != null) {
                resumes++;
            }
            if (killed < kills) {
                long wait = 1500 + random.nextInt(6000);
                boolean ended = p.waitFor(wait, TimeUnit.MILLISECONDS);
                if (!ended && random.nextInt(2) == 0) {
                    // A sandbox worker dies under the campaign: a recorded failure, nothing more.
                    List<ProcessHandle> workers = p.toHandle().descendants().toList();
                    if (!workers.isEmpty()) {
                        workers.get(random.nextInt(workers.size())).destroyForcibly();
                        workersKilled++;
                        ended = p.waitFor(500 + random.nextInt(1500), TimeUnit.MILLISECONDS);
                    }
                }
                if (!ended) {
                    p.destroyForcibly();   // SIGKILL: no shutdown hook, no flush
                    p.waitFor(30, TimeUnit.SECONDS);
                    killed++;
                } else {
                    assertThat(p.exitValue()).as(tail(output)).isZero();
                    finished = true;
                }
            } else {
                assertThat(p.waitFor(10, TimeUnit.MINUTES)).as(tail(output)).isTrue();
                assertThat(p.exitValue()).as(tail(output)).isZero();
                finished = true;
            }
            if (run == null && Files.isDirectory(dir.resolve("runs"))) {
                try (var s = Files.list(dir.resolve("runs"))) {
                    run = s.findFirst().orElse(null);
                }
            }
            if (run != null && killed == 2 && !finished) {
                // Directives that arrive while the campaign is down apply when it comes back.
                try (Store store = Store.openRunFolder(run)) {
                    String id = store.campaigns().list().get(0).id();
                    if (store.directives().list(id).isEmpty()) {
                        store.directives().add(id, "/avoid softmax", "{\"kind\":\"avoid\",\"target\":\"softmax\"}");
                        store.directives().add(id, "/focus decay", "{\"kind\":\"focus\",\"target\":\"decay\"}");
                    }
                }
            }
        }

        try (Store store = Store.openRunFolder(run)) {
            Campaign c = store.campaigns().list().get(0);
            assertThat(c.status()).isEqualTo(CampaignStatus.DONE);
            List<Experiment> all = store.experiments().list(ExperimentQuery.campaign(c.id()));
            Map<String, Experiment> byNumber = new HashMap<>();
            for (Experiment e : all) {
                byNumber.put(e.name().split("-")[0], e);
                assertThat(e.status()).as("nothing left in flight: " + e.name())
                        .isIn(ExperimentStatus.DONE, ExperimentStatus.FAILED, ExperimentStatus.PRUNED);
            }
            // No experiment lost: everything any process announced as queued is in the store, finished.
            Map<String, Integer> doneAt = new HashMap<>();
            synchronized (output) {
                for (String line : output) {
                    Matcher q = QUEUED.matcher(line);
                    if (q.find()) {
                        assertThat(byNumber).as("announced " + q.group(1)).containsKey(q.group(1));
                    }
                    Matcher d = DONE.matcher(line);
                    if (d.find()) {
                        doneAt.merge(d.group(1) + "@" + d.group(2), 1, Integer::sum);
                    }
                }
            }
            // None trained twice to completion: each (experiment, stage) finished once, one result per seed.
            assertThat(doneAt).as("finished twice").allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1));
            Set<String> hashes = new HashSet<>();
            int evaluations = 0;
            for (Experiment e : all) {
                if (e.canonicalHash() != null) {
                    assertThat(hashes.add(e.canonicalHash())).as("one experiment per design: " + e.name()).isTrue();
                }
                Set<String> runs = new HashSet<>();
                for (Evaluation ev : store.evaluations().forExperiment(e.id())) {
                    assertThat(runs.add(ev.stage() + "/" + ev.seed())).as("one result per run of " + e.name()).isTrue();
                    evaluations++;
                }
            }
            // The search's statistics match the stored results.
            Map<String, SearchNode> nodes = new HashMap<>();
            for (SearchNode n : store.searchStats().nodes(c.id())) {
                assertThat(nodes.put(n.key(), n)).as("one node per result").isNull();
            }
            List<Experiment> explored = all.stream().filter(e -> !Standings.isBaseline(e))
                    .filter(e -> e.status() != ExperimentStatus.PRUNED && !"coding".equals(e.failureKind()))
                    .toList();
            for (Experiment e : explored) {
                assertThat(nodes).as("the search knows " + e.name()).containsKey(e.canonicalHash());
            }
            for (SearchNode n : nodes.values()) {
                int below = nodes.values().stream().filter(m -> n.key().equals(m.parentKey()))
                        .mapToInt(SearchNode::visits).sum();
                assertThat(n.visits()).as("visits of " + n.experimentId() + " = itself + its children's")
                        .isEqualTo(below + 1);
            }
            // The directives are intact and held after they applied.
            List<Directive> ds = store.directives().list(c.id());
            if (killed >= 2) {
                assertThat(ds).extracting(Directive::status).containsOnly(DirectiveStatus.APPLIED);
                Instant avoid = ds.get(0).appliedAt();
                for (Experiment e : all) {
                    if (e.createdAt().isAfter(avoid) && e.definition() != null) {
                        assertThat(e.definition()).as(e.name() + " after /avoid softmax").doesNotContain("softmax(");
                    }
                }
            }
            long failed = all.stream().filter(e -> e.status() == ExperimentStatus.FAILED).count();
            System.out.printf("chaos: seed %d, %d kills, %d resumes, %d sandbox workers killed, %d experiments (%d failed),"
                            + " %d evaluations, %d search nodes, %d directives, %.0f s%n", seed, killed, resumes,
                    workersKilled, all.size(), failed, evaluations, nodes.size(), ds.size(),
                    (Instant.now().toEpochMilli() - start.toEpochMilli()) / 1000.0);
            assertThat(killed).isEqualTo(kills);
        }
    }

    private static Process start(String[] args, List<String> output) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                }
            } catch (Exception e) {
                // killed
            }
        });
        t.setDaemon(true);
        t.start();
        return p;
    }

    private static String tail(List<String> output) {
        synchronized (output) {
            return String.join("\n", output.subList(Math.max(0, output.size() - 60), output.size()));
        }
    }
}
