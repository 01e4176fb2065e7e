package archlab.knowledge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lock timeout (another transaction holds the row): a short wait is retried until it succeeds; a
 * wait longer than the retries is a clean {@link StoreException} that names the lock, and the holder's
 * transaction commits untouched. With a 200 ms lock timeout so that the test is quick.
 */
class LockTimeoutTest {
    @TempDir
    Path dir;

    private Store open() {
        return Store.open("jdbc:h2:file:" + dir.resolve("db").toAbsolutePath() + ";AUTO_SERVER=TRUE;LOCK_TIMEOUT=200");
    }

    private static Thread holder(Store store, String id, long millis, CountDownLatch locked) {
        Thread t = new Thread(() -> store.inTransaction(tx -> {
            tx.experiments().updateStatus(id, ExperimentStatus.TRAINING);
            locked.countDown();
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }), "holder");
        t.start();
        return t;
    }

    @Test
    void aShortWaitIsRetriedAndALongOneFailsCleanly() throws Exception {
        try (Store store = open()) {
            Campaign c = store.campaigns().insert(Campaign.create("locks", "{}", "offline"));
            store.experiments().insert(Experiment.builder("exp-a", c.id()).name("e1").status(ExperimentStatus.QUEUED).build());

            CountDownLatch locked = new CountDownLatch(1);
            Thread shortHold = holder(store, "exp-a", 600, locked);
            assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();
            long t0 = System.nanoTime();
            assertThat(store.experiments().updateStatus("exp-a", ExperimentStatus.DONE)).isTrue();
            assertThat((System.nanoTime() - t0) / 1e6).as("it waited for the holder").isGreaterThan(300);
            shortHold.join();
            assertThat(store.experiments().find("exp-a").orElseThrow().status()).isEqualTo(ExperimentStatus.DONE);

            CountDownLatch locked2 = new CountDownLatch(1);
            Thread longHold = holder(store, "exp-a", 15_000, locked2);
            assertThat(locked2.await(10, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> store.experiments().updateStatus("exp-a", ExperimentStatus.FAILED))
                    .isInstanceOf(StoreException.class).hasMessageContaining("lock");
            longHold.join();
            assertThat(store.experiments().find("exp-a").orElseThrow().status())
                    .as("the holder's transaction committed").isEqualTo(ExperimentStatus.TRAINING);
        }
    }
}
