package archlab.agent.research;

import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.similarity.SimilarHit;
import archlab.knowledge.store.Directive;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.Subroutine;
import archlab.tools.BoundedText;
import archlab.tools.Measurements;
import archlab.tools.ResearchTools;
import archlab.tools.Symptom;
import archlab.tools.Symptoms;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The context agents see, assembled through the tools of one campaign:
 * <ul>
 * <li>the node, its parent (the agents' grandparent: the node is the parent of what they write), and the
 *     node's children so far, best fitness first: the siblings of the next child;</li>
 * <li>references: the campaign's best experiments, the node left out;</li>
 * <li>paper notes retrieved with the node's own words: its hypothesis title, the evidence of its symptoms
 *     ({@link Symptoms}), its stored analysis and its failure message;</li>
 * <li>the past experiments most like the node, with their outcomes; the mined subroutines, best lift first;
 *     the directives in force (pending and applied).</li>
 * </ul>
 * A null node is a root expansion: no family, the campaign's seeds, and papers retrieved for the task.
 */
public final class ToolContextSource implements ContextSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ResearchTools tools;
    private final String task;
    private final List<String> seeds;
    private final int siblings;
    private final int references;
    private final int papers;
    private final int similar;
    private final int subroutines;

    private ToolContextSource(Builder b) {
        this.tools = b.tools;
        this.task = b.task;
        this.seeds = List.copyOf(b.seeds);
        this.siblings = b.siblings;
        this.references = b.references;
        this.papers = b.papers;
        this.similar = b.similar;
        this.subroutines = b.subroutines;
    }

    public static Builder builder(ResearchTools tools) {
        return new Builder(tools);
    }

    /** @throws IllegalArgumentException when {@code campaignId} is not the tools' campaign */
    @Override
    public ResearchContext contextFor(String campaignId, Experiment node) {
        if (!tools.campaignId().equals(campaignId)) {
            throw new IllegalArgumentException("these tools serve campaign " + tools.campaignId() + ", not " + campaignId);
        }
        if (node != null && !campaignId.equals(node.campaignId())) {
            throw new IllegalArgumentException("experiment " + node.id() + " belongs to campaign " + node.campaignId()
                    + ", not " + campaignId);
        }
        var store = tools.store();
        Experiment grandparent = node == null || node.parentId() == null ? null
                : store.experiments().find(node.parentId()).orElse(null);
        List<Experiment> children = node == null ? List.of() : store.experiments().children(node.id()).stream()
                .sorted(BEST_FIRST).limit(siblings).toList();
        List<Experiment> refs = store.experiments().best(campaignId, references + 1).stream()
                .filter(e -> node == null || !e.id().equals(node.id())).limit(references).toList();
        List<PaperIndex.Hit> notes = tools.hasPapers() && papers > 0
                ? tools.papers().search(paperQuery(node), papers).hits() : List.of();
        List<SimilarHit> near = node != null && similar > 0 && (node.definition() != null || node.hypothesis().title() != null)
                ? nearest(node) : List.of();
        List<Subroutine> subs = tools.subroutines().list().subroutines().stream().limit(subroutines).toList();
        List<Directive> directives = tools.directives().active().directives();
        return new ResearchContext(campaignId, taskOf(node), node, grandparent, children, refs, seeds, notes, near, subs,
                directives);
    }

    @Override
    public List<SimilarHit> similarTo(String campaignId, Experiment e) {
        return e == null || similar == 0 || (e.definition() == null && e.hypothesis().title() == null) ? List.of()
                : nearest(e);
    }

    /** Best fitness first, those without fitness last, then oldest first: the order siblings are shown in. */
    public static final Comparator<Experiment> BEST_FIRST = Comparator
            .comparing((Experiment e) -> e.fitness() == null)
            .thenComparing(e -> e.fitness() == null ? 0 : -e.fitness())
            .thenComparing(e -> e.createdAt() == null ? java.time.Instant.EPOCH : e.createdAt())
            .thenComparing(Experiment::id);

    private List<SimilarHit> nearest(Experiment node) {
        try {
            // Hits name experiments by their campaign-local names, as everything agents read does (an id is random
            // and would make the prompt differ between two runs of one campaign).
            return tools.similar().similarToExperiment(node.id(), similar).hits().stream()
                    .map(h -> new SimilarHit(tools.store().experiments().find(h.experimentId())
                            .map(e -> e.name() != null && !e.name().isBlank() ? e.name() : e.id())
                            .orElse(h.experimentId()), h.score(), h.duplicate(), h.graphScore(), h.textScore(),
                            h.outcome()))
                    .toList();
        } catch (IllegalArgumentException e) {
            return List.of(); // the node is not stored (a caller's own record): nothing to compare with
        }
    }

    private String taskOf(Experiment node) {
        if (task != null) {
            return task;
        }
        if (node != null) {
            List<String> tasks = Measurements.of(node).tasks();
            if (!tasks.isEmpty()) {
                return tasks.get(0);
            }
        }
        return null;
    }

    /** The words the node's papers are retrieved with; see the class comment. */
    String paperQuery(Experiment node) {
        if (node == null) {
            String t = task == null ? "sequence modelling" : task;
            return "architectures that do well on " + t + "; what to try first for " + t;
        }
        List<String> parts = new ArrayList<>();
        if (node.hypothesis().title() != null) {
            parts.add(node.hypothesis().title());
        }
        for (Symptom s : Symptoms.of(node)) {
            parts.add(s.evidence());
        }
        String analysis = analysisText(node.analysis());
        if (!analysis.isBlank()) {
            parts.add(BoundedText.clip(analysis, 600));
        }
        if (node.failureMessage() != null) {
            parts.add(BoundedText.clip(node.failureMessage(), 200));
        }
        if (parts.isEmpty()) {
            parts.add("improve " + (node.name() == null ? "this architecture" : node.name()) + " on "
                    + (taskOf(node) == null ? "its task" : taskOf(node)));
        }
        return String.join(". ", parts);
    }

    /**
     * A stored analysis as plain words: a JSON object's text fields and lists of strings (the Analysis record
     * written as JSON), or the text as it is.
     */
    static String analysisText(String analysis) {
        if (analysis == null || analysis.isBlank()) {
            return "";
        }
        String t = analysis.strip();
        if (!t.startsWith("{")) {
            return t;
        }
        try {
            JsonNode o = JSON.readTree(t);
            List<String> words = new ArrayList<>();
            for (String field : List.of("explanation", "insight", "expectationVsReality", "results", "diagnoses")) {
                JsonNode v = o.get(field);
                if (v != null && v.isTextual()) {
                    words.add(v.asText());
                } else if (v != null && v.isArray()) {
                    v.forEach(x -> words.add(x.asText()));
                }
            }
            return String.join(". ", words);
        } catch (java.io.IOException e) {
            return t;
        }
    }

    /** How much context to gather; every count has a default. */
    public static final class Builder {
        private final ResearchTools tools;
        private String task;
        private List<String> seeds = List.of();
        private int siblings = 8;
        private int references = 3;
        private int papers = 5;
        private int similar = 5;
        private int subroutines = 8;

        private Builder(ResearchTools tools) {
            this.tools = Objects.requireNonNull(tools, "tools");
        }

        /** The campaign's task; default: the first task the node reports metrics or a curve for. */
        public Builder task(String name) {
            this.task = name;
            return this;
        }

        /** The campaign's seed definitions, offered at root expansions (and as recombination donors). */
        public Builder seeds(List<String> definitions) {
            this.seeds = List.copyOf(definitions);
            return this;
        }

        /** The node's children shown, best first (default 8). */
        public Builder siblings(int n) {
            this.siblings = atLeast(0, n, "siblings");
            return this;
        }

        /** The campaign's best experiments shown (default 3). */
        public Builder references(int n) {
            this.references = atLeast(0, n, "references");
            return this;
        }

        /** Paper notes retrieved (default 5, at most 8). */
        public Builder papers(int n) {
            this.papers = Math.min(atLeast(0, n, "papers"), 8);
            return this;
        }

        /** Similar past experiments shown (default 5, at most 10). */
        public Builder similar(int n) {
            this.similar = Math.min(atLeast(0, n, "similar"), 10);
            return this;
        }

        /** Mined subroutines shown, best lift first (default 8). */
        public Builder subroutines(int n) {
            this.subroutines = atLeast(0, n, "subroutines");
            return this;
        }

        public ToolContextSource build() {
            return new ToolContextSource(this);
        }

        private static int atLeast(int min, int v, String what) {
            if (v < min) {
                throw new IllegalArgumentException(what + " must be at least " + min + ", got " + v);
            }
            return v;
        }
    }
}
