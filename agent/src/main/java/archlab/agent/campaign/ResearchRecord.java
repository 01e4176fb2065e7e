package archlab.agent.campaign;

import archlab.agent.research.CodingAttempt;
import archlab.agent.research.JudgeScore;
import archlab.agent.research.Move;
import archlab.agent.research.Proposal;
import archlab.evaluators.fitness.FitnessScore;
import archlab.knowledge.store.Experiment;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the research step recorded about one experiment, beside the columns every experiment has: its
 * role, the design move and search step that made it, the proposal it tests, the coder's attempts, how
 * the search screened it, the judge's scores, and its fitness and failures per stage. Stored as the
 * experiment's {@code extra} JSON through {@link #read} and {@link #toJson}, the one codec: nothing
 * else writes that column, and readers that want a field ask this record for it.
 *
 * <p>The JSON names are the ones the store has always used ({@code search_step}, {@code coding_attempts},
 * {@code fitness.<stage>.combined}), so older run folders and exports read as they did.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ResearchRecord(
        @JsonProperty("role") String role,
        @JsonProperty("move") String move,
        @JsonProperty("search_step") Long searchStep,
        @JsonProperty("direction") String direction,
        @JsonProperty("references") List<String> references,
        @JsonProperty("metric") String metric,
        @JsonProperty("risk") String risk,
        @JsonProperty("plan") Map<String, String> plan,
        @JsonProperty("coding_attempts") List<CodingAttempt> codingAttempts,
        @JsonProperty("screening") Screening screening,
        @JsonProperty("judge") JudgeScore judge,
        @JsonProperty("fitness") Map<String, FitnessScore> fitness,
        @JsonProperty("failures") Map<String, String> failures,
        @JsonProperty("directive_id") Long directiveId,
        @JsonProperty("directive_seq") Integer directiveSeq,
        @JsonProperty("observed") Boolean observed) {

    public static final String BASELINE = "baseline";
    public static final String SEED = "seed";
    public static final String CHILD = "child";

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** How the search judged the candidate before it was trained. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Screening(@JsonProperty("predicted_mean") Double predictedMean,
                            @JsonProperty("predicted_uncertainty") Double predictedUncertainty,
                            @JsonProperty("score") Double score,
                            @JsonProperty("rank") Integer rank,
                            @JsonProperty("proposed") Integer proposed,
                            @JsonProperty("screened_out") Integer screenedOut) {
    }

    public ResearchRecord {
        references = references == null ? null : List.copyOf(references);
        plan = plan == null ? null : Map.copyOf(plan);
        codingAttempts = codingAttempts == null ? null : List.copyOf(codingAttempts);
        fitness = fitness == null ? null : Map.copyOf(fitness);
        failures = failures == null ? null : Map.copyOf(failures);
    }

    public static ResearchRecord ofRole(String role) {
        return new ResearchRecord(role, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null);
    }

    /** A child or seed made by a search step, with the proposal it tests (null for seeds). */
    public static ResearchRecord proposed(String role, Move move, long searchStep, Proposal p,
                                          List<CodingAttempt> attempts, Screening screening) {
        return new ResearchRecord(role, move == null ? null : move.id(), searchStep,
                p == null ? null : p.direction().summary(), p == null ? null : p.direction().references(),
                p == null ? null : p.metric(), p == null ? null : p.risk(), p == null ? null : p.plan(),
                attempts, screening, null, null, null, null, null, null);
    }

    /** The record stored with {@code e}; an empty one for an experiment without it (an import, say). */
    public static ResearchRecord of(Experiment e) {
        return read(e.extra());
    }

    /** Reads the stored JSON; unreadable or missing JSON reads as an empty record, never an error. */
    public static ResearchRecord read(String json) {
        if (json == null || json.isBlank()) {
            return ofRole(null);
        }
        try {
            ResearchRecord r = JSON.readValue(json, ResearchRecord.class);
            return r == null ? ofRole(null) : r;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return ofRole(null);
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an experiment's research record: " + e.getMessage(), e);
        }
    }

    @JsonIgnore
    public boolean isBaseline() {
        return BASELINE.equals(role);
    }

    @JsonIgnore
    public boolean isObserved() {
        return Boolean.TRUE.equals(observed);
    }

    /** The design move that made the experiment, or null (seeds, the baseline, injected definitions). */
    @JsonIgnore
    public Move designMove() {
        return move == null || move.isBlank() || "null".equals(move) ? null : Move.parse(move);
    }

    /** The fitness measured at {@code stage}, or empty. */
    public java.util.Optional<FitnessScore> fitnessAt(String stage) {
        return fitness == null ? java.util.Optional.empty() : java.util.Optional.ofNullable(fitness.get(stage));
    }

    public ResearchRecord withFitness(String stage, FitnessScore score) {
        Map<String, FitnessScore> f = fitness == null ? new LinkedHashMap<>() : new LinkedHashMap<>(fitness);
        f.put(stage, score);
        return new ResearchRecord(role, move, searchStep, direction, references, metric, risk, plan, codingAttempts,
                screening, judge, f, failures, directiveId, directiveSeq, observed);
    }

    public ResearchRecord withFailure(String stage, String failure) {
        Map<String, String> f = failures == null ? new LinkedHashMap<>() : new LinkedHashMap<>(failures);
        f.put(stage, failure);
        return new ResearchRecord(role, move, searchStep, direction, references, metric, risk, plan, codingAttempts,
                screening, judge, fitness, f, directiveId, directiveSeq, observed);
    }

    public ResearchRecord withJudge(JudgeScore score) {
        return new ResearchRecord(role, move, searchStep, direction, references, metric, risk, plan, codingAttempts,
                screening, score, fitness, failures, directiveId, directiveSeq, observed);
    }

    public ResearchRecord withDirective(long id, int seq) {
        return new ResearchRecord(role, move, searchStep, direction, references, metric, risk, plan, codingAttempts,
                screening, judge, fitness, failures, id, seq, observed);
    }

    public ResearchRecord withCodingAttempts(List<CodingAttempt> attempts) {
        return new ResearchRecord(role, move, searchStep, direction, references, metric, risk, plan, attempts,
                screening, judge, fitness, failures, directiveId, directiveSeq, observed);
    }

    public ResearchRecord markedObserved() {
        return new ResearchRecord(role, move, searchStep, direction, references, metric, risk, plan, codingAttempts,
                screening, judge, fitness, failures, directiveId, directiveSeq, true);
    }
}
