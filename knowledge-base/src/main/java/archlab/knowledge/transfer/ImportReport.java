package archlab.knowledge.transfer;

import archlab.knowledge.store.Campaign;
import java.util.List;

/**
 * What {@code archlab import} loaded: the new campaign, how many experiments and evaluations, how
 * the definitions fared ({@code trainable}: ours and checked; {@code invalid}: ours but they do not
 * check; {@code duplicates}: ours, but the same canonical hash as an earlier line; {@code foreign}:
 * another language, kept as text; {@code withoutDefinition}), warnings that did not stop it
 * (such as a parent that is not in the file), and how long it took.
 */
public record ImportReport(Campaign campaign, int experiments, int evaluations, int trainable, int invalid,
                           int duplicates, int foreign, int withoutDefinition, List<String> warnings, long millis) {
    public ImportReport {
        warnings = List.copyOf(warnings);
    }
}
