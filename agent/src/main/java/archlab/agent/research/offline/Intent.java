package archlab.agent.research.offline;

import archlab.sandbox.graph.DefinitionDiff;
import java.util.List;

/**
 * What the structural diff of a child against its parent must show for an edit to have kept its intent: at
 * least one change matching one of the cues. A cue names an op (as the diff prints it, {@code conv1d}) and/or
 * a part of the block path ({@code delta_rule}); {@code removed} cues match ops the child lost. Together with
 * a canonical hash that differs from the parent's, this is the coder's intent check (docs/offline-policy.md).
 */
record Intent(String description, List<Cue> cues) {
    record Cue(String op, String scope, boolean removed) {
    }

    Intent {
        cues = List.copyOf(cues);
    }

    /** An op added or changed into ({@code op}), anywhere. */
    static Intent adds(String description, String... ops) {
        return new Intent(description, java.util.Arrays.stream(ops).map(o -> new Cue(o, null, false)).toList());
    }

    /** Any change inside a block path that contains {@code scope}. */
    static Intent within(String description, String scope) {
        return new Intent(description, List.of(new Cue(null, scope, false)));
    }

    /** Any change at all (a resize: the hash check alone says the computation changed). */
    static Intent anyChange(String description) {
        return new Intent(description, List.of(new Cue(null, null, false), new Cue(null, null, true)));
    }

    boolean shownBy(DefinitionDiff diff) {
        for (DefinitionDiff.Change c : diff.changes()) {
            for (Cue cue : cues) {
                if (matches(cue, c)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean matches(Cue cue, DefinitionDiff.Change c) {
        boolean lost = c.kind() == DefinitionDiff.Kind.REMOVED;
        if (cue.removed() != lost) {
            return false;
        }
        String op = op(lost ? c.before() : c.after());
        return (cue.op() == null || cue.op().equals(op))
                && (cue.scope() == null || (c.scope() != null && c.scope().contains(cue.scope())));
    }

    /** {@code conv1d(kernel=4)} → {@code conv1d}; {@code const 4} → {@code const}. */
    static String op(String described) {
        if (described == null) {
            return null;
        }
        int end = described.length();
        for (int i = 0; i < described.length(); i++) {
            char ch = described.charAt(i);
            if (ch == '(' || ch == ' ') {
                end = i;
                break;
            }
        }
        return described.substring(0, end);
    }
}
