package archlab.knowledge.store;

import java.util.Locale;

/** A user's steering message: waiting, applied (it changed the campaign), or rejected (it could not). */
public enum DirectiveStatus {
    PENDING, APPLIED, REJECTED;

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DirectiveStatus fromDb(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
