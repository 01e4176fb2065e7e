package archlab.agent.campaign;

import archlab.agent.search.Observation;
import archlab.agent.search.SearchStrategy;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.Ids;
import archlab.knowledge.store.Store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The campaign's experiments as the coordinator knows them: which design (canonical hash) is which
 * experiment, which designs the search has a node for, and the per-campaign number in every name
 * ({@code e12-...}, the handle people and prompts use). One per campaign loop, owned by its thread.
 */
final class Roster {
    private final Store store;
    private final String campaignId;
    private final Map<String, String> experimentByKey = new HashMap<>();
    private final Set<String> observedKeys = new HashSet<>();
    /** The search's features of the designs drafted in this session, so a result is told without parsing again. */
    private final Map<String, Map<String, Double>> featuresByKey = new HashMap<>();
    private int sequence;

    Roster(Store store, String campaignId) {
        this.store = store;
        this.campaignId = campaignId;
    }

    String campaignId() {
        return campaignId;
    }

    /** Learns a stored experiment: its design and its number (on resume). */
    void know(Experiment e) {
        if (e.canonicalHash() != null) {
            experimentByKey.put(e.canonicalHash(), e.id());
        }
        sequence = Math.max(sequence, sequenceOf(e));
    }

    void know(String key, String experimentId) {
        experimentByKey.put(key, experimentId);
    }

    void know(String key, String experimentId, Map<String, Double> features) {
        experimentByKey.put(key, experimentId);
        featuresByKey.put(key, features);
    }

    /** The search's features of an experiment's design: as drafted, or read from its definition (after a resume). */
    Map<String, Double> features(Experiment e) {
        Map<String, Double> known = e.canonicalHash() == null ? null : featuresByKey.remove(e.canonicalHash());
        return known != null ? known : ResearchStep.features(e);
    }

    boolean has(String key) {
        return experimentByKey.containsKey(key);
    }

    String experimentIdOf(String key) {
        return experimentByKey.get(key);
    }

    Experiment experimentOfKey(String key) {
        String id = key == null ? null : experimentByKey.get(key);
        return id == null ? null : store.experiments().find(id).orElse(null);
    }

    String parentKey(Experiment e) {
        if (e.parentId() == null) {
            return null;
        }
        return store.experiments().find(e.parentId()).map(Experiment::canonicalHash).orElse(null);
    }

    /** Tells the search a result and remembers that it has a node for the design. */
    void observe(SearchStrategy search, Observation o) {
        search.observe(o);
        observedKeys.add(o.key());
    }

    void observed(String key) {
        observedKeys.add(key);
    }

    boolean isObserved(String key) {
        return observedKeys.contains(key);
    }

    /** An experiment and its ancestors up to the root, itself first. */
    List<String> lineage(String experimentId) {
        List<String> out = new ArrayList<>();
        String id = experimentId;
        while (id != null && out.size() < 10_000 && !out.contains(id)) {
            out.add(id);
            id = store.experiments().find(id).map(Experiment::parentId).orElse(null);
        }
        return out;
    }

    String newId() {
        return Ids.next("exp");
    }

    /** The next experiment name: the campaign's next number and a slug of the title. */
    String name(String title) {
        sequence++;
        String slug = title == null ? "" : title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-|-$", "");
        if (slug.length() > 40) {
            slug = slug.substring(0, 40).replaceAll("-$", "");
        }
        return "e" + sequence + (slug.isEmpty() ? "" : "-" + slug);
    }

    static int sequenceOf(Experiment e) {
        if (e.name() == null || !e.name().startsWith("e")) {
            return 0;
        }
        String digits = e.name().substring(1).split("-", 2)[0];
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException ex) {
            return 0;
        }
    }
}
