package archlab.knowledge.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several processes on one H2 run folder at once, as a campaign, a console and a browser use it:
 * two child JVMs and this one write and read together. The first child opens the file, so it serves
 * it to the others (AUTO_SERVER); then it exits, and the others go on writing and reading, so they
 * must take the file over. No writer may see "database is locked" (or any error), no write may be
 * lost, and no queued experiment may be claimed twice.
 */
class TwoProcessStoreTest {
    private static final int QUEUED_PER_PHASE = 30;

    @TempDir
    Path runDir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void processesWriteAndReadOneFileTogether() throws Exception {
        String campaignId;
        try (Store store = Store.openRunFolder(runDir)) {
            campaignId = store.campaigns().insert(Campaign.create("shared", null, "offline")).id();
        }
        // No process holds the file now. The first child opens it and becomes its server.
        Child first = Child.start(runDir, campaignId, "first", 80, 0);
        first.awaitLine("ready");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (Store store = Store.openRunFolder(runDir)) {
            Child second = Child.start(runDir, campaignId, "second", 100, 100);
            second.awaitLine("ready");

            // Phase 1: three processes write at once; the first child is the server.
            queue(store, campaignId, 0);
            long start = System.nanoTime();
            first.go();
            second.go();
            int ownClaims = writeHere(store, campaignId, threads, 0);
            int firstClaims = first.finish();
            second.awaitLine("paused");
            long phase1 = (System.nanoTime() - start) / 1_000_000;

            // Phase 2: the server process has exited; the other two must take over the file.
            queue(store, campaignId, QUEUED_PER_PHASE);
            second.go();
            ownClaims += writeHere(store, campaignId, threads, 60);
            int secondClaims = second.finish();
            long total = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("two-process store test: phase 1 (3 processes, the first serving) %d ms, phase 2"
                    + " (after it exited) %d ms; claims first=%d second=%d this=%d%n", phase1, total - phase1,
                    firstClaims, secondClaims, ownClaims);

            assertThat(store.experiments().count(ExperimentQuery.campaign(campaignId)))
                    .isEqualTo(2 * QUEUED_PER_PHASE + 80 + 200 + 2 * 120);
            for (String prefix : List.of("first", "second", "main0", "main1")) {
                long written = store.experiments().count(ExperimentQuery.campaign(campaignId).text("written by " + prefix));
                assertThat(written).as("experiments written by %s", prefix)
                        .isEqualTo(prefix.equals("first") ? 80 : prefix.equals("second") ? 200 : 120);
            }
            // every queued experiment claimed exactly once, by exactly one writer
            assertThat(store.experiments().countByStatus(campaignId).get(ExperimentStatus.TRAINING))
                    .isEqualTo(firstClaims + secondClaims + ownClaims).isEqualTo(2 * QUEUED_PER_PHASE);
            assertThat(store.llmCalls().spend(campaignId).calls()).isEqualTo(80 + 200 + 2 * 120);
            List<Directive> directives = store.directives().list(campaignId);
            assertThat(directives).hasSize(8 + 20 + 2 * 12);
            assertThat(directives).extracting(Directive::seq)
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, directives.size()).boxed().toList());
            assertThat(store.evaluations().forExperiment("second-199")).singleElement()
                    .satisfies(e -> assertThat(e.metrics()).isEqualTo("{\"loss\":0.5}"));
        } finally {
            threads.shutdownNow();
        }
    }

    /** Processes that open a new run folder at the same moment all get in (they queue on RUN/archlab.open.lock). */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void processesOpeningANewRunFolderAtOnceAllGetIn() throws Exception {
        List<Child> children = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            children.add(Child.start(runDir, "-", "p" + i, 5, 0));
        }
        for (Child c : children) {
            c.awaitLine("ready");
        }
        long open = (System.nanoTime() - start) / 1_000_000;
        for (Child c : children) {
            c.go();
        }
        for (Child c : children) {
            c.finish();
        }
        System.out.printf("three processes opened a new run folder together in %d ms%n", open);
        try (Store store = Store.openRunFolder(runDir)) {
            assertThat(store.campaigns().list()).extracting(Campaign::name).containsExactlyInAnyOrder("p0", "p1", "p2");
            assertThat(store.experiments().count(ExperimentQuery.all())).isEqualTo(15);
        }
    }

    private static void queue(Store store, String campaignId, int from) {
        store.experiments().insertAll(IntStream.range(from, from + QUEUED_PER_PHASE).mapToObj(i -> Experiment
                .builder("queued-" + i, campaignId).status(ExperimentStatus.QUEUED).build()).toList());
    }

    /** Two threads of this process write 60 experiments each, from {@code from}; returns their claims. */
    private static int writeHere(Store store, String campaignId, ExecutorService threads, int from) throws Exception {
        List<Future<Integer>> own = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            String prefix = "main" + t;
            own.add(threads.submit(() -> StoreWriterMain.write(store, campaignId, prefix, from, 60)));
        }
        int claims = 0;
        for (Future<Integer> f : own) {
            claims += f.get(100, TimeUnit.SECONDS);
        }
        return claims;
    }

    /** A child JVM running {@link StoreWriterMain}. */
    private static final class Child {
        final String name;
        final Process process;
        final BufferedReader out;
        final Path err;

        private Child(String name, Process process, Path err) {
            this.name = name;
            this.process = process;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.err = err;
        }

        static Child start(Path runDir, String campaignId, String prefix, int n, int more) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path err = Files.createTempFile(runDir, prefix, ".err");
            Process p = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), StoreWriterMain.class.getName(),
                    runDir.toString(), campaignId, prefix, Integer.toString(n), Integer.toString(more))
                    .redirectError(err.toFile()).start();
            return new Child(prefix, p, err);
        }

        void go() throws IOException {
            process.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        }

        void awaitLine(String expected) throws Exception {
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            }).get(90, TimeUnit.SECONDS);
            assertThat(line).as("%s's next line (stderr: %s)", name, stderr()).isEqualTo(expected);
        }

        /** Waits for the exit; returns the number of queued experiments it claimed. */
        int finish() throws Exception {
            assertThat(process.waitFor(100, TimeUnit.SECONDS)).as("%s finished", name).isTrue();
            List<String> lines = out.lines().toList();
            String stderr = stderr();
            assertThat(process.exitValue()).as("%s's exit code; stderr:%n%s", name, stderr).isZero();
            assertThat(stderr).as("%s's stderr", name).doesNotContainIgnoringCase("locked")
                    .doesNotContain("Exception");
            assertThat(lines).contains("done");
            return lines.stream().filter(l -> l.startsWith("claims=")).mapToInt(l -> Integer.parseInt(l.substring(7)))
                    .findFirst().orElseThrow();
        }

        String stderr() {
            try {
                return Files.readString(err);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }
    }
}
