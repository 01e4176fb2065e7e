package archlab.knowledge.store;

import java.util.Locale;

/**
 * A user's steering message: waiting, applied (it changed the campaign), rejected (it could not), or
 * revoked (applied, then withdrawn by a later directive; no longer in force).
 */
public enum DirectiveStatus {
    PENDING, APPLIED, REJECTED, REVOKED;

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DirectiveStatus fromDb(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
