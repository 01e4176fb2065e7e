package archlab.agent.research;

import java.util.List;

/**
 * The analyst's structured reading of one result against its parent, grandparent and best siblings.
 * {@code insight} is the reusable lesson (stored as an insight when not blank); {@code paperIds} the
 * notes it rests on; {@code diagnoses} short rule or model labels such as {@code diverged-after-warmup}.
 */
public record Analysis(String designEvaluation, String results, String expectationVsReality, String explanation,
                       String insight, List<String> paperIds, List<String> diagnoses) {
    public Analysis {
        paperIds = paperIds == null ? List.of() : List.copyOf(paperIds);
        diagnoses = diagnoses == null ? List.of() : List.copyOf(diagnoses);
    }
}
