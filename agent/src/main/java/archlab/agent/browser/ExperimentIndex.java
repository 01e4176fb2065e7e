package archlab.agent.browser;

import archlab.knowledge.store.ExperimentHandles;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One campaign's experiments in memory, as of one moment: an immutable snapshot, replaced whole when
 * the store changes ({@link BrowsedCampaign#refresh}). Readers never lock, and a page is rendered
 * from one consistent snapshot.
 *
 * <p>Why in memory: the table is sortable by any column and filterable by op and by words of the
 * hypothesis. With 100,000 experiments, a SQL query per page would need an index per sort column
 * and a full scan for every text search; a scan of rows already in memory takes a few milliseconds,
 * and the orders by column are computed once per snapshot ({@link #sorted}).
 */
public final class ExperimentIndex {
    private final List<ExperimentRow> rows;
    private final Map<String, ExperimentRow> byId;
    private final Map<String, List<ExperimentRow>> children;
    private final List<ExperimentRow> roots;
    private final Instant lastChange;
    private final long version;
    private final Map<String, List<ExperimentRow>> sortedCache = new ConcurrentHashMap<>();
    private volatile Map<String, Double> subtreeBest;
    private volatile Map<String, Integer> subtreeSize;
    private volatile Set<String> stages;
    private volatile double[] fitnessRange;
    private volatile Set<String> calls;
    private volatile Map<Set<String>, List<ExperimentRow>> byCalls;

    private ExperimentIndex(List<ExperimentRow> rows, Instant lastChange, long version) {
        this.rows = List.copyOf(rows);
        this.lastChange = lastChange;
        this.version = version;
        Map<String, ExperimentRow> ids = new HashMap<>(rows.size() * 2);
        for (ExperimentRow r : rows) {
            ids.put(r.id(), r);
        }
        this.byId = Collections.unmodifiableMap(ids);
        Map<String, List<ExperimentRow>> kids = new HashMap<>();
        List<ExperimentRow> top = new ArrayList<>();
        for (ExperimentRow r : this.rows) {
            // A parent that is not in the campaign (an imported file may name one it lacks) makes a root.
            if (r.parentId() == null || !ids.containsKey(r.parentId()) || r.parentId().equals(r.id())) {
                top.add(r);
            } else {
                kids.computeIfAbsent(r.parentId(), k -> new ArrayList<>()).add(r);
            }
        }
        this.children = kids;
        this.roots = List.copyOf(top);
    }

    static ExperimentIndex empty() {
        return new ExperimentIndex(List.of(), null, 0);
    }

    static ExperimentIndex of(Collection<ExperimentRow> rows, Instant lastChange, long version) {
        List<ExperimentRow> list = new ArrayList<>(rows);
        list.sort(Comparator.comparing(ExperimentRow::createdAt, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(ExperimentRow::id));
        return new ExperimentIndex(list, lastChange, version);
    }

    /** This snapshot with {@code changed} rows replacing (or joining) the ones with their ids. */
    ExperimentIndex with(Collection<ExperimentRow> changed, Instant newLastChange) {
        Map<String, ExperimentRow> merged = new LinkedHashMap<>(byId);
        for (ExperimentRow r : changed) {
            merged.put(r.id(), r);
        }
        return of(merged.values(), newLastChange, version + 1);
    }

    /** Oldest first. */
    public List<ExperimentRow> rows() {
        return rows;
    }

    public ExperimentRow find(String id) {
        return id == null ? null : byId.get(id);
    }

    /** The experiment a person names by id, full name or short name ({@code e7}); null when none. */
    public ExperimentRow resolve(String handle) {
        ExperimentRow exact = find(handle);
        return exact != null ? exact
                : ExperimentHandles.resolve(handle, rows, ExperimentRow::id, ExperimentRow::name).orElse(null);
    }

    /** The 404 message for a handle that names nothing, saying what would. */
    public String notFound(String handle, String campaign) {
        return ExperimentHandles.notFound(handle, campaign, rows, ExperimentRow::name);
    }

    public List<ExperimentRow> children(String id) {
        return children.getOrDefault(id, List.of());
    }

    public List<ExperimentRow> roots() {
        return roots;
    }

    public int size() {
        return rows.size();
    }

    public Instant lastChange() {
        return lastChange;
    }

    /** Grows by one with every change seen; pages and events quote it. */
    public long version() {
        return version;
    }

    /** The lowest and highest fitness of ranked experiments, {0, 1} when none (computed once per snapshot). */
    public double[] fitnessRange() {
        double[] r = fitnessRange;
        if (r == null) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (ExperimentRow row : rows) {
                if (row.ranked()) {
                    lo = Math.min(lo, row.fitness());
                    hi = Math.max(hi, row.fitness());
                }
            }
            fitnessRange = r = lo > hi ? new double[] {0, 1} : new double[] {lo, hi};
        }
        return r.clone();
    }

    /** The stages that occur, sorted (computed once per snapshot). */
    public Set<String> stages() {
        Set<String> s = stages;
        if (s == null) {
            Set<String> t = new TreeSet<>();
            rows.forEach(r -> {
                if (r.stage() != null) {
                    t.add(r.stage());
                }
            });
            stages = s = Collections.unmodifiableSet(t);
        }
        return s;
    }

    /** Every block or op some definition calls, sorted (computed once per snapshot). */
    public Set<String> calls() {
        Set<String> s = calls;
        if (s == null) {
            Set<String> t = new TreeSet<>();
            rows.forEach(r -> t.addAll(r.calls()));
            calls = s = Collections.unmodifiableSet(t);
        }
        return s;
    }

    /**
     * The rows grouped by the exact set of blocks and ops their definitions call, each group sorted
     * by parameter count (computed once per snapshot). Campaigns repeat a few hundred such sets at
     * most, so "similar experiments" compares sets, not rows.
     */
    Map<Set<String>, List<ExperimentRow>> byCalls() {
        Map<Set<String>, List<ExperimentRow>> m = byCalls;
        if (m == null) {
            Map<Set<String>, List<ExperimentRow>> t = new HashMap<>();
            for (ExperimentRow r : rows) {
                if (!r.calls().isEmpty()) {
                    t.computeIfAbsent(r.calls(), k -> new ArrayList<>()).add(r);
                }
            }
            t.values().forEach(l -> l.sort(Comparator.comparingLong(ExperimentRow::paramsOrZero)
                    .thenComparing(ExperimentRow::id)));
            byCalls = m = Collections.unmodifiableMap(t);
        }
        return m;
    }

    /** The rows in the order of a table column, computed once per snapshot and column. */
    List<ExperimentRow> sorted(TableQuery.Column column, boolean descending) {
        return sortedCache.computeIfAbsent(column.name() + (descending ? "-" : "+"), k -> {
            List<ExperimentRow> list = new ArrayList<>(rows);
            Comparator<ExperimentRow> c = column.comparator();
            list.sort(descending ? column.descending() : c);
            return List.copyOf(list);
        });
    }

    /** The best fitness in each experiment's subtree (itself included); absent where none is ranked. */
    public Map<String, Double> subtreeBest() {
        if (subtreeBest == null) {
            computeSubtrees();
        }
        return subtreeBest;
    }

    /** How many experiments each subtree holds, itself included. */
    public Map<String, Integer> subtreeSize() {
        if (subtreeSize == null) {
            computeSubtrees();
        }
        return subtreeSize;
    }

    private synchronized void computeSubtrees() {
        if (subtreeSize != null) {
            return;
        }
        Map<String, Double> best = new HashMap<>(rows.size() * 2);
        Map<String, Integer> size = new HashMap<>(rows.size() * 2);
        // Post-order without recursion: a campaign's lineage can be thousands deep.
        for (ExperimentRow root : roots) {
            List<ExperimentRow> stack = new ArrayList<>();
            List<ExperimentRow> order = new ArrayList<>();
            stack.add(root);
            while (!stack.isEmpty()) {
                ExperimentRow r = stack.remove(stack.size() - 1);
                if (size.containsKey(r.id())) {
                    continue;
                }
                size.put(r.id(), 0);
                order.add(r);
                stack.addAll(children(r.id()));
            }
            for (int i = order.size() - 1; i >= 0; i--) {
                ExperimentRow r = order.get(i);
                int n = 1;
                Double b = r.ranked() ? r.fitness() : null;
                for (ExperimentRow k : children(r.id())) {
                    n += size.getOrDefault(k.id(), 0);
                    Double kb = best.get(k.id());
                    if (kb != null && (b == null || kb > b)) {
                        b = kb;
                    }
                }
                size.put(r.id(), n);
                if (b != null) {
                    best.put(r.id(), b);
                }
            }
        }
        subtreeBest = best;
        subtreeSize = size;
    }
}
