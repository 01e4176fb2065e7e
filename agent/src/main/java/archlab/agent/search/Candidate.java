package archlab.agent.search;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A proposed design as the search sees it: its canonical {@code key} (two designs with one key are one
 * experiment; the search never evaluates a key twice) and the sparse {@code features} the value model
 * reads. The design itself stays with the caller, which maps keys back to it.
 */
public record Candidate(String key, Map<String, Double> features) {
    public Candidate {
        Objects.requireNonNull(key, "key");
        features = sorted(features);
    }

    private static final Class<?> SORTED_VIEW = Collections.unmodifiableSortedMap(new TreeMap<>()).getClass();

    /**
     * Features as an unmodifiable map sorted by name, so that every sum over them runs in one order and
     * results are identical from run to run. A map that already is such a view (as {@code CellFeatures}
     * and {@link DefinitionFeatures} return) is kept as it is: spaces propose hundreds of candidates a step.
     */
    static Map<String, Double> sorted(Map<String, Double> features) {
        if (features == null) {
            return Collections.emptySortedMap();
        }
        if (features.getClass() == SORTED_VIEW && ((SortedMap<String, Double>) features).comparator() == null) {
            return features;
        }
        return Collections.unmodifiableSortedMap(new TreeMap<>(features));
    }
}
