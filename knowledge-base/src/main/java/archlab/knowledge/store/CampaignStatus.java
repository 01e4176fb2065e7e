package archlab.knowledge.store;

import java.util.Locale;

/** Where a campaign stands. Stored in lower case. */
public enum CampaignStatus {
    CREATED, RUNNING, PAUSED, STOPPED, DONE, FAILED,
    /** Loaded by {@code archlab import}: browsable, nothing runs it. */
    IMPORTED;

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static CampaignStatus fromDb(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
