package archlab.knowledge.store;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Takes turns opening connections to one H2 file, across processes. H2's AUTO_SERVER opens a
 * connection by first trying to lock the file itself; processes that try at the same moment trip
 * over each other's lock-file writes ("Lock file recently modified", "Concurrent update") and each
 * retry costs seconds. Holding an OS file lock ({@code NAME.open.lock} beside the database) while a
 * connection opens makes them queue instead: the first opens and serves the file, the others
 * find its server. Only new physical connections take the lock; statements never do. Every
 * connection of an H2 file store opens through it ({@link #around}, used by {@link Dialect#dataSource}),
 * Flyway's included.
 */
final class OpenLock {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();
    private static final long WAIT_MS = 60_000;

    private final Path file;

    private OpenLock(Path file) {
        this.file = file;
    }

    /** The lock for an H2 file URL ({@code jdbc:h2:file:PATH;...}); a no-op for anything else. */
    static OpenLock forUrl(String url) {
        String prefix = "jdbc:h2:file:";
        if (!url.toLowerCase(Locale.ROOT).startsWith(prefix)) {
            return new OpenLock(null);
        }
        String path = url.substring(prefix.length());
        int semicolon = path.indexOf(';');
        if (semicolon >= 0) {
            path = path.substring(0, semicolon);
        }
        if (path.startsWith("~")) {
            path = System.getProperty("user.home") + path.substring(1);
        }
        return new OpenLock(Path.of(path + ".open.lock").toAbsolutePath().normalize());
    }

    /** Opens a connection. */
    interface Opener {
        Connection open() throws SQLException;
    }

    /** Opens a connection, holding the lock (waiting up to a minute for it, then going ahead without). */
    Connection open(Opener opener) throws SQLException {
        if (file == null) {
            return opener.open();
        }
        ReentrantLock inProcess = IN_PROCESS.computeIfAbsent(file, k -> new ReentrantLock());
        boolean held = false;
        try {
            held = inProcess.tryLock(WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            return openHoldingFileLock(opener);
        } finally {
            if (held) {
                inProcess.unlock();
            }
        }
    }

    private Connection openHoldingFileLock(Opener opener) throws SQLException {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException | UnsupportedOperationException e) {
            return opener.open(); // a read-only folder: open as H2 would without us
        }
        try (channel) {
            FileLock lock = null;
            long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
            while (lock == null && System.nanoTime() < deadline) {
                try {
                    lock = channel.tryLock();
                } catch (IOException e) {
                    break; // no locking on this file system: go ahead without
                }
                if (lock == null) {
                    sleep();
                }
            }
            try {
                return opener.open();
            } finally {
                if (lock != null) {
                    try {
                        lock.release();
                    } catch (IOException ignored) {
                        // closing the channel releases it too
                    }
                }
            }
        } catch (IOException e) {
            throw new SQLException("cannot close " + file + ": " + e.getMessage(), "08000", e);
        }
    }

    /** {@code dataSource}, with every connection opened through this lock. */
    DataSource around(DataSource dataSource) {
        if (file == null) {
            return dataSource;
        }
        return new DataSource() {
            @Override
            public Connection getConnection() throws SQLException {
                return open(dataSource::getConnection);
            }

            @Override
            public Connection getConnection(String user, String password) throws SQLException {
                return open(() -> dataSource.getConnection(user, password));
            }

            @Override
            public PrintWriter getLogWriter() throws SQLException {
                return dataSource.getLogWriter();
            }

            @Override
            public void setLogWriter(PrintWriter out) throws SQLException {
                dataSource.setLogWriter(out);
            }

            @Override
            public void setLoginTimeout(int seconds) throws SQLException {
                dataSource.setLoginTimeout(seconds);
            }

            @Override
            public int getLoginTimeout() throws SQLException {
                return dataSource.getLoginTimeout();
            }

            @Override
            public Logger getParentLogger() throws SQLFeatureNotSupportedException {
                return dataSource.getParentLogger();
            }

            @Override
            public <T> T unwrap(Class<T> type) throws SQLException {
                return dataSource.unwrap(type);
            }

            @Override
            public boolean isWrapperFor(Class<?> type) throws SQLException {
                return dataSource.isWrapperFor(type);
            }
        };
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
