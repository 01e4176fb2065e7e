package archlab.knowledge.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL server restarts (fast: connections cut) while a writer is in the middle of its
 * transactions. Each write either commits exactly once or fails with a clean {@link StoreException};
 * the writer goes on once the server is back, nothing committed is lost, nothing is written twice.
 * Needs {@code ARCHLAB_TEST_PG_URL} and {@code ARCHLAB_TEST_PG_RESTART} (a command that restarts that
 * server, such as scripts/restart-postgres.sh); skipped with a message otherwise.
 */
class PostgresRestartTest {
    private static PostgresTestDatabase db;

    @BeforeAll
    static void createSchema() {
        Assumptions.assumeTrue(System.getenv("ARCHLAB_TEST_PG_RESTART") != null,
                "PostgreSQL restart test skipped: ARCHLAB_TEST_PG_RESTART is not set (see scripts/restart-postgres.sh)");
        db = PostgresTestDatabase.create();
    }

    @AfterAll
    static void dropSchema() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void aServerRestartMidTransactionLosesAndDuplicatesNothing() throws Exception {
        int writes = 400;
        List<String> committed = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> refused = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger done = new AtomicInteger();
        try (Store store = Store.open(db.url())) {
            Campaign c = store.campaigns().insert(Campaign.create("restart", "{}", "offline"));
            Thread writer = new Thread(() -> {
                for (int k = 0; k < writes; k++) {
                    int i = k;
                    String id = "exp-restart-" + i;
                    try {
                        // Three statements in one transaction: the restart can fall between any two.
                        store.inTransaction(tx -> {
                            tx.experiments().insert(Experiment.builder(id, c.id()).name("e" + i)
                                    .status(ExperimentStatus.QUEUED).build());
                            tx.experiments().updateStatus(id, ExperimentStatus.TRAINING);
                            tx.directives().add(c.id(), "write " + i, null);
                            return null;
                        });
                        committed.add(id);
                    } catch (StoreException e) {
                        refused.add(id + ": " + e.getMessage());
                    }
                    done.incrementAndGet();
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "writer");
            writer.start();
            while (done.get() < writes / 4) {
                Thread.sleep(10);
            }
            Process restart = new ProcessBuilder("bash", "-c", System.getenv("ARCHLAB_TEST_PG_RESTART"))
                    .redirectErrorStream(true).start();
            String log = new String(restart.getInputStream().readAllBytes());
            assertThat(restart.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(restart.exitValue()).as(log).isZero();
            int atRestart = done.get();
            writer.join(TimeUnit.MINUTES.toMillis(3));
            assertThat(writer.isAlive()).isFalse();

            Set<String> stored = store.experiments().list(ExperimentQuery.campaign(c.id())).stream()
                    .map(Experiment::id).collect(Collectors.toSet());
            assertThat(stored).as("every committed write is there").containsAll(committed);
            assertThat(stored).as("no refused write half-landed").hasSize(committed.size());
            assertThat(store.directives().list(c.id())).as("one directive per committed transaction")
                    .hasSize(committed.size());
            assertThat(committed.size()).as("the writer went on after the restart").isGreaterThan(atRestart);
            assertThat(refused.size()).as("refusals: " + refused).isLessThanOrEqualTo(5);
            System.out.printf("postgres restart: %d writes, %d committed, %d refused cleanly, restart after %d%n",
                    writes, committed.size(), refused.size(), atRestart);
        }
    }
}
