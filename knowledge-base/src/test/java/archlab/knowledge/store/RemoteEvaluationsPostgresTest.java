package archlab.knowledge.store;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The cluster-job tables on PostgreSQL, when ARCHLAB_TEST_PG_URL names a server; skipped otherwise. */
class RemoteEvaluationsPostgresTest extends RemoteEvaluationsContract {
    private static PostgresTestDatabase db;

    @BeforeAll
    static void createSchema() {
        db = PostgresTestDatabase.create();
    }

    @AfterAll
    static void dropSchema() {
        if (db != null) {
            db.close();
        }
    }

    @Override
    protected Store openStore() throws Exception {
        db.truncateAll();
        return Store.open(db.url());
    }
}
