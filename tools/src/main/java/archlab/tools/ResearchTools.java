package archlab.tools;

import archlab.knowledge.mining.SubroutineStore;
import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.similarity.TextEmbedder;
import archlab.knowledge.store.Store;
import archlab.sandbox.lang.Library;
import archlab.sandbox.lang.StandardLibrary;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The agent tools of one campaign, bound to its store: what the offline policy calls directly and what the
 * LLM layer hands a model ({@link #forModels()}: objects whose {@code @Tool} methods LangChain4j exposes).
 *
 * <pre>{@code
 * ResearchTools tools = ResearchTools.builder(store, campaignId)
 *         .papers(PaperIndex.build(PaperLibrary.load(null).strict()))
 *         .embedder(new MiniLmTextEmbedder())
 *         .build();
 * tools.papers().search("recall falls with sequence length", 5).slugs();
 * }</pre>
 */
public final class ResearchTools {
    private final Store store;
    private final String campaignId;
    private final PaperSearch papers;
    private final SimilarExperiments similar;
    private final ExperimentInspector experiments;
    private final DefinitionChecker checker;
    private final CostEstimator costs;
    private final SubroutineCatalog subroutines;
    private final DirectiveBoard directives;

    private ResearchTools(Builder b) {
        this.store = b.store;
        this.campaignId = b.campaignId;
        Library library = b.library != null ? b.library
                : SubroutineStore.library(b.store, b.campaignId, StandardLibrary.library());
        this.papers = b.papers == null ? null : new PaperSearch(b.papers);
        this.similar = new SimilarExperiments(b.store, b.campaignId, b.embedder, library);
        this.experiments = new ExperimentInspector(b.store);
        this.checker = new DefinitionChecker(library);
        this.costs = new CostEstimator(library);
        this.subroutines = new SubroutineCatalog(b.store, b.campaignId);
        this.directives = new DirectiveBoard(b.store, b.campaignId);
    }

    public static Builder builder(Store store, String campaignId) {
        return new Builder(store, campaignId);
    }

    public Store store() {
        return store;
    }

    public String campaignId() {
        return campaignId;
    }

    public boolean hasPapers() {
        return papers != null;
    }

    /** @throws IllegalStateException when the tools were built without a paper index */
    public PaperSearch papers() {
        if (papers == null) {
            throw new IllegalStateException("these tools have no paper index: give one to ResearchTools.builder().papers()");
        }
        return papers;
    }

    public SimilarExperiments similar() {
        return similar;
    }

    public ExperimentInspector experiments() {
        return experiments;
    }

    public DefinitionChecker checker() {
        return checker;
    }

    public CostEstimator costs() {
        return costs;
    }

    public SubroutineCatalog subroutines() {
        return subroutines;
    }

    public DirectiveBoard directives() {
        return directives;
    }

    /** The tool objects for LangChain4j, in a fixed order; the paper search only when there is an index. */
    public List<Object> forModels() {
        List<Object> all = new ArrayList<>();
        if (papers != null) {
            all.add(papers);
        }
        all.add(similar);
        all.add(experiments);
        all.add(checker);
        all.add(costs);
        all.add(subroutines);
        all.add(directives);
        return List.copyOf(all);
    }

    /** Configures the tools; only the store and the campaign are required. */
    public static final class Builder {
        private final Store store;
        private final String campaignId;
        private PaperIndex papers;
        private TextEmbedder embedder;
        private Library library;

        private Builder(Store store, String campaignId) {
            this.store = Objects.requireNonNull(store, "store");
            this.campaignId = Objects.requireNonNull(campaignId, "campaignId");
        }

        /** The paper index to search; without one, {@link #papers()} refuses. */
        public Builder papers(PaperIndex index) {
            this.papers = index;
            return this;
        }

        /** Compares motivations too when finding similar experiments (graph and hash only without). */
        public Builder embedder(TextEmbedder e) {
            this.embedder = e;
            return this;
        }

        /**
         * The library definitions are checked with; default the standard library plus the campaign's mined
         * blocks as they are in the store when {@link #build()} runs.
         */
        public Builder library(Library l) {
            this.library = l;
            return this;
        }

        public ResearchTools build() {
            return new ResearchTools(this);
        }
    }
}
