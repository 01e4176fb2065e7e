package archlab.agent.campaign;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.LlmCalls;
import archlab.knowledge.store.StageScores;
import archlab.knowledge.store.Store;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a campaign stands, read from the store: what status, how many experiments in each state,
 * the ranking, the baseline and the LLM spend. The CLI's status, leaderboard and report use it; it
 * reads only, so it works on running, finished and imported campaigns alike.
 *
 * <p>Ranking: {@link StageScores#ranking}, the one rule every front end uses (later stage first, then
 * fitness at that stage). The baseline and failed experiments are not ranked.
 */
public record Standings(Campaign campaign, List<String> stages, Map<ExperimentStatus, Long> counts,
                        List<Experiment> ranked, Experiment baseline, List<Experiment> finished,
                        LlmCalls.Spend llm) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static Standings read(Store store, String campaignId) {
        Campaign c = store.campaigns().find(campaignId)
                .orElseThrow(() -> new IllegalArgumentException("no campaign " + campaignId + " in " + store.url()));
        List<String> stages = stageNames(c.config());
        Map<ExperimentStatus, Long> counts = store.experiments().countByStatus(campaignId);
        List<Experiment> all = store.experiments().list(ExperimentQuery.campaign(campaignId));
        Experiment baseline = null;
        List<Experiment> ranked = new ArrayList<>();
        List<Experiment> finished = new ArrayList<>();
        for (Experiment e : all) {
            if (isBaseline(e)) {
                baseline = e;
                continue;
            }
            if (e.status().isMeasured()) {
                finished.add(e);
            }
            if (e.status() == ExperimentStatus.DONE && e.fitness() != null && Double.isFinite(e.fitness())) {
                ranked.add(e);
            }
        }
        ranked.sort(StageScores.ranking(stages, Experiment::stage, Experiment::fitness, Experiment::id));
        finished.sort(Comparator.comparing(Experiment::updatedAt, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(Experiment::id));
        return new Standings(c, stages, counts, ranked, baseline, finished, store.llmCalls().spend(campaignId));
    }

    public Optional<Experiment> best() {
        return ranked.isEmpty() ? Optional.empty() : Optional.of(ranked.get(0));
    }

    public long count(ExperimentStatus s) {
        return counts.getOrDefault(s, 0L);
    }

    public long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** An experiment's JSON {@code extra}, or an empty object. */
    public static JsonNode extra(Experiment e) {
        if (e.extra() == null || e.extra().isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(e.extra());
        } catch (Exception ex) {
            return JSON.createObjectNode();
        }
    }

    public static boolean isBaseline(Experiment e) {
        return "baseline".equals(extra(e).path("role").asText());
    }

    /** The stage names in order, from the campaign file the campaign was started with. */
    static List<String> stageNames(String config) {
        List<String> names = new ArrayList<>();
        try {
            JsonNode root = config == null ? null : new YAMLMapper().readTree(config);
            for (JsonNode s : root == null ? JSON.createArrayNode() : root.path("stages")) {
                if (s.hasNonNull("name")) {
                    names.add(s.get("name").asText());
                }
            }
        } catch (Exception e) {
            // An imported or hand-edited config: rank without stage order.
        }
        if (names.isEmpty()) {
            names.add("explore");
        }
        return names;
    }

    static int stageIndex(List<String> stages, String stage) {
        int i = stages.indexOf(stage);
        return i < 0 ? -1 : i;
    }
}
