package archlab.knowledge.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL server the tests may use: {@code ARCHLAB_TEST_PG_URL} (such as
 * {@code jdbc:postgresql://127.0.0.1:55432/archlab?user=archlab&password=archlab}; scripts/start-postgres.sh
 * starts one and prints its URL). Without it, or when it does not answer, the tests that need it
 * are skipped with a message on stderr. Each test works in a new schema of its own.
 */
public final class PostgresTestDatabase implements AutoCloseable {
    public static final String ENV = "ARCHLAB_TEST_PG_URL";

    private final String baseUrl;
    private final String schema;

    private PostgresTestDatabase(String baseUrl, String schema) {
        this.baseUrl = baseUrl;
        this.schema = schema;
    }

    /** A new, empty schema on the test server; skips the calling test when there is no server. */
    public static PostgresTestDatabase create() {
        String url = requireReachable();
        String schema = "archlab_test_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36)
                .toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test schema " + schema + ": " + e.getMessage(), e);
        }
        return new PostgresTestDatabase(url, schema);
    }

    /** The URL of the server; skips the calling test (or class) when it is not set or does not answer. */
    public static String requireReachable() {
        String url = System.getenv(ENV);
        if (url == null || url.isBlank()) {
            skip("set " + ENV + " to a PostgreSQL JDBC URL (scripts/start-postgres.sh starts one and prints it)");
        }
        try (Connection c = DriverManager.getConnection(url)) {
            if (!c.isValid(5)) {
                skip(ENV + " is not answering");
            }
        } catch (SQLException e) {
            skip("cannot connect to " + ENV + ": " + e.getMessage());
        }
        return url;
    }

    private static void skip(String why) {
        System.err.println("SKIPPED PostgreSQL store tests: " + why);
        Assumptions.abort("PostgreSQL store tests skipped: " + why);
    }

    /** A JDBC URL whose current schema is this test's own. */
    public String url() {
        return baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    /** A plain connection to the server (the default schema). */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(baseUrl);
    }

    public String schema() {
        return schema;
    }

    /** Empties every table of the schema (but the migration history), so the next test starts clean. */
    public void truncateAll() throws SQLException {
        try (Connection c = DriverManager.getConnection(baseUrl)) {
            java.util.List<String> tables = new java.util.ArrayList<>();
            try (var p = c.prepareStatement("SELECT table_name FROM information_schema.tables WHERE table_schema = ?"
                    + " AND table_name <> 'flyway_schema_history'")) {
                p.setString(1, schema);
                try (var rs = p.executeQuery()) {
                    while (rs.next()) {
                        tables.add(schema + "." + rs.getString(1));
                    }
                }
            }
            if (!tables.isEmpty()) {
                try (Statement s = c.createStatement()) {
                    s.execute("TRUNCATE " + String.join(", ", tables) + " RESTART IDENTITY CASCADE");
                }
            }
        }
    }

    /** Drops the schema and everything in it. */
    @Override
    public void close() {
        try (Connection c = DriverManager.getConnection(baseUrl); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            System.err.println("could not drop test schema " + schema + ": " + e.getMessage());
        }
    }
}
