package archlab.knowledge.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Many threads of one process on one store (more threads than pooled connections): no errors, nothing lost. */
class ConcurrentThreadsStoreTest {
    @TempDir
    Path runDir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void onH2() throws Exception {
        try (Store store = Store.openRunFolder(runDir)) {
            threadsWriteClaimAndReadTogether(store);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void onPostgres() throws Exception {
        try (PostgresTestDatabase db = PostgresTestDatabase.create(); Store store = Store.open(db.url())) {
            threadsWriteClaimAndReadTogether(store);
        }
    }

    private static void threadsWriteClaimAndReadTogether(Store store) throws Exception {
        int threads = 10;
        int perThread = 30;
        int queued = 50;
        {
            String campaignId = store.campaigns().insert(Campaign.create("threads", null, "offline")).id();
            store.experiments().insertAll(IntStream.range(0, queued).mapToObj(i -> Experiment
                    .builder("queued-" + i, campaignId).status(ExperimentStatus.QUEUED).build()).toList());
            store.experiments().insert(Experiment.builder("hot", campaignId).build());

            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String prefix = "t" + t;
                futures.add(pool.submit(() -> {
                    int claims = StoreWriterMain.write(store, campaignId, prefix, 0, perThread);
                    // everyone also rewrites one hot row, in transactions that read it first
                    for (int i = 0; i < 5; i++) {
                        store.inTransaction(tx -> tx.experiments().update(tx.experiments().find("hot").orElseThrow()
                                .toBuilder().analysis(prefix).build()));
                    }
                    return claims;
                }));
            }
            int claims = 0;
            for (Future<Integer> f : futures) {
                claims += f.get(50, TimeUnit.SECONDS);
            }
            pool.shutdown();

            assertThat(claims).isEqualTo(queued);
            assertThat(store.experiments().count(ExperimentQuery.campaign(campaignId)))
                    .isEqualTo(queued + 1 + (long) threads * perThread);
            assertThat(store.experiments().countByStatus(campaignId).get(ExperimentStatus.TRAINING)).isEqualTo(queued);
            assertThat(store.llmCalls().spend(campaignId).calls()).isEqualTo((long) threads * perThread);
            List<Directive> directives = store.directives().list(campaignId);
            assertThat(directives).hasSize(threads * 3);
            assertThat(directives).extracting(Directive::seq)
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, threads * 3).boxed().toList());
            for (int t = 0; t < threads; t++) {
                assertThat(store.evaluations().forExperiment("t" + t + "-" + (perThread - 1))).hasSize(1);
            }
        }
    }
}
