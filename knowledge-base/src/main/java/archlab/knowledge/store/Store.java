package archlab.knowledge.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The memory store: every campaign, experiment, evaluation, LLM call, directive, insight, mined
 * subroutine and paper note, in one database. H2 embedded in the run folder by default
 * ({@link #openRunFolder}), PostgreSQL when several machines share a campaign ({@link #open} with a
 * {@code jdbc:postgresql:} URL). Opening runs the Flyway migrations under {@code db/migration}.
 *
 * <pre>{@code
 * try (Store store = Store.openRunFolder(Path.of("runs/c1"))) {
 *     Campaign c = store.campaigns().insert(Campaign.create("c1", "demo", "offline"));
 *     store.inTransaction(tx -> {
 *         tx.experiments().insert(...);
 *         tx.evaluations().upsert(...);
 *         return null;
 *     });
 * }
 * }</pre>
 *
 * <p>Thread-safe: repositories may be used from several threads at once. Every repository call is
 * atomic by itself; {@link #inTransaction} groups several. See docs/store.md.
 */
public final class Store implements AutoCloseable {
    /** The base name of the H2 database in a run folder; the file itself is {@code archlab.mv.db}. */
    public static final String RUN_DB_NAME = "archlab";
    /** At most this many connections per store (per process). */
    static final int POOL_SIZE = 8;

    static {
        // AUTO_SERVER serves the file over TCP to the other processes of this machine; H2 listens on
        // every interface unless told otherwise. Keep it to loopback (set -Dh2.bindAddress to change).
        // Must happen before H2's classes read their settings, which is why it is here.
        if (System.getProperty("h2.bindAddress") == null) {
            System.setProperty("h2.bindAddress", "127.0.0.1");
        }
    }

    private final String url;
    private final Dialect dialect;
    private final ConnectionPool pool;
    private final Db db;
    private final boolean owner;

    private final Campaigns campaigns;
    private final Experiments experiments;
    private final Evaluations evaluations;
    private final LlmCalls llmCalls;
    private final Directives directives;
    private final Insights insights;
    private final Notes notes;
    private final Subroutines subroutines;
    private final PaperNoteRows paperNotes;
    private final SearchStats searchStats;
    private final RemoteEvaluations remoteEvaluations;

    private Store(String url, Dialect dialect, ConnectionPool pool, Db db, boolean owner) {
        this.url = url;
        this.dialect = dialect;
        this.pool = pool;
        this.db = db;
        this.owner = owner;
        this.campaigns = new Campaigns(db);
        this.experiments = new Experiments(db);
        this.evaluations = new Evaluations(db);
        this.llmCalls = new LlmCalls(db);
        this.directives = new Directives(db);
        this.insights = new Insights(db);
        this.notes = new Notes(db);
        this.subroutines = new Subroutines(db);
        this.paperNotes = new PaperNoteRows(db);
        this.searchStats = new SearchStats(db);
        this.remoteEvaluations = new RemoteEvaluations(db);
    }

    /**
     * Opens the store at a JDBC URL ({@code jdbc:h2:...} or {@code jdbc:postgresql://...}, with
     * {@code ?user=..&password=..} for PostgreSQL) and brings its schema up to date. An H2 URL gets
     * {@code MODE=PostgreSQL} and a lock timeout unless it sets them itself.
     */
    public static Store open(String jdbcUrl) {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Dialect dialect = Dialect.of(jdbcUrl);
        String url = dialect.normalise(jdbcUrl);
        DataSource dataSource = dialect.dataSource(url);
        // The first connection decides whether this process serves an AUTO_SERVER file or is a
        // client of the process that does; it stays open (and joins the pool) so migrations and
        // every later call find the database open.
        Connection first = connectPatiently(dialect, dataSource);
        try {
            migrate(dataSource);
        } catch (RuntimeException e) {
            ConnectionPool.closeQuietly(first);
            throw e;
        }
        ConnectionPool pool = new ConnectionPool(dataSource, dialect, POOL_SIZE, first);
        return new Store(url, dialect, pool, Db.pooled(dialect, pool), true);
    }

    /** How long opening waits out transient refusals (another process opening the same file, a server starting). */
    static final long OPEN_PATIENCE_MS = 60_000;

    /**
     * The first connection, retried for up to {@link #OPEN_PATIENCE_MS}: processes that open one
     * H2 file at the same moment race for its lock file ("Lock file recently modified", "Database
     * may be already in use") until one of them serves it; a PostgreSQL server may still be starting.
     */
    private static Connection connectPatiently(Dialect dialect, DataSource dataSource) {
        long deadline = System.nanoTime() + OPEN_PATIENCE_MS * 1_000_000;
        for (int attempt = 1; ; attempt++) {
            try {
                Connection c = dataSource.getConnection();
                try {
                    dialect.configure(c);
                    return c;
                } catch (SQLException e) {
                    ConnectionPool.closeQuietly(c);
                    throw e;
                }
            } catch (SQLException e) {
                if (!Dialect.isTransient(e) || System.nanoTime() > deadline) {
                    throw new StoreException("cannot open the store: " + e.getMessage(), e);
                }
                Db.pause(Math.min(attempt, 5));
            }
        }
    }

    /**
     * Opens (creating when needed) the H2 store of a run folder: {@code RUN/archlab.mv.db}, in
     * AUTO_SERVER mode, so the campaign, a console and a browser can all open it at once: the first
     * process opens the file and serves it over a local TCP port; the others connect to it, and
     * take over when it exits.
     */
    public static Store openRunFolder(Path runDir) {
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the run folder " + runDir, e);
        }
        return open(runFolderUrl(runDir));
    }

    /** The JDBC URL of a run folder's H2 store. */
    public static String runFolderUrl(Path runDir) {
        Path base = runDir.toAbsolutePath().normalize().resolve(RUN_DB_NAME);
        return "jdbc:h2:file:" + base + ";AUTO_SERVER=TRUE;FILE_LOCK=SOCKET";
    }

    /** Whether a run folder already holds a store (its {@code archlab.mv.db}). */
    public static boolean existsInRunFolder(Path runDir) {
        return Files.isRegularFile(runDir.resolve(RUN_DB_NAME + ".mv.db"));
    }

    /**
     * Flyway logs every migration check at INFO; commands print their own output, so it speaks only
     * for warnings: through java.util.logging here (held, so the level is not collected with the
     * logger), through slf4j-simple at warn where that is on the class path (the archlab launcher).
     */
    private static final java.util.logging.Logger FLYWAY_LOG = java.util.logging.Logger.getLogger("org.flywaydb");

    private static void migrate(DataSource dataSource) {
        FLYWAY_LOG.setLevel(java.util.logging.Level.WARNING);
        Flyway flyway = Flyway.configure(Store.class.getClassLoader())
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .failOnMissingLocations(true)
                .load();
        // Two processes opening a new store at the same moment: Flyway serialises them with a lock;
        // should the loser still trip over the winner's half-created history table, it tries again.
        for (int attempt = 1; ; attempt++) {
            try {
                flyway.migrate();
                return;
            } catch (FlywayException e) {
                if (attempt >= 5) {
                    throw new StoreException("cannot bring the store's schema up to date: " + e.getMessage(), e);
                }
                Db.pause(attempt + 2);
            }
        }
    }

    /** Work that runs inside one transaction. */
    @FunctionalInterface
    public interface TransactionWork<T> {
        T run(Store tx);
    }

    /**
     * Runs {@code work} in one transaction and returns its result: every write it makes through
     * {@code tx}'s repositories commits together, or none does (an exception rolls back and is
     * rethrown). A transaction that fails transiently (a lock wait that timed out, a deadlock, the
     * AUTO_SERVER host exiting) is retried a few times, so {@code work} may run more than once: keep
     * side effects outside the store out of it. Nested calls join the outer transaction.
     */
    public <T> T inTransaction(TransactionWork<T> work) {
        if (db.inTransaction()) {
            return work.run(this);
        }
        return Db.retrying(() -> {
            Connection c = pool.borrow();
            boolean broken = false;
            try {
                c.setAutoCommit(false);
                T result = work.run(new Store(url, dialect, pool, db.bind(c), false));
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                broken = Db.isConnectionError(e);
                Db.rollbackQuietly(c);
                throw e;
            } finally {
                pool.release(c, broken);
            }
        });
    }

    public Campaigns campaigns() {
        return campaigns;
    }

    public Experiments experiments() {
        return experiments;
    }

    public Evaluations evaluations() {
        return evaluations;
    }

    public LlmCalls llmCalls() {
        return llmCalls;
    }

    public Directives directives() {
        return directives;
    }

    public Insights insights() {
        return insights;
    }

    /** Notes and tags people put on experiments. */
    public Notes notes() {
        return notes;
    }

    public Subroutines subroutines() {
        return subroutines;
    }

    public PaperNoteRows paperNotes() {
        return paperNotes;
    }

    /** The search's tree, bandit, screening and value-model statistics (docs/search.md). */
    public SearchStats searchStats() {
        return searchStats;
    }

    /** Evaluations run as cluster jobs and the jobs submitted for them (docs/scale-out.md). */
    public RemoteEvaluations remoteEvaluations() {
        return remoteEvaluations;
    }

    /** The JDBC URL this store was opened with (after the H2 defaults were added). */
    public String url() {
        return url;
    }

    /** {@code "h2"} or {@code "postgresql"}. */
    public String databaseKind() {
        return dialect.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Closes the pool's connections. A transaction's view ({@code tx}) closes nothing. */
    @Override
    public void close() {
        if (owner) {
            pool.close();
        }
    }
}
