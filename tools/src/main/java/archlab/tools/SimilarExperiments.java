package archlab.tools;

import archlab.knowledge.similarity.SimilarHit;
import archlab.knowledge.similarity.SimilarityIndex;
import archlab.knowledge.similarity.SimilarityReport;
import archlab.knowledge.similarity.TextEmbedder;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.Store;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Library;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Tool: the past experiments of a campaign most like a definition (canonical hash, Weisfeiler-Lehman graph
 * features and, with an embedder, the motivation; see docs/memory.md), with what became of each. The index
 * follows the store: every query first adds the experiments created or changed since the last one. At most
 * {@value #MAX_HITS} neighbours; the text for models fits in {@value #MAX_CHARS} characters.
 */
public final class SimilarExperiments {
    public static final int MAX_HITS = 10;
    public static final int MAX_CHARS = 4000;

    /** A neighbour with the names a reader needs. */
    public record Neighbour(SimilarHit hit, String name, String title) {
    }

    /**
     * The neighbourhood of a candidate: neighbours best first, the ids it duplicates, its novelty (1 minus the
     * best score), failure kinds among the neighbours and their mean fitness. {@code note} says when the
     * candidate's definition could not be read and only its motivation was compared.
     */
    public record Result(List<Neighbour> neighbours, List<String> duplicates, double novelty,
                         Map<String, Integer> failureKinds, Double meanFitness, String note) {
        public Result {
            neighbours = List.copyOf(neighbours);
            duplicates = List.copyOf(duplicates);
            failureKinds = Map.copyOf(failureKinds);
        }

        public List<SimilarHit> hits() {
            return neighbours.stream().map(Neighbour::hit).toList();
        }

        public String render() {
            BoundedText t = new BoundedText(MAX_CHARS);
            t.line("Similar experiments: %d; novelty %s%s", neighbours.size(), BoundedText.number(novelty),
                    duplicates.isEmpty() ? "" : "; DUPLICATE of " + String.join(", ", duplicates));
            if (note != null) {
                t.line("note: %s", note);
            }
            if (!failureKinds.isEmpty()) {
                t.line("failures among them: %s", new java.util.TreeMap<>(failureKinds));
            }
            if (meanFitness != null) {
                t.line("mean fitness among them: %s", BoundedText.number(meanFitness));
            }
            int i = 1;
            for (Neighbour n : neighbours) {
                SimilarHit h = n.hit();
                StringBuilder b = new StringBuilder();
                b.append(i++).append(". ").append(h.experimentId());
                if (n.name() != null) {
                    b.append(" (").append(BoundedText.clip(n.name(), 40)).append(')');
                }
                b.append(" score ").append(BoundedText.number(h.score()));
                if (h.duplicate()) {
                    b.append(" duplicate");
                }
                b.append("; ").append(h.outcome().status() == null ? "status unknown" : h.outcome().status());
                if (h.outcome().fitness() != null) {
                    b.append(", fitness ").append(BoundedText.number(h.outcome().fitness()));
                }
                if (h.outcome().failureKind() != null) {
                    b.append(", failed: ").append(h.outcome().failureKind()).append(" — ")
                            .append(BoundedText.clip(h.outcome().failureReason(), 120));
                }
                t.line(b.toString());
                if (n.title() != null) {
                    t.line("   hypothesis: %s", BoundedText.clip(n.title(), 160));
                }
            }
            return t.toString();
        }
    }

    private final Store store;
    private final String campaignId;
    private final Library library;
    private final SimilarityIndex index;
    private final Map<String, Instant> seen = new HashMap<>();
    private final Map<String, String[]> names = new HashMap<>();

    /**
     * @param campaignId the campaign whose experiments are compared; null for every campaign in the store
     * @param embedder   compares motivations too when not null
     * @param library    the library definitions are checked with (the standard library and mined blocks)
     */
    public SimilarExperiments(Store store, String campaignId, TextEmbedder embedder, Library library) {
        this.store = Objects.requireNonNull(store, "store");
        this.campaignId = campaignId;
        this.library = Objects.requireNonNull(library, "library");
        this.index = new SimilarityIndex(embedder);
    }

    /**
     * The experiments most like a definition and its motivation. A definition that does not check is
     * compared by its motivation alone, and the result says so.
     */
    public Result similarTo(String definition, String motivation, int k) {
        requireK(k);
        ArchGraph graph = null;
        String note = null;
        if (definition != null && !definition.isBlank()) {
            try {
                graph = ModelDefinition.parse(definition, "candidate.arch", library, Map.of()).graph();
            } catch (DefinitionException e) {
                note = "the definition does not check (" + BoundedText.clip(e.first().render(), 160)
                        + "), so only its motivation was compared";
            }
        }
        if (graph == null && (motivation == null || motivation.isBlank())) {
            throw new IllegalArgumentException("nothing to compare: give a definition that checks or a motivation");
        }
        return query(SimilarityIndex.Candidate.of(graph, motivation), k, null, note);
    }

    /** The experiments most like a stored one, itself left out. */
    public Result similarToExperiment(String experimentId, int k) {
        requireK(k);
        Experiment e = store.experiments().find(experimentId).orElseThrow(() -> new IllegalArgumentException(
                "no experiment '" + experimentId + "' in the store"));
        SimilarityIndex.Item item = SimilarityIndex.item(e, library);
        return query(new SimilarityIndex.Candidate(item.graph(), item.canonicalHash(), item.motivation()), k,
                experimentId, item.graph() == null ? "its definition has no graph, so only its motivation was compared"
                        : null);
    }

    private Result query(SimilarityIndex.Candidate candidate, int k, String self, String note) {
        int want = Math.min(k, MAX_HITS);
        SimilarityReport r;
        synchronized (this) {
            refresh();
            r = index.report(candidate, self == null ? want : want + 1);
        }
        List<Neighbour> out = new ArrayList<>();
        for (SimilarHit h : r.hits()) {
            if (h.experimentId().equals(self) || out.size() >= want) {
                continue;
            }
            String[] n = names.get(h.experimentId());
            out.add(new Neighbour(h, n == null ? null : n[0], n == null ? null : n[1]));
        }
        List<String> duplicates = r.duplicates().stream().filter(id -> !id.equals(self)).toList();
        double best = out.isEmpty() ? 0 : out.get(0).hit().score();
        Map<String, Integer> kinds = new java.util.TreeMap<>();
        double sum = 0;
        int n = 0;
        for (Neighbour nb : out) {
            if (nb.hit().outcome().isFailure()) {
                kinds.merge(nb.hit().outcome().failureKind() == null ? "unknown" : nb.hit().outcome().failureKind(),
                        1, Integer::sum);
            }
            if (nb.hit().outcome().fitness() != null) {
                sum += nb.hit().outcome().fitness();
                n++;
            }
        }
        return new Result(out, duplicates, Math.max(0, 1 - best), kinds, n == 0 ? null : sum / n, note);
    }

    /** Adds to the index what the store holds that it has not seen, or has changed since. */
    private void refresh() {
        ExperimentQuery q = campaignId == null ? ExperimentQuery.all() : ExperimentQuery.campaign(campaignId);
        for (Experiment e : store.experiments().list(q)) {
            Instant stamp = e.updatedAt();
            if (seen.containsKey(e.id()) && Objects.equals(seen.get(e.id()), stamp)) {
                continue;
            }
            index.add(SimilarityIndex.item(e, library));
            seen.put(e.id(), stamp);
            names.put(e.id(), new String[] {e.name(), e.hypothesis().title()});
        }
    }

    private static void requireK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
    }

    @Tool(name = "similar_experiments", value = "Find the past experiments of this campaign most like a stored"
            + " experiment (by its id), with their fitness or how they failed. Use it before proposing, to avoid"
            + " repeating what was tried.")
    public String similarExperiments(
            @P(name = "experiment_id", value = "the id of a stored experiment, such as exp-01jdx3k9q7m2c8vw")
            String experimentId,
            @P(name = "k", value = "how many neighbours, 1 to 10", required = false) Integer k) {
        try {
            return similarToExperiment(experimentId, k == null ? 5 : k).render();
        } catch (IllegalArgumentException e) {
            return "error: " + e.getMessage();
        }
    }

    @Tool(name = "similar_to_definition", value = "Find the past experiments of this campaign most like a"
            + " definition you are writing (and its motivation), and whether it duplicates one of them.")
    public String similarToDefinition(
            @P(name = "definition", value = "the full model definition in the archlab language") String definition,
            @P(name = "motivation", value = "one or two sentences on why it might work", required = false)
            String motivation,
            @P(name = "k", value = "how many neighbours, 1 to 10", required = false) Integer k) {
        try {
            return similarTo(definition, motivation, k == null ? 5 : k).render();
        } catch (IllegalArgumentException e) {
            return "error: " + e.getMessage();
        }
    }
}
