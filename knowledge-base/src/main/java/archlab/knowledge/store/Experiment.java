package archlab.knowledge.store;

import archlab.sandbox.CheckReport;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.Diagnostic;
import archlab.sandbox.train.Failure;
import java.time.Instant;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One experiment: a node of the search tree. Immutable; change one with {@link #toBuilder()} and
 * {@link Experiments#update}.
 *
 * <p>JSON-valued fields ({@code metrics}, {@code curves}, {@code extra}) hold JSON text, as stored:
 * {@code metrics} is an object per task ({@code {"mqar": {"accuracy": 0.91}}}), {@code curves} the
 * same per task with a list of points, {@code extra} the fields an imported line carried that the
 * store has no column for.
 *
 * <p>{@code definitionLanguage} is {@value #LANGUAGE_ARCHLAB} for our language, another name
 * ({@code pytorch}) for source kept only to be read, or null when there is no definition.
 * {@code definitionCheck} is {@value #CHECK_OK}, {@value #CHECK_INVALID} (the checker's errors are in
 * {@code definitionErrors}), {@value #CHECK_DUPLICATE} (same canonical hash as another experiment of
 * the campaign, named in {@code definitionErrors}) or null (not ours, or not checked).
 */
public record Experiment(
        String id,
        String campaignId,
        String parentId,
        String name,
        Hypothesis hypothesis,
        String definition,
        String definitionLanguage,
        String definitionCheck,
        String definitionErrors,
        String canonicalHash,
        ExperimentStatus status,
        String stage,
        Double fitness,
        String metrics,
        String curves,
        Long params,
        Double flopsPerToken,
        Double wallSeconds,
        Long tokens,
        Double money,
        String failureKind,
        String failureMessage,
        String analysis,
        String extra,
        Instant createdAt,
        Instant updatedAt) {

    public static final String LANGUAGE_ARCHLAB = "archlab";
    public static final String CHECK_OK = "ok";
    public static final String CHECK_INVALID = "invalid";
    public static final String CHECK_DUPLICATE = "duplicate";

    public Experiment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(campaignId, "campaignId");
        Objects.requireNonNull(status, "status");
        if (hypothesis == null) {
            hypothesis = Hypothesis.NONE;
        }
    }

    /** A definition in our language that checked, and so can be trained. */
    public boolean trainable() {
        return definition != null && LANGUAGE_ARCHLAB.equals(definitionLanguage) && CHECK_OK.equals(definitionCheck);
    }

    public static Builder builder(String id, String campaignId) {
        return new Builder(id, campaignId);
    }

    public Builder toBuilder() {
        Builder b = new Builder(id, campaignId);
        b.parentId = parentId;
        b.name = name;
        b.hypothesis = hypothesis;
        b.definition = definition;
        b.definitionLanguage = definitionLanguage;
        b.definitionCheck = definitionCheck;
        b.definitionErrors = definitionErrors;
        b.canonicalHash = canonicalHash;
        b.status = status;
        b.stage = stage;
        b.fitness = fitness;
        b.metrics = metrics;
        b.curves = curves;
        b.params = params;
        b.flopsPerToken = flopsPerToken;
        b.wallSeconds = wallSeconds;
        b.tokens = tokens;
        b.money = money;
        b.failureKind = failureKind;
        b.failureMessage = failureMessage;
        b.analysis = analysis;
        b.extra = extra;
        b.createdAt = createdAt;
        b.updatedAt = updatedAt;
        return b;
    }

    /** Builds an {@link Experiment}; status defaults to proposed. */
    public static final class Builder {
        private final String id;
        private final String campaignId;
        private String parentId;
        private String name;
        private Hypothesis hypothesis = Hypothesis.NONE;
        private String definition;
        private String definitionLanguage;
        private String definitionCheck;
        private String definitionErrors;
        private String canonicalHash;
        private ExperimentStatus status = ExperimentStatus.PROPOSED;
        private String stage;
        private Double fitness;
        private String metrics;
        private String curves;
        private Long params;
        private Double flopsPerToken;
        private Double wallSeconds;
        private Long tokens;
        private Double money;
        private String failureKind;
        private String failureMessage;
        private String analysis;
        private String extra;
        private Instant createdAt;
        private Instant updatedAt;

        private Builder(String id, String campaignId) {
            this.id = id;
            this.campaignId = campaignId;
        }

        public Builder parentId(String v) { parentId = v; return this; }
        public Builder name(String v) { name = v; return this; }
        public Builder hypothesis(Hypothesis v) { hypothesis = v; return this; }
        public Builder status(ExperimentStatus v) { status = v; return this; }
        public Builder stage(String v) { stage = v; return this; }
        public Builder fitness(Double v) { fitness = v; return this; }
        public Builder metrics(String json) { metrics = json; return this; }
        public Builder curves(String json) { curves = json; return this; }
        public Builder params(Long v) { params = v; return this; }
        public Builder flopsPerToken(Double v) { flopsPerToken = v; return this; }
        public Builder wallSeconds(Double v) { wallSeconds = v; return this; }
        public Builder tokens(Long v) { tokens = v; return this; }
        public Builder money(Double v) { money = v; return this; }
        public Builder analysis(String v) { analysis = v; return this; }
        public Builder extra(String json) { extra = json; return this; }
        public Builder createdAt(Instant v) { createdAt = v; return this; }
        public Builder updatedAt(Instant v) { updatedAt = v; return this; }
        public Builder canonicalHash(String v) { canonicalHash = v; return this; }

        /** Sets the definition fields as they are, without checking anything. */
        public Builder definition(String source, String language, String check, String errors) {
            definition = source;
            definitionLanguage = language;
            definitionCheck = check;
            definitionErrors = errors;
            return this;
        }

        /** A definition in our language that already parsed: also sets hash, parameters and FLOPs. */
        public Builder definition(ModelDefinition d) {
            definition(d.source(), LANGUAGE_ARCHLAB, CHECK_OK, null);
            canonicalHash = d.canonicalHash();
            params = d.parameterCount();
            flopsPerToken = d.flopsPerToken();
            return this;
        }

        /**
         * Checks {@code source} as a definition in our language and records the outcome: hash,
         * parameters and FLOPs when it checks; {@value #CHECK_INVALID} and the first errors
         * ({@code line:col: message}, one per line) when it does not.
         */
        public Builder checkedDefinition(String source) {
            CheckReport report = ModelDefinition.check(source, name != null ? name + ".arch" : id + ".arch");
            if (report.ok()) {
                definition(source, LANGUAGE_ARCHLAB, CHECK_OK, null);
                canonicalHash = report.hash();
                params = report.params();
                flopsPerToken = report.flopsPerToken();
            } else {
                definition(source, LANGUAGE_ARCHLAB, CHECK_INVALID, report.errors().stream().limit(5)
                        .map(Builder::describe).collect(Collectors.joining("\n")));
                canonicalHash = null;
            }
            return this;
        }

        private static String describe(Diagnostic d) {
            return d.line() + ":" + d.col() + ": " + d.message();
        }

        /** The sandbox's failure diagnosis; null clears it. */
        public Builder failure(Failure f) {
            failureKind = f == null ? null : f.kind();
            failureMessage = f == null ? null : f.message();
            return this;
        }

        public Builder failure(String kind, String message) {
            failureKind = kind;
            failureMessage = message;
            return this;
        }

        public Experiment build() {
            return new Experiment(id, campaignId, parentId, name, hypothesis, definition, definitionLanguage,
                    definitionCheck, definitionErrors, canonicalHash, status, stage, fitness, metrics, curves, params,
                    flopsPerToken, wallSeconds, tokens, money, failureKind, failureMessage, analysis, extra,
                    createdAt, updatedAt);
        }
    }
}
