package archlab.knowledge.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The search's tables on H2 in a run folder. */
class SearchStatsH2Test extends SearchStatsContract {
    @TempDir
    Path runDir;

    @Override
    protected Store openStore() {
        return Store.openRunFolder(runDir);
    }
}
