package archlab.knowledge.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The cluster-job tables on H2 in a run folder. */
class RemoteEvaluationsH2Test extends RemoteEvaluationsContract {
    @TempDir
    Path runDir;

    @Override
    protected Store openStore() {
        return Store.openRunFolder(runDir);
    }
}
