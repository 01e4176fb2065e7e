package archlab.knowledge.transfer;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.Store;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

/**
 * {@code archlab export RUN --format jsonl}: every experiment of a store (or of one campaign), one
 * JSON object per line, oldest first, with its evaluations. The format is the one
 * {@link JsonlImport} reads (docs/store.md), so an export imports again unchanged.
 */
public final class JsonlExport {
    private JsonlExport() {
    }

    /**
     * Writes the experiments of {@code campaignId}, or of every campaign when it is null; returns how
     * many lines were written.
     */
    public static int write(Store store, String campaignId, Writer out) throws IOException {
        ObjectWriter writer = ExperimentLine.JSON.writer().without(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        int lines = 0;
        for (Campaign campaign : campaigns(store, campaignId)) {
            List<String> stages = stageNames(campaign.config());
            for (Experiment e : store.experiments().list(ExperimentQuery.campaign(campaign.id()))) {
                out.write(writer.writeValueAsString(ExperimentLine.toJson(e, campaign.name(), stages,
                        store.evaluations().forExperiment(e.id()), store.notes().forExperiment(e.id()))));
                stages = null;
                out.write('\n');
                lines++;
            }
        }
        out.flush();
        return lines;
    }

    /**
     * The stage names of a campaign's configuration (a campaign file, YAML, or an import's JSON, both
     * with {@code stages: [{name: ...}]}), in order; null when it names none.
     */
    public static List<String> stageNames(String config) {
        if (config == null || config.isBlank()) {
            return null;
        }
        List<String> names = new java.util.ArrayList<>();
        try {
            for (com.fasterxml.jackson.databind.JsonNode s : new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
                    .readTree(config).path("stages")) {
                if (s.hasNonNull("name")) {
                    names.add(s.get("name").asText());
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return names.isEmpty() ? null : names;
    }

    static List<Campaign> campaigns(Store store, String campaignId) {
        if (campaignId == null) {
            return store.campaigns().list();
        }
        return store.campaigns().find(campaignId).map(List::of).orElse(List.of());
    }
}
