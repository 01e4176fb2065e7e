package archlab.knowledge.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** The two databases the store runs on, and the little SQL that differs between them. */
enum Dialect {
    H2,
    POSTGRESQL;

    /** How long a statement waits for a row lock held by another transaction before it gives up. */
    static final int LOCK_TIMEOUT_MS = 30_000;

    static Dialect of(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:h2:")) {
            return H2;
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        throw new StoreException("unsupported JDBC URL (expected jdbc:h2:... or jdbc:postgresql:...): " + jdbcUrl);
    }

    /**
     * The URL to connect with. H2 gets MODE=PostgreSQL (so TEXT is a VARCHAR, not a CLOB, and the
     * migrations read the same as on PostgreSQL) and the lock timeout, unless the URL sets them.
     */
    String normalise(String url) {
        if (this != H2) {
            return url;
        }
        String upper = url.toUpperCase(java.util.Locale.ROOT);
        StringBuilder out = new StringBuilder(url);
        if (!upper.contains(";MODE=")) {
            out.append(";MODE=PostgreSQL");
        }
        if (!upper.contains(";LOCK_TIMEOUT=")) {
            out.append(";LOCK_TIMEOUT=").append(LOCK_TIMEOUT_MS);
        }
        // H2 keeps commits in memory for up to a second by default; a process killed (kill -9, the OOM
        // killer) in that window loses them, even its schema (the chaos test found a campaign whose row
        // vanished after its id had been written). Each commit goes to the file before it returns.
        if (upper.startsWith("JDBC:H2:FILE:") && !upper.contains(";WRITE_DELAY=")) {
            out.append(";WRITE_DELAY=0");
        }
        return out.toString();
    }

    DataSource dataSource(String url) {
        if (this == H2) {
            JdbcDataSource ds = new JdbcDataSource();
            ds.setURL(url);
            return OpenLock.forUrl(url).around(ds);
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(url);
        return ds;
    }

    /** Session settings for every new connection: writers wait for locks rather than fail at once. */
    void configure(Connection c) throws SQLException {
        if (this == POSTGRESQL) {
            try (Statement s = c.createStatement()) {
                s.execute("SET lock_timeout = " + LOCK_TIMEOUT_MS);
            }
        }
        // H2: LOCK_TIMEOUT is in the URL (normalise), which also covers AUTO_SERVER reconnects.
    }

    /**
     * An insert that updates the row when one with the same key exists: {@code ON CONFLICT} on
     * PostgreSQL, the standard {@code MERGE} on H2 (which has no {@code ON CONFLICT ... DO UPDATE}).
     * Parameters are bound in the order of {@code columns}.
     */
    String upsert(String table, List<String> key, List<String> columns, List<String> updated) {
        String cols = String.join(", ", columns);
        if (this == POSTGRESQL) {
            String params = columns.stream().map(c -> "?").collect(Collectors.joining(", "));
            String set = updated.stream().map(c -> c + " = EXCLUDED." + c).collect(Collectors.joining(", "));
            return "INSERT INTO " + table + " (" + cols + ") VALUES (" + params + ") ON CONFLICT ("
                    + String.join(", ", key) + ") DO UPDATE SET " + set;
        }
        String params = columns.stream().map(c -> "?").collect(Collectors.joining(", "));
        String on = key.stream().map(c -> "t." + c + " = v." + c).collect(Collectors.joining(" AND "));
        String set = updated.stream().map(c -> c + " = v." + c).collect(Collectors.joining(", "));
        String values = columns.stream().map(c -> "v." + c).collect(Collectors.joining(", "));
        return "MERGE INTO " + table + " t USING (VALUES (" + params + ")) AS v (" + cols + ") ON " + on
                + " WHEN MATCHED THEN UPDATE SET " + set
                + " WHEN NOT MATCHED THEN INSERT (" + cols + ") VALUES (" + values + ")";
    }

    /**
     * Errors worth retrying the whole transaction for: lock timeouts, deadlocks, serialization
     * failures, concurrent updates, and a connection lost because the process that served an
     * AUTO_SERVER database exited (the next connection reopens it).
     */
    static boolean isTransient(Throwable t) {
        for (Throwable e = t; e != null; e = e.getCause()) {
            if (e instanceof SQLException s) {
                String state = s.getSQLState();
                if (state == null) {
                    continue;
                }
                if (state.startsWith("08") // connection exception
                        || state.equals("40001") // serialization failure / H2 deadlock
                        || state.equals("40P01") // PostgreSQL deadlock
                        || state.equals("55P03") // PostgreSQL lock_not_available (lock_timeout)
                        || state.equals("57P01") // PostgreSQL admin shutdown
                        || state.equals("HYT00") // H2 lock timeout
                        || state.equals("90131") // H2 concurrent update
                        || state.equals("90067") // H2 connection broken
                        || state.equals("90098") // H2 database closed (its server process exited)
                        || state.equals("90112") // H2 row vanished under a concurrent delete
                        || state.equals("90121") // H2 database called at VM shutdown
                        || state.equals("90020")) { // H2 file briefly held while AUTO_SERVER hands over
                    return true;
                }
            }
        }
        return false;
    }
}
