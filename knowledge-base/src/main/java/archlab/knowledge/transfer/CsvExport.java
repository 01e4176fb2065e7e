package archlab.knowledge.transfer;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.Store;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.Writer;
import java.util.Arrays;
import java.util.List;

/**
 * {@code archlab export RUN --format csv}: one flat row per experiment, for spreadsheets and
 * pandas. Metrics stay a JSON object in one column. Not meant to be imported again (JSONL is).
 */
public final class CsvExport {
    /** The columns, in order. */
    public static final List<String> COLUMNS = List.of("id", "campaign", "parent", "name", "status", "stage", "fitness",
            "params", "flops_per_token", "canonical_hash", "definition_language", "definition_check",
            "hypothesis_title", "failure_kind", "metrics", "created_at");

    private CsvExport() {
    }

    /** Writes a header and a row per experiment of {@code campaignId} (every campaign when null); returns the rows. */
    public static int write(Store store, String campaignId, Writer out) throws IOException {
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        COLUMNS.forEach(schema::addColumn);
        CsvMapper mapper = new CsvMapper();
        int rows = 0;
        try (SequenceWriter w = mapper.writer(schema.build()).without(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                .writeValues(out)) {
            for (Campaign campaign : JsonlExport.campaigns(store, campaignId)) {
                for (Experiment e : store.experiments().list(ExperimentQuery.campaign(campaign.id()))) {
                    w.write(Arrays.asList(e.id(), campaign.name(), e.parentId(), e.name(), e.status().dbValue(),
                            e.stage(), e.fitness(), e.params(), e.flopsPerToken(), e.canonicalHash(),
                            e.definitionLanguage(), e.definitionCheck(), e.hypothesis().title(), e.failureKind(),
                            e.metrics(), e.createdAt() == null ? null : e.createdAt().toString()));
                    rows++;
                }
            }
        }
        out.flush();
        return rows;
    }
}
