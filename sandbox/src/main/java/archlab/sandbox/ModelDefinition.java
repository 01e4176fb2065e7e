package archlab.sandbox;

import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.CanonicalHash;
import archlab.sandbox.graph.Cost;
import archlab.sandbox.graph.DefinitionDiff;
import archlab.sandbox.graph.DotRenderer;
import archlab.sandbox.graph.Elaborator;
import archlab.sandbox.graph.ScanForm;
import archlab.sandbox.lang.Ast.Num;
import archlab.sandbox.lang.Ast.Param;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Diagnostic;
import archlab.sandbox.lang.Library;
import archlab.sandbox.lang.Parser;
import archlab.sandbox.lang.Primitives;
import archlab.sandbox.lang.Printer;
import archlab.sandbox.lang.StandardLibrary;
import archlab.sandbox.lang.Validator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A checked model definition: its source, syntax tree and graph, with the figures everything else
 * reads (parameters, FLOPs per token, canonical hash). Immutable. Obtain one with {@link #parse}.
 */
public final class ModelDefinition {
    private final String source;
    private final String file;
    private final Program program;
    private final ArchGraph graph;
    private final List<Diagnostic> warnings;
    private final int seqLen;
    private String hash;

    private ModelDefinition(String source, String file, Program program, ArchGraph graph, List<Diagnostic> warnings,
                            int seqLen) {
        this.source = source;
        this.file = file;
        this.program = program;
        this.graph = graph;
        this.warnings = List.copyOf(warnings);
        this.seqLen = seqLen;
    }

    /** Parses and checks a definition with the standard library and the file's own vocab and seq_len. */
    public static ModelDefinition parse(String source, String file) throws DefinitionException {
        return parse(source, file, StandardLibrary.library(), Map.of());
    }

    /**
     * Parses and checks a definition.
     *
     * @param library   the blocks it may call besides its own (the standard library, mined subroutines)
     * @param overrides built-in params set by the task, {@code vocab} and {@code seq_len}
     */
    public static ModelDefinition parse(String source, String file, Library library, Map<String, Integer> overrides)
            throws DefinitionException {
        for (String key : overrides.keySet()) {
            if (!Primitives.BUILTIN_PARAMS.containsKey(key)) {
                throw new IllegalArgumentException("only built-in params can be overridden, not " + key);
            }
        }
        Program program = Parser.parse(source, file);
        List<Diagnostic> findings = Validator.validate(program, file, library);
        if (findings.stream().anyMatch(Diagnostic::isError)) {
            throw new DefinitionException(findings.stream().filter(Diagnostic::isError).toList());
        }
        Elaborator.Result expanded = Elaborator.elaborate(program, file, library, overrides);
        return new ModelDefinition(source, file, program, expanded.graph(), findings, expanded.seqLen());
    }

    /**
     * The same definition with some of its own params set to other values, as fidelity stages do
     * ("explore at d = 32"). Comments and layout are not kept: the result is for training, while the
     * experiment keeps the text that was written.
     *
     * @throws DefinitionException when the source does not parse
     * @throws IllegalArgumentException naming a param the definition does not declare
     */
    public static String withParams(String source, String file, Map<String, Integer> values) throws DefinitionException {
        if (values.isEmpty()) {
            return source;
        }
        Program program = Parser.parse(source, file);
        Set<String> declared = new HashSet<>();
        List<Param> params = new ArrayList<>();
        for (Param p : program.params()) {
            declared.add(p.name());
            Integer v = values.get(p.name());
            params.add(v == null ? p : new Param(p.name(), new Num(v, true, p.value().pos()), p.pos()));
        }
        List<String> unknown = values.keySet().stream().filter(k -> !declared.contains(k)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(file + " declares no param " + String.join(", ", unknown)
                    + "; its params are " + String.join(", ", new TreeSet<>(declared)));
        }
        return Printer.print(new Program(program.arch(), params, program.blocks(), program.model()));
    }

    /** Checks a definition and reports, never throwing for a bad definition. */
    public static CheckReport check(String source, String file) {
        try {
            ModelDefinition d = parse(source, file);
            return new CheckReport(d.name(), file, d.parameterCount(), d.flopsPerToken(), d.canonicalHash(),
                    List.of(), d.warnings(), ScanForm.reportAll(d.graph()));
        } catch (DefinitionException e) {
            return new CheckReport(nameOf(source), file, null, null, null, e.diagnostics(), List.of());
        }
    }

    /** The structural difference between two definitions, in terms a person reads. */
    public static DefinitionDiff diff(ModelDefinition before, ModelDefinition after) {
        return DefinitionDiff.between(before.graph, after.graph);
    }

    private static String nameOf(String source) {
        for (String line : source.lines().toList()) {
            String t = line.strip();
            if (t.startsWith("arch ") && t.length() > 5) {
                return t.substring(5).strip().split("\\s+")[0];
            }
        }
        return null;
    }

    /** The name after {@code arch}, or the file name without extension when there is none. */
    public String name() {
        if (program.arch() != null) {
            return program.arch();
        }
        String base = file.substring(file.lastIndexOf('/') + 1);
        return base.endsWith(".arch") ? base.substring(0, base.length() - 5) : base;
    }

    public String source() {
        return source;
    }

    public String file() {
        return file;
    }

    public Program program() {
        return program;
    }

    public ArchGraph graph() {
        return graph;
    }

    public List<Diagnostic> warnings() {
        return warnings;
    }

    public long parameterCount() {
        return Cost.parameters(graph);
    }

    /** Forward FLOPs per token at the definition's sequence length ({@code seq_len}). */
    public double flopsPerToken() {
        return Cost.flopsPerToken(graph, seqLen);
    }

    /** SHA-256 of the canonical graph: equal for definitions that differ only in names, order or layout. */
    public String canonicalHash() {
        if (hash == null) {
            hash = CanonicalHash.of(graph);
        }
        return hash;
    }

    /** The graph as Graphviz DOT. */
    /** The built-in {@code seq_len} it was checked with: the file's own, or the task's override. */
    public int seqLen() {
        return seqLen;
    }

    public String toDot() {
        return DotRenderer.render(graph, name());
    }
}
