package archlab.knowledge.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * A small bounded pool of connections. Why a pool and not a connection per call: a PostgreSQL
 * connection costs a server process and a TLS/auth round trip, and an H2 AUTO_SERVER client a TCP
 * handshake; and with H2 embedded, keeping one connection open keeps the database open, instead of
 * reopening (and re-recovering) the file for every call. Why not a pooling library: the store needs
 * only borrow/return/validate, which fits in this class.
 *
 * <p>At most {@code size} connections are out at once; a borrower waits for one. An idle connection
 * is checked before it is lent ({@link Connection#isValid}); one that broke (its AUTO_SERVER host
 * exited, PostgreSQL restarted) is dropped and a new one opened.
 */
final class ConnectionPool implements AutoCloseable {
    private static final long BORROW_TIMEOUT_S = 120;

    private final DataSource dataSource;
    private final Dialect dialect;
    private final Semaphore permits;
    private final Deque<Connection> idle = new ArrayDeque<>();
    private volatile boolean closed;

    /** A pool of at most {@code size} connections; {@code initial}, already configured, is its first idle one. */
    ConnectionPool(DataSource dataSource, Dialect dialect, int size, Connection initial) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.permits = new Semaphore(size, true);
        if (initial != null) {
            idle.add(initial);
        }
    }

    Connection borrow() throws SQLException {
        if (closed) {
            throw new SQLException("the store is closed", "08003");
        }
        try {
            if (!permits.tryAcquire(BORROW_TIMEOUT_S, TimeUnit.SECONDS)) {
                throw new SQLException("no free store connection after " + BORROW_TIMEOUT_S + " s", "08001");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for a store connection", "08001", e);
        }
        try {
            while (true) {
                Connection c;
                synchronized (idle) {
                    c = idle.pollFirst();
                }
                if (c == null) {
                    return open();
                }
                if (isUsable(c)) {
                    return c;
                }
                closeQuietly(c);
            }
        } catch (SQLException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    /** Gives a connection back; {@code broken} (or a closed pool) closes it instead of keeping it. */
    void release(Connection c, boolean broken) {
        try {
            if (broken || closed || c.isClosed()) {
                closeQuietly(c);
                return;
            }
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
            synchronized (idle) {
                idle.addFirst(c);
            }
        } catch (SQLException e) {
            closeQuietly(c);
        } finally {
            permits.release();
        }
        if (closed) {
            drain();
        }
    }

    private Connection open() throws SQLException {
        Connection c = dataSource.getConnection();
        try {
            dialect.configure(c);
            c.setAutoCommit(true);
            return c;
        } catch (SQLException e) {
            closeQuietly(c);
            throw e;
        }
    }

    private static boolean isUsable(Connection c) {
        try {
            return !c.isClosed() && c.isValid(5);
        } catch (SQLException e) {
            return false;
        }
    }

    static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException ignored) {
            // already broken
        }
    }

    private void drain() {
        while (true) {
            Connection c;
            synchronized (idle) {
                c = idle.pollFirst();
            }
            if (c == null) {
                return;
            }
            closeQuietly(c);
        }
    }

    @Override
    public void close() {
        closed = true;
        drain();
    }
}
