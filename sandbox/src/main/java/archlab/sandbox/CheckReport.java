package archlab.sandbox;

import archlab.sandbox.lang.Diagnostic;
import java.util.List;

/**
 * What {@code archlab check} reports for one file. Counts and hash are null when the file has errors.
 */
public record CheckReport(String name, String file, Long params, Double flopsPerToken, String hash,
                          List<Diagnostic> errors, List<Diagnostic> warnings) {
    public CheckReport {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
    }

    public boolean ok() {
        return errors.isEmpty();
    }
}
