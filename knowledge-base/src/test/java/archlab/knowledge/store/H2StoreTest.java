package archlab.knowledge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on H2, in a run folder as a campaign uses it, plus what is particular to H2. */
class H2StoreTest extends StoreContract {
    @TempDir
    Path runDir;

    @Override
    protected Store openStore() {
        return Store.openRunFolder(runDir);
    }

    @Test
    void runFolderHoldsOneAutoServerFile() {
        assertThat(Store.existsInRunFolder(runDir)).isTrue();
        assertThat(Files.isRegularFile(runDir.resolve("archlab.mv.db"))).isTrue();
        assertThat(store.url()).contains("AUTO_SERVER=TRUE").contains("MODE=PostgreSQL").contains("LOCK_TIMEOUT=");
        assertThat(store.databaseKind()).isEqualTo("h2");
    }

    @Test
    void reopeningKeepsTheDataAndSkipsDoneMigrations() {
        store.experiments().insert(Experiment.builder("kept", campaign.id()).build());
        store.close();
        store = Store.openRunFolder(runDir);
        assertThat(store.experiments().find("kept")).isPresent();
    }

    @Test
    void twoStoresInOneProcessShareTheFile() {
        try (Store second = Store.openRunFolder(runDir)) {
            second.experiments().insert(Experiment.builder("from-second", campaign.id()).build());
            assertThat(store.experiments().find("from-second")).isPresent();
        }
        // closing one leaves the other working
        store.experiments().insert(Experiment.builder("after", campaign.id()).build());
        assertThat(store.experiments().count(ExperimentQuery.all())).isEqualTo(2);
    }

    @Test
    void otherUrlsAreRefused() {
        assertThatThrownBy(() -> Store.open("jdbc:sqlite:x.db")).isInstanceOf(StoreException.class)
                .hasMessageContaining("unsupported JDBC URL");
    }
}
