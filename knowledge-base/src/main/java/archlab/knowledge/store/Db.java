package archlab.knowledge.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How repositories reach the database: through the pool (each call its own short autocommit unit
 * or transaction, retried on transient errors), or bound to one connection inside
 * {@link Store#inTransaction}, where the caller's transaction decides.
 */
final class Db {
    /** One unit of work on a connection. */
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    static final int ATTEMPTS = 6;

    final Dialect dialect;
    private final ConnectionPool pool;
    private final Connection bound;

    private Db(Dialect dialect, ConnectionPool pool, Connection bound) {
        this.dialect = dialect;
        this.pool = pool;
        this.bound = bound;
    }

    static Db pooled(Dialect dialect, ConnectionPool pool) {
        return new Db(dialect, pool, null);
    }

    Db bind(Connection c) {
        return new Db(dialect, pool, c);
    }

    boolean inTransaction() {
        return bound != null;
    }

    /** One statement (or several reads): on the transaction's connection, or a pooled one in autocommit. */
    <T> T run(Work<T> work) {
        if (bound != null) {
            try {
                return work.run(bound);
            } catch (SQLException e) {
                throw wrap(e);
            }
        }
        return retrying(() -> {
            Connection c = pool.borrow();
            boolean broken = false;
            try {
                return work.run(c);
            } catch (SQLException e) {
                broken = isConnectionError(e);
                throw e;
            } finally {
                pool.release(c, broken);
            }
        });
    }

    /** Several statements that must land together: joins the caller's transaction or opens one. */
    <T> T atomically(Work<T> work) {
        if (bound != null) {
            return run(work);
        }
        return retrying(() -> {
            Connection c = pool.borrow();
            boolean broken = false;
            try {
                c.setAutoCommit(false);
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                broken = isConnectionError(e);
                rollbackQuietly(c);
                throw e;
            } finally {
                pool.release(c, broken);
            }
        });
    }

    interface Attempt<T> {
        T run() throws SQLException;
    }

    /** Runs {@code attempt}, again after a short, growing, jittered pause when it failed transiently. */
    static <T> T retrying(Attempt<T> attempt) {
        for (int i = 1; ; i++) {
            try {
                return attempt.run();
            } catch (SQLException | RuntimeException e) {
                if (i >= ATTEMPTS || !Dialect.isTransient(e)) {
                    throw e instanceof SQLException s ? wrap(s) : (RuntimeException) e;
                }
                pause(i);
            }
        }
    }

    static void pause(int attempt) {
        long base = 25L << Math.min(attempt, 6);
        try {
            Thread.sleep(base + ThreadLocalRandom.current().nextLong(base));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while retrying a store operation");
        }
    }

    static boolean isConnectionError(Throwable t) {
        for (Throwable e = t; e != null; e = e.getCause()) {
            if (e instanceof SQLException s && s.getSQLState() != null) {
                String state = s.getSQLState();
                if (state.startsWith("08") || state.equals("90067") || state.equals("90098")
                        || state.equals("90121") || state.equals("57P01")) {
                    return true;
                }
            }
        }
        return false;
    }

    static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException | RuntimeException ignored) {
            // the connection is broken; the pool drops it
        }
    }

    static StoreException wrap(SQLException e) {
        return new StoreException(e.getMessage(), e);
    }

    /** Sets a statement's parameters. */
    interface Binder {
        void bind(PreparedStatement p) throws SQLException;
    }

    /** Reads one row. */
    interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    static <T> List<T> query(Connection c, String sql, Binder binder, Row<T> row) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            binder.bind(p);
            try (ResultSet rs = p.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(row.read(rs));
                }
                return out;
            }
        }
    }

    static <T> Optional<T> first(List<T> list) {
        return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
    }

    /** Runs an INSERT into a table with an identity column {@code id} and returns the id it got. */
    static long insertReturningId(Connection c, String sql, Binder binder) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql, new String[] {"id"})) {
            binder.bind(p);
            p.executeUpdate();
            try (ResultSet keys = p.getGeneratedKeys()) {
                if (!keys.next()) {
                    throw new SQLException("the database returned no generated id");
                }
                return keys.getLong(1);
            }
        }
    }

    // ---- binding and reading nullable values, the same way on H2 and PostgreSQL ----

    /** Now, to the microsecond: what both databases keep, so that a record read back equals the one written. */
    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    static void setString(PreparedStatement p, int i, String v) throws SQLException {
        if (v == null) {
            p.setNull(i, Types.VARCHAR);
        } else {
            p.setString(i, v);
        }
    }

    static void setLong(PreparedStatement p, int i, Long v) throws SQLException {
        if (v == null) {
            p.setNull(i, Types.BIGINT);
        } else {
            p.setLong(i, v);
        }
    }

    static void setInt(PreparedStatement p, int i, Integer v) throws SQLException {
        if (v == null) {
            p.setNull(i, Types.INTEGER);
        } else {
            p.setInt(i, v);
        }
    }

    static void setDouble(PreparedStatement p, int i, Double v) throws SQLException {
        if (v == null || v.isNaN() || v.isInfinite()) {
            // NaN and infinities are kept out of the store: fitness and metrics are compared and sorted
            p.setNull(i, Types.DOUBLE);
        } else {
            p.setDouble(i, v);
        }
    }

    static void setInstant(PreparedStatement p, int i, Instant v) throws SQLException {
        if (v == null) {
            p.setNull(i, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            p.setObject(i, OffsetDateTime.ofInstant(v, ZoneOffset.UTC));
        }
    }

    static Long getLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    static Integer getInt(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    static Double getDouble(ResultSet rs, String column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? null : v;
    }

    static Instant getInstant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        if (t != null) {
            return t.toInstant();
        }
        Timestamp ts = rs.getTimestamp(column);
        return ts == null ? null : ts.toInstant();
    }
}
