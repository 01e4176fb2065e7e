package archlab.agent.research.offline;

import archlab.agent.research.Move;
import archlab.sandbox.lang.Ast.Program;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One entry of the offline policy's catalogue: a typed graph edit on model definitions, with what it is
 * for. {@code moves} are the research moves it serves; {@code diagnoses} the analyst labels it answers
 * (a REFINE picks among the moves whose diagnoses the parent shows); {@code paperIds} and {@code tags} the
 * paper notes it rests on (an APPLY_INSIGHT picks among the moves whose notes were retrieved); {@code symptoms}
 * a pattern over the words of the node's analysis, failure and retrieved symptoms; {@code keywords} how a
 * user's directive names it. docs/offline-policy.md has the table.
 */
record DesignMove(String id, String summary, String edits, Set<Move> moves, List<String> diagnoses,
                  List<String> paperIds, List<String> tags, Pattern symptoms, Pattern keywords, String rationale,
                  String expected, String risk, Editor editor) {

    /** How the move reads a parent and rewrites it. */
    interface Editor {
        /** The ways this move applies to {@code parent}, in preference order; empty when it does not apply. */
        List<Variant> variants(Program parent, Materials materials);

        /** The child, or a refusal that says why this variant does not apply. */
        Program apply(Program parent, Variant variant, Materials materials) throws EditException;
    }

    DesignMove {
        Objects.requireNonNull(id, "id");
        moves = Set.copyOf(moves);
        diagnoses = List.copyOf(diagnoses);
        paperIds = List.copyOf(paperIds);
        tags = List.copyOf(tags);
    }

    /**
     * The child of {@code parent} under {@code variant}, tidied: no value shadowing a param or block, no value
     * left unread by the edit.
     */
    Program apply(Program parent, Variant variant, Materials materials) throws EditException {
        return Surgery.unshadow(editor.apply(parent, variant, materials));
    }

    /** A proposal title: the move's summary and the variant's phrase. */
    String title(Variant v) {
        return summary + ": " + v.label();
    }
}
