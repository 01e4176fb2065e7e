package archlab.agent.research.offline;

import archlab.agent.research.ResearchContext;
import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.store.Experiment;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Parser;
import archlab.tools.DefinitionChecker;
import archlab.tools.Symptom;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the offline planner and coder read from a context: the definition to edit (the base: the node when
 * its definition checks, else its parent, else the first seed), the node's diagnoses (its symptoms, its family
 * comparisons, and the labels its stored analysis gave), and the words its failure, analysis and retrieved
 * paper symptoms use.
 *
 * @param base       {@code node}, {@code grandparent} or {@code seed:N}: where the edited definition comes from
 * @param source     that definition
 * @param program    its syntax tree
 * @param diagnoses  label → evidence, in the order found
 * @param words      the text design moves' symptom patterns are matched against
 */
record NodeReading(String base, String source, Program program, Map<String, String> diagnoses, String words) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static NodeReading of(ResearchContext ctx, DefinitionChecker checker) {
        Experiment node = ctx.node();
        String base = null;
        String source = null;
        if (node != null && checks(node, checker)) {
            base = "node";
            source = node.definition();
        } else if (ctx.grandparent() != null && checks(ctx.grandparent(), checker)) {
            base = "grandparent";
            source = ctx.grandparent().definition();
        } else {
            for (int i = 0; i < ctx.seeds().size() && source == null; i++) {
                if (checker.check(ctx.seeds().get(i)).ok()) {
                    base = "seed:" + i;
                    source = ctx.seeds().get(i);
                }
            }
        }
        Program program = null;
        if (source != null) {
            try {
                program = Parser.parse(source, "parent.arch");
            } catch (DefinitionException e) {
                program = null;
            }
        }
        Map<String, String> diagnoses = new LinkedHashMap<>();
        StringBuilder words = new StringBuilder();
        if (node != null) {
            String task = Diagnosis.task(ctx.task(), node);
            for (Symptom s : Diagnosis.all(node, ctx.grandparent(), List.of(), task)) {
                diagnoses.putIfAbsent(s.label(), s.evidence());
                words.append(s.evidence()).append(". ");
            }
            for (String label : storedDiagnoses(node.analysis())) {
                diagnoses.putIfAbsent(label, "the analysis of " + node.id() + " says so");
            }
            if (node.failureMessage() != null) {
                words.append(node.failureMessage()).append(". ");
            }
            if (node.analysis() != null) {
                words.append(node.analysis()).append(". ");
            }
        }
        for (PaperIndex.Hit h : ctx.papers()) {
            if (h.matchedSymptom() != null) {
                words.append(h.matchedSymptom()).append(". ");
            }
        }
        return new NodeReading(base, source, program, diagnoses, words.toString());
    }

    boolean editable() {
        return program != null;
    }

    private static boolean checks(Experiment e, DefinitionChecker checker) {
        return e.definition() != null && Experiment.LANGUAGE_ARCHLAB.equals(e.definitionLanguage())
                && checker.check(e.definition()).ok();
    }

    /** The labels of a stored analysis written as JSON with a {@code diagnoses} list; empty otherwise. */
    static List<String> storedDiagnoses(String analysis) {
        List<String> out = new ArrayList<>();
        if (analysis == null || !analysis.strip().startsWith("{")) {
            return out;
        }
        try {
            JsonNode d = JSON.readTree(analysis).get("diagnoses");
            if (d != null && d.isArray()) {
                d.forEach(x -> out.add(x.asText()));
            }
        } catch (java.io.IOException e) {
            return out;
        }
        return out;
    }

    /** The definition a plan's {@code base} names in this context; null when there is none. */
    static String source(ResearchContext ctx, String base) {
        if ("node".equals(base)) {
            return ctx.node() == null ? null : ctx.node().definition();
        }
        if ("grandparent".equals(base)) {
            return ctx.grandparent() == null ? null : ctx.grandparent().definition();
        }
        if (base != null && base.startsWith("seed:")) {
            int i = Integer.parseInt(base.substring(5));
            return i < ctx.seeds().size() ? ctx.seeds().get(i) : null;
        }
        return null;
    }

    /** Who the base is, for titles and the definition's header. */
    static String describe(ResearchContext ctx, String base) {
        if ("node".equals(base) && ctx.node() != null) {
            return ctx.node().name() != null ? ctx.node().name() + " (" + ctx.node().id() + ")" : ctx.node().id();
        }
        if ("grandparent".equals(base) && ctx.grandparent() != null) {
            return ctx.grandparent().id();
        }
        return base;
    }
}
