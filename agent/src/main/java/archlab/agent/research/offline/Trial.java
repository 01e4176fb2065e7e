package archlab.agent.research.offline;

import archlab.agent.research.CodingAttempt;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.DefinitionDiff;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Parser;
import archlab.sandbox.lang.Printer;
import archlab.tools.BoundedText;
import archlab.tools.DefinitionChecker;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One design move applied to a parent and run through the static gates: the edit, the printed source
 * parsing again, the checker, and the intent check (a new canonical hash, no duplicate of a known
 * experiment, and the move's intent visible in the structural diff). The coder runs the smoke train after.
 *
 * @param source the printed child with its header comment, or null when the edit was refused
 * @param child  the checked child, or null
 * @param stage  {@link CodingAttempt#OK} when every gate passed, else where it stopped
 * @param error  what went wrong, verbatim, or null
 */
record Trial(String source, ModelDefinition child, String stage, String error) {

    boolean ok() {
        return CodingAttempt.OK.equals(stage);
    }

    /**
     * @param parent  the checked parent definition
     * @param known   canonical hashes of experiments the child must not repeat, with a name for each
     * @param header  comment lines to put above the printed child (the design move and where it came from)
     */
    static Trial run(DesignMove move, Variant variant, Program parentProgram, ModelDefinition parent,
                     Materials materials, DefinitionChecker checker, Map<String, String> known, String header) {
        Program program;
        try {
            program = move.apply(parentProgram, variant, materials);
        } catch (EditException e) {
            return new Trial(null, null, "intent", "the edit " + move.id() + " [" + variant.key()
                    + "] does not apply to this parent: " + e.getMessage());
        }
        String source = header + Printer.print(program);
        try {
            Parser.parse(source, "child.arch");
        } catch (DefinitionException e) {
            return new Trial(source, null, "parse", e.getMessage());
        }
        DefinitionChecker.Check check = checker.check(source, "child.arch");
        if (!check.ok()) {
            return new Trial(source, null, "check", check.errors().stream().limit(5)
                    .map(d -> d.render()).collect(Collectors.joining("\n")));
        }
        ModelDefinition child = check.definition();
        if (child.canonicalHash().equals(parent.canonicalHash())) {
            return new Trial(source, child, "intent", "the child computes exactly what the parent computes (equal"
                    + " canonical hash): the edit " + move.id() + " [" + variant.key() + "] changed nothing");
        }
        String twin = known.get(child.canonicalHash());
        if (twin != null) {
            return new Trial(source, child, "intent", "the child repeats " + twin + " (equal canonical hash)");
        }
        DefinitionDiff diff = ModelDefinition.diff(parent, child);
        if (!variant.intent().shownBy(diff)) {
            return new Trial(source, child, "intent", "the diff against the parent does not show " + variant.intent()
                    .description() + "; it shows:\n" + BoundedText.clip(DefinitionChecker.diff(parent, child).render(),
                    800));
        }
        return new Trial(source, child, CodingAttempt.OK, null);
    }
}
