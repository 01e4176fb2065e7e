package archlab.agent.browser;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.ExperimentSummary;
import archlab.knowledge.store.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One campaign the browser shows: the store it lives in, and an in-memory snapshot of its
 * experiments ({@link ExperimentIndex}) that {@link #refresh} keeps current while the campaign runs.
 *
 * @param slug the campaign's id in the browser's URLs (its store id; suffixed when two stores clash)
 */
public final class BrowsedCampaign {
    private final String slug;
    private final Store store;
    private final String campaignId;
    private volatile Campaign campaign;
    private volatile ExperimentIndex index = ExperimentIndex.empty();

    BrowsedCampaign(String slug, Store store, Campaign campaign) {
        this.slug = Objects.requireNonNull(slug);
        this.store = Objects.requireNonNull(store);
        this.campaignId = campaign.id();
        this.campaign = campaign;
    }

    public String slug() {
        return slug;
    }

    public Store store() {
        return store;
    }

    public String campaignId() {
        return campaignId;
    }

    /** The campaign row as last read (status, spend). */
    public Campaign campaign() {
        return campaign;
    }

    public ExperimentIndex index() {
        return index;
    }

    private record Memo(long version, Instant campaignUpdated, Object value) {
    }

    private final Map<String, Memo> memos = new ConcurrentHashMap<>();

    /**
     * A value derived from the campaign (the overview, the search statistics), computed once per
     * snapshot of its experiments and version of its campaign row, then reused by every view.
     */
    @SuppressWarnings("unchecked")
    <T> T memo(String key, Supplier<T> compute) {
        long version = index.version();
        Instant updated = campaign.updatedAt();
        Memo m = memos.get(key);
        if (m != null && m.version() == version && Objects.equals(m.campaignUpdated(), updated)) {
            return (T) m.value();
        }
        T value = compute.get();
        memos.put(key, new Memo(version, updated, value));
        return value;
    }

    /** Reads every experiment (the first time) or those changed since the last look. */
    synchronized void load() {
        List<ExperimentSummary> all = store.experiments().summaries(campaignId, null);
        List<ExperimentRow> rows = new ArrayList<>(all.size());
        Instant last = null;
        for (ExperimentSummary s : all) {
            rows.add(ExperimentRow.of(s));
            if (s.updatedAt() != null && (last == null || s.updatedAt().isAfter(last))) {
                last = s.updatedAt();
            }
        }
        index = ExperimentIndex.of(rows, last, 1);
    }

    /**
     * Looks for experiments changed since the snapshot (one indexed {@code MAX(updated_at)} when
     * nothing changed) and replaces the snapshot when some did. Returns the changed rows, empty when
     * none; the campaign row is re-read too, for status and spend.
     */
    synchronized List<ExperimentRow> refresh() {
        store.campaigns().find(campaignId).ifPresent(c -> campaign = c);
        ExperimentIndex current = index;
        Instant last = store.experiments().lastChange(campaignId);
        if (last == null || (current.lastChange() != null && !last.isAfter(current.lastChange()))) {
            return List.of();
        }
        // ">=" the newest time seen: a row written in the same microsecond as the last one seen is
        // not missed; rows already known and unchanged are dropped here.
        List<ExperimentRow> changed = new ArrayList<>();
        for (ExperimentSummary s : store.experiments().summaries(campaignId, current.lastChange())) {
            ExperimentRow r = ExperimentRow.of(s);
            ExperimentRow old = current.find(r.id());
            if (old == null || !Objects.equals(old.updatedAt(), r.updatedAt()) || !old.equals(r)) {
                changed.add(r);
            }
        }
        if (!changed.isEmpty()) {
            index = current.with(changed, last);
        }
        return changed;
    }
}
