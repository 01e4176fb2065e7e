package archlab.knowledge.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract on PostgreSQL, when {@code ARCHLAB_TEST_PG_URL} names a reachable server
 * ({@link PostgresTestDatabase}); skipped with a message otherwise. The class works in a new schema:
 * the first test's {@link Store#open} runs the migrations there, and every test starts from empty
 * tables. The schema is dropped at the end.
 */
class PostgresStoreTest extends StoreContract {
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
    protected Store openStore() throws SQLException {
        db.truncateAll();
        return Store.open(db.url());
    }

    @Test
    void migrationsCreatedEveryTableInTheSchema() throws SQLException {
        assertThat(store.databaseKind()).isEqualTo("postgresql");
        List<String> tables = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name")) {
            p.setString(1, db.schema());
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
        }
        assertThat(tables).contains("campaign", "experiment", "evaluation", "llm_call", "directive", "insight",
                "insight_experiment", "subroutine", "paper_note", "flyway_schema_history");
    }

    @Test
    void reopeningFindsTheSchemaUpToDate() {
        store.experiments().insert(Experiment.builder("kept", campaign.id()).build());
        String url = store.url();
        store.close();
        store = Store.open(url);
        assertThat(store.experiments().find("kept")).isPresent();
    }
}
