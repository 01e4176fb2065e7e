package archlab.knowledge.store;

import java.sql.SQLException;

/**
 * A store operation failed. Wraps the driver's {@link SQLException}; {@link #sqlState()} keeps its
 * SQL state so that callers can tell, for example, a unique violation ({@code 23505}) from a bug.
 */
public class StoreException extends RuntimeException {
    private final String sqlState;

    public StoreException(String message) {
        super(message);
        this.sqlState = null;
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
        this.sqlState = cause instanceof SQLException s ? s.getSQLState() : null;
    }

    /** The SQL state of the underlying error, or null. */
    public String sqlState() {
        return sqlState;
    }

    /** A unique or primary-key constraint refused the write (same SQL state on H2 and PostgreSQL). */
    public boolean isUniqueViolation() {
        return "23505".equals(sqlState);
    }
}
