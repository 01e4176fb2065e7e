package archlab.sandbox;

import archlab.sandbox.graph.ScanForm;
import archlab.sandbox.lang.Diagnostic;
import java.util.List;

/**
 * What {@code archlab check} reports for one file. Counts and hash are null when the file has errors;
 * {@code scans} says which compiled form each scan gets (empty when there are none, or errors).
 */
public record CheckReport(String name, String file, Long params, Double flopsPerToken, String hash,
                          List<Diagnostic> errors, List<Diagnostic> warnings, List<ScanForm.Report> scans) {
    public CheckReport {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
        scans = List.copyOf(scans);
    }

    public CheckReport(String name, String file, Long params, Double flopsPerToken, String hash,
                       List<Diagnostic> errors, List<Diagnostic> warnings) {
        this(name, file, params, flopsPerToken, hash, errors, warnings, List.of());
    }

    public boolean ok() {
        return errors.isEmpty();
    }
}
