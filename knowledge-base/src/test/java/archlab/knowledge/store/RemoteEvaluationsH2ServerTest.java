package archlab.knowledge.store;

import java.nio.file.Path;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster-job tables on an H2 server ({@code jdbc:h2:tcp://}), the store a Slurm campaign may use
 * instead of PostgreSQL (docs/scale-out.md): the same contract over TCP.
 */
class RemoteEvaluationsH2ServerTest extends RemoteEvaluationsContract {
    @TempDir
    Path baseDir;
    private Server server;

    @Override
    protected Store openStore() throws Exception {
        server = Server.createTcpServer("-tcpPort", "0", "-ifNotExists", "-baseDir", baseDir.toString()).start();
        return Store.open("jdbc:h2:tcp://localhost:" + server.getPort() + "/archlab");
    }

    @AfterEach
    void stopServer() {
        if (store != null) {
            store.close();
            store = null;
        }
        if (server != null) {
            server.stop();
        }
    }
}
