package archlab.agent.cli;

import archlab.sandbox.CheckReport;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.compile.CausalityProbe;
import archlab.sandbox.graph.ScanForm;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Diagnostic;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code archlab check FILE... [--json] [--probe]}: parses, validates and shape-checks model definitions and
 * reports their parameter count, FLOPs per token and canonical hash; with {@code --probe}, also runs
 * the empirical causality probe on each valid one (docs/sandbox.md).
 */
@Command(
        name = "check",
        description = {
            "Check model definitions: syntax, names, shapes, causality.",
            "Prints the parameter count, FLOPs per token and canonical hash of each valid file;"
                + " errors and warnings go to stderr as file:line:col: error [code]: message.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every file is valid",
            "1:some file has errors, is missing or unreadable, or (with --probe) is non-causal (empirical)",
            "2:usage error",
        })
final class CheckCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Model definition files (.arch).")
    List<Path> files = new ArrayList<>();

    @Option(names = "--json", description = "Print a JSON object per file (an array for several files) on stdout.")
    boolean json;

    @Option(names = "--probe", description = {
        "Also run the causality probe on each valid file: compile it (seed 0) and check, on random tokens at its"
            + " seq_len, that no position's logits change when only later tokens do, and that a prefix gives"
            + " the logits of the whole sequence cut to that prefix. A failure is an error, 'non-causal (empirical)'."})
    boolean probe;

    @Override
    public Integer call() throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ArrayNode reports = JsonNodeFactory.instance.arrayNode();
        boolean allOk = true;
        for (Path file : files) {
            String fileName = file.toString();
            String source;
            try {
                source = SourceFiles.read(file);
            } catch (InvalidInputException e) {
                allOk = false;
                err.println("archlab: " + e.getMessage());
                err.flush();
                reports.add(unreadable(fileName, e.getMessage()));
                continue;
            }
            CheckReport report = ModelDefinition.check(source, fileName);
            allOk &= report.ok();
            CausalityProbe.Verdict verdict = probe && report.ok() ? probe(source, fileName) : null;
            allOk &= verdict == null || verdict.causal();
            if (json) {
                // Diagnostics are in the JSON; stderr stays free for problems with the command itself.
                ObjectNode node = toJson(report);
                if (verdict != null) {
                    node.set("probe", toJson(verdict));
                }
                reports.add(node);
            } else {
                Diagnostics.print(err, report.errors());
                Diagnostics.print(err, report.warnings());
                if (report.ok()) {
                    out.println(summary(report) + (verdict == null ? "" : "  " + probeSummary(verdict)));
                    if (verdict != null && !verdict.causal()) {
                        err.println(fileName + ": error [non-causal]: " + verdict.message());
                    }
                } else {
                    err.println("failed  " + fileName + "  " + Diagnostics.plural(report.errors().size(), "error")
                            + ", " + Diagnostics.plural(report.warnings().size(), "warning"));
                }
            }
        }
        if (json) {
            out.println(JSON.writeValueAsString(reports.size() == 1 ? reports.get(0) : reports));
        }
        out.flush();
        err.flush();
        return allOk ? ExitCodes.OK : ExitCodes.INVALID_INPUT;
    }

    /** The probe of a file that checked; it parses again because CheckReport keeps no graph. */
    private static CausalityProbe.Verdict probe(String source, String fileName) {
        try {
            return CausalityProbe.probe(ModelDefinition.parse(source, fileName), 0);
        } catch (DefinitionException e) {
            throw new IllegalStateException(fileName + " checked but does not parse again", e);
        }
    }

    /** {@code probe causal (T=128, 14.2 ms)} or {@code probe NON-CAUSAL at position 3}. */
    static String probeSummary(CausalityProbe.Verdict v) {
        return v.causal() ? String.format(Locale.ROOT, "probe causal (T=%d, %.1f ms)", v.seqLen(), v.millis())
                : "probe NON-CAUSAL at position " + v.position();
    }

    static ObjectNode toJson(CausalityProbe.Verdict v) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("causal", v.causal());
        node.put("seq_len", v.seqLen());
        node.put("changed_from", v.changedFrom());
        node.put("prefix", v.prefix());
        node.put("ms", Math.round(v.millis() * 10) / 10.0);
        if (!v.causal()) {
            node.put("failure", v.kind());
            node.put("position", v.position());
            node.put("difference", v.difference());
            node.put("message", v.message());
        }
        return node;
    }

    /** {@code ok  NAME  params 123,456  flops/token 1.23 M  hash 3fa2c1d9e0b1}. */
    static String summary(CheckReport report) {
        String name = report.name() != null && !report.name().isBlank() ? report.name() : report.file();
        String hash = report.hash() == null ? "?" : report.hash().substring(0, Math.min(12, report.hash().length()));
        return "ok  " + name
                + "  params " + (report.params() == null ? "?" : String.format(Locale.ROOT, "%,d", report.params()))
                + "  flops/token " + si(report.flopsPerToken())
                + "  hash " + hash;
    }

    /** 1234567.0 → "1.23 M". */
    static String si(Double value) {
        if (value == null || value.isNaN()) {
            return "?";
        }
        String[] units = {"", " K", " M", " G", " T", " P"};
        double v = value;
        int unit = 0;
        while (Math.abs(v) >= 1000 && unit < units.length - 1) {
            v /= 1000;
            unit++;
        }
        return unit == 0 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f%s", v, units[unit]);
    }

    static ObjectNode toJson(CheckReport report) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("name", report.name());
        node.put("file", report.file());
        node.put("ok", report.ok());
        node.put("params", report.params());
        node.put("flops_per_token", report.flopsPerToken());
        node.put("hash", report.hash());
        node.set("errors", toJson(report.errors()));
        node.set("warnings", toJson(report.warnings()));
        node.set("scans", scansJson(report.scans()));
        return node;
    }

    /** Each scan's compiled form (docs/sandbox.md, "Chunked scans"): affine, delta or sequential, and why. */
    private static ArrayNode scansJson(List<ScanForm.Report> scans) {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        for (ScanForm.Report r : scans) {
            ObjectNode node = array.addObject();
            node.put("location", r.location());
            node.put("scope", r.scope());
            node.put("form", r.form().kind());
            node.put("description", r.form().description());
            if (r.form() instanceof ScanForm.Sequential seq) {
                node.put("reason", seq.reason());
            }
        }
        return array;
    }

    private static ArrayNode toJson(List<Diagnostic> diagnostics) {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        for (Diagnostic d : diagnostics) {
            ObjectNode node = array.addObject();
            node.put("line", d.line());
            node.put("col", d.col());
            node.put("code", d.code());
            node.put("message", d.message());
            ArrayNode trace = node.putArray("trace");
            d.trace().forEach(trace::add);
        }
        return array;
    }

    /** The JSON entry of a file that could not be read: one error at line 0, column 0 (no position). */
    private static ObjectNode unreadable(String fileName, String message) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.putNull("name");
        node.put("file", fileName);
        node.put("ok", false);
        node.putNull("params");
        node.putNull("flops_per_token");
        node.putNull("hash");
        ObjectNode error = node.putArray("errors").addObject();
        error.put("line", 0);
        error.put("col", 0);
        error.put("code", "unreadable-file");
        error.put("message", message);
        error.putArray("trace");
        node.putArray("warnings");
        node.putArray("scans");
        return node;
    }
}
