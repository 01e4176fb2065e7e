package archlab.agent.slurm;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The real cluster and database the Slurm tests need: {@code sbatch} answering with an idle node
 * (scripts/start-slurm.sh starts one) and {@code ARCHLAB_TEST_PG_URL} naming a PostgreSQL server
 * (scripts/start-postgres.sh). Without either the tests are skipped with a message that says which;
 * with {@code ARCHLAB_REQUIRE_SLURM=1} (CI, after it started both) they fail instead.
 */
public final class SlurmTestCluster implements AutoCloseable {
    private final String baseUrl;
    private final String schema;

    private SlurmTestCluster(String baseUrl, String schema) {
        this.baseUrl = baseUrl;
        this.schema = schema;
    }

    /** Checks the cluster and makes a fresh PostgreSQL schema for the calling test. */
    public static SlurmTestCluster require() {
        if (!new SlurmCli().available()) {
            skip("sbatch cannot be run (start a one-node cluster with sudo scripts/start-slurm.sh)");
        }
        String nodes = run("sinfo", "--noheader", "-o", "%T");
        if (!nodes.matches("(?s).*\\b(idle|mixed|allocated)\\b.*")) {
            skip("no usable Slurm node (sinfo says: " + nodes.strip() + "); run scripts/start-slurm.sh");
        }
        String url = System.getenv("ARCHLAB_TEST_PG_URL");
        if (url == null || url.isBlank()) {
            skip("set ARCHLAB_TEST_PG_URL to a PostgreSQL JDBC URL (scripts/start-postgres.sh starts one and prints it)");
        }
        String schema = "archlab_slurm_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36)
                .toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            skip("cannot use ARCHLAB_TEST_PG_URL: " + e.getMessage());
        }
        return new SlurmTestCluster(url, schema);
    }

    /** The store URL of this test's own schema, as the jobs open it too. */
    public String storeUrl() {
        return baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    /** Runs a command and returns its stdout (for squeue and scancel in tests). */
    public static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static void skip(String why) {
        if ("1".equals(System.getenv("ARCHLAB_REQUIRE_SLURM"))) {
            throw new IllegalStateException("ARCHLAB_REQUIRE_SLURM=1 but " + why);
        }
        System.err.println("SKIPPED Slurm tests: " + why);
        Assumptions.abort("Slurm tests skipped: " + why);
    }

    @Override
    public void close() {
        try (Connection c = DriverManager.getConnection(baseUrl); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            System.err.println("could not drop test schema " + schema + ": " + e.getMessage());
        }
    }
}
