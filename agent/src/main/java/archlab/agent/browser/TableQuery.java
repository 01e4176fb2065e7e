package archlab.agent.browser;

import archlab.knowledge.store.ExperimentStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One request for the experiments table: filters, order and page, validated. Built from query
 * parameters ({@link #parse}); every bad value is a {@link BadRequest} that names the parameter.
 * The same parameters drive the page ({@code /c/ID/experiments}) and the API ({@code /api/c/ID/experiments}).
 */
public record TableQuery(Set<ExperimentStatus> statuses, String stage, String call, Double minFitness,
                         Double maxFitness, String text, Column sort, boolean descending, int page, int size) {
    public static final int DEFAULT_SIZE = 50;
    public static final int MAX_SIZE = 500;
    private static final int MAX_TEXT = 200;

    /** The columns the table sorts by. */
    public enum Column {
        CREATED(Comparator.comparing(ExperimentRow::createdAt, Comparator.nullsLast(Comparator.naturalOrder()))),
        FITNESS(nullsLast(ExperimentRow::fitness)),
        PARAMS(nullsLast(ExperimentRow::params)),
        FLOPS(nullsLast(ExperimentRow::flopsPerToken)),
        NAME(nullsLast(r -> r.label().toLowerCase(Locale.ROOT))),
        STATUS(Comparator.comparing(ExperimentRow::status)),
        STAGE(nullsLast(ExperimentRow::stage)),
        UPDATED(Comparator.comparing(ExperimentRow::updatedAt, Comparator.nullsLast(Comparator.naturalOrder())));

        private final Comparator<ExperimentRow> comparator;

        Column(Comparator<ExperimentRow> c) {
            this.comparator = c.thenComparing(ExperimentRow::id);
        }

        Comparator<ExperimentRow> comparator() {
            return comparator;
        }

        /** Largest first, but rows without a value stay last either way (a fitness table starts with the best). */
        Comparator<ExperimentRow> descending() {
            Comparator<ExperimentRow> missingLast = Comparator.comparing(r -> key(r) == null);
            return missingLast.thenComparing(comparator.reversed());
        }

        private Object key(ExperimentRow r) {
            return switch (this) {
                case FITNESS -> r.fitness();
                case PARAMS -> r.params();
                case FLOPS -> r.flopsPerToken();
                case STAGE -> r.stage();
                default -> "";
            };
        }

        public String param() {
            return name().toLowerCase(Locale.ROOT);
        }

        private static <T extends Comparable<T>> Comparator<ExperimentRow> nullsLast(Function<ExperimentRow, T> key) {
            return Comparator.comparing(key, Comparator.nullsLast(Comparator.naturalOrder()));
        }
    }

    public TableQuery {
        statuses = statuses == null || statuses.isEmpty() ? Set.of() : Set.copyOf(statuses);
        if (sort == null) {
            sort = Column.CREATED;
        }
    }

    /** Every experiment, oldest first, first page. */
    public static TableQuery all() {
        return new TableQuery(Set.of(), null, null, null, null, null, Column.CREATED, false, 1, DEFAULT_SIZE);
    }

    /**
     * Reads the query parameters {@code status} (repeated or comma-separated), {@code stage}, {@code op},
     * {@code min}, {@code max}, {@code q}, {@code sort}, {@code dir} ({@code asc}/{@code desc}), {@code page}
     * (from 1) and {@code size} (1 to {@value #MAX_SIZE}). Empty values mean "any".
     */
    public static TableQuery parse(Map<String, List<String>> params) {
        Set<ExperimentStatus> statuses = EnumSet.noneOf(ExperimentStatus.class);
        for (String v : params.getOrDefault("status", List.of())) {
            for (String s : v.split(",")) {
                if (s.isBlank()) {
                    continue;
                }
                statuses.add(status(s.strip()));
            }
        }
        String stage = word(one(params, "stage"), "stage");
        String call = word(one(params, "op"), "op");
        Double min = number(one(params, "min"), "min");
        Double max = number(one(params, "max"), "max");
        if (min != null && max != null && min > max) {
            throw new BadRequest("min (" + min + ") is larger than max (" + max + ")");
        }
        String text = one(params, "q");
        if (text != null && text.length() > MAX_TEXT) {
            throw new BadRequest("q: the search text is longer than " + MAX_TEXT + " characters");
        }
        Column sort = Column.CREATED;
        String s = one(params, "sort");
        if (s != null) {
            try {
                sort = Column.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new BadRequest("sort: unknown column \"" + s + "\" (expected one of " + columns() + ")");
            }
        }
        String dir = one(params, "dir");
        boolean descending;
        if (dir == null) {
            descending = sort == Column.FITNESS || sort == Column.UPDATED;
        } else if (dir.equals("asc") || dir.equals("desc")) {
            descending = dir.equals("desc");
        } else {
            throw new BadRequest("dir: expected asc or desc, found \"" + dir + "\"");
        }
        int page = integer(one(params, "page"), "page", 1, 1, Integer.MAX_VALUE);
        int size = integer(one(params, "size"), "size", DEFAULT_SIZE, 1, MAX_SIZE);
        return new TableQuery(statuses, stage, call, min, max, text == null ? null : text.strip(), sort, descending,
                page, size);
    }

    /** Whether a row passes every filter. */
    public boolean matches(ExperimentRow r) {
        return matches(r, text == null ? null : text.toLowerCase(Locale.ROOT));
    }

    private boolean matches(ExperimentRow r, String needle) {
        if (!statuses.isEmpty() && !statuses.contains(r.status())) {
            return false;
        }
        if (stage != null && !stage.equals(r.stage())) {
            return false;
        }
        if (call != null && !r.calls().contains(call)) {
            return false;
        }
        if (minFitness != null && (r.fitness() == null || r.fitness() < minFitness)) {
            return false;
        }
        if (maxFitness != null && (r.fitness() == null || r.fitness() > maxFitness)) {
            return false;
        }
        return needle == null || needle.isEmpty() || r.searchText().contains(needle);
    }

    /** One page of the rows that match, and how many match in all. */
    public record Result(List<ExperimentRow> rows, int total, int page, int pages) {
    }

    /** Runs the query over a snapshot: one pass over the rows in the wanted order. */
    public Result run(ExperimentIndex index) {
        List<ExperimentRow> ordered = index.sorted(sort, descending);
        int from = (page - 1) * size;
        List<ExperimentRow> out = new ArrayList<>(size);
        int total = 0;
        String needle = text == null ? null : text.toLowerCase(Locale.ROOT);
        for (ExperimentRow r : ordered) {
            if (matches(r, needle)) {
                if (total >= from && out.size() < size) {
                    out.add(r);
                }
                total++;
            }
        }
        int pages = Math.max(1, (total + size - 1) / size);
        return new Result(out, total, page, pages);
    }

    /** The query string of this query with some parameters changed ({@code null} drops one). */
    public String queryString(Map<String, String> changes) {
        Map<String, String> p = new LinkedHashMap<>();
        if (!statuses.isEmpty()) {
            p.put("status", String.join(",", statuses.stream().sorted().map(ExperimentStatus::dbValue).toList()));
        }
        put(p, "stage", stage);
        put(p, "op", call);
        put(p, "min", minFitness == null ? null : Html.number(minFitness));
        put(p, "max", maxFitness == null ? null : Html.number(maxFitness));
        put(p, "q", text == null || text.isEmpty() ? null : text);
        if (sort != Column.CREATED) {
            p.put("sort", sort.param());
        }
        p.put("dir", descending ? "desc" : "asc");
        if (page != 1) {
            p.put("page", Integer.toString(page));
        }
        if (size != DEFAULT_SIZE) {
            p.put("size", Integer.toString(size));
        }
        changes.forEach((k, v) -> {
            if (v == null) {
                p.remove(k);
            } else {
                p.put(k, v);
            }
        });
        List<String> parts = new ArrayList<>();
        p.forEach((k, v) -> parts.add(Html.url(k) + "=" + Html.url(v)));
        return String.join("&", parts);
    }

    private static void put(Map<String, String> p, String k, String v) {
        if (v != null) {
            p.put(k, v);
        }
    }

    private static String columns() {
        return String.join(", ", java.util.Arrays.stream(Column.values()).map(Column::param).toList());
    }

    static ExperimentStatus status(String s) {
        for (ExperimentStatus st : ExperimentStatus.values()) {
            if (st.dbValue().equalsIgnoreCase(s)) {
                return st;
            }
        }
        throw new BadRequest("status: unknown status \"" + s + "\" (expected proposed, coding, queued, training, done,"
                + " failed or pruned)");
    }

    static String one(Map<String, List<String>> params, String name) {
        List<String> v = params.getOrDefault(name, List.of());
        if (v.size() > 1) {
            throw new BadRequest(name + ": given " + v.size() + " times; give it once");
        }
        return v.isEmpty() || v.get(0).isBlank() ? null : v.get(0);
    }

    /** A stage or op name: letters, digits, {@code _ - .}, at most 100 characters. */
    static String word(String v, String name) {
        if (v != null && !v.matches("[A-Za-z0-9_.\\-]{1,100}")) {
            throw new BadRequest(name + ": \"" + v + "\" is not a name (letters, digits, _ - . only)");
        }
        return v;
    }

    static Double number(String v, String name) {
        if (v == null) {
            return null;
        }
        try {
            double d = Double.parseDouble(v.strip());
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new BadRequest(name + ": \"" + v + "\" is not a finite number");
        }
    }

    static int integer(String v, String name, int dflt, int min, int max) {
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n < min || n > max) {
                throw new BadRequest(name + ": " + n + " is out of range (" + min + " to " + max + ")");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadRequest(name + ": \"" + v + "\" is not a whole number");
        }
    }
}
