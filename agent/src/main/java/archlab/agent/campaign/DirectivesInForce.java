package archlab.agent.campaign;

import archlab.knowledge.store.Directive;
import archlab.knowledge.store.DirectiveStatus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The standing effect of a campaign's applied directives: the ideas to avoid and to focus on, the
 * pruned branches, the pin, a pending idea, pause, the worker count. The campaign loop owns one,
 * changes it as directives apply, rebuilds it from the store on resume, and asks it about every
 * candidate and expansion. It also counts what each directive did, for {@code /directives}.
 */
final class DirectivesInForce {
    private static final Pattern CALL = Pattern.compile("\\b([A-Za-z_][A-Za-z0-9_]*)\\s*\\(");
    private static final Pattern COUNTED_PART = Pattern.compile("(\\d+) (.+)");

    /** A standing rule and the directive it came from. */
    record Rule(long directive, int seq, String target) {
    }

    private final List<Rule> avoid = new ArrayList<>();
    private final List<Rule> focus = new ArrayList<>();
    /** Pruned experiment id → its rule. */
    private final Map<String, Rule> pruned = new LinkedHashMap<>();
    private Rule pin;
    private Rule idea;
    private String ideaText;
    private boolean paused;
    private Integer workers;
    /** Directive id → counters of what it did, rendered by {@link #effect}. */
    private final Map<Long, Map<String, Integer>> counts = new LinkedHashMap<>();
    private final Map<Long, String> notes = new LinkedHashMap<>();
    private final List<Long> dirty = new ArrayList<>();

    // ---------------------------------------------------------------- changes

    void avoid(Directive d, String target) {
        avoid.add(new Rule(d.id(), d.seq(), target));
    }

    void focus(Directive d, String target) {
        focus.add(new Rule(d.id(), d.seq(), target));
    }

    void prune(Directive d, String experimentId) {
        pruned.put(experimentId, new Rule(d.id(), d.seq(), experimentId));
    }

    void pin(Directive d, String experimentId) {
        pin = new Rule(d.id(), d.seq(), experimentId);
    }

    void unpin() {
        pin = null;
    }

    /** Arms a one-shot idea: the next step expands {@code parentId} with it. */
    void idea(Directive d, String parentId, String text) {
        idea = new Rule(d.id(), d.seq(), parentId);
        ideaText = text;
    }

    void paused(boolean p) {
        paused = p;
    }

    void workers(int n) {
        workers = n;
    }

    /** Withdraws the standing rules of directive {@code seq}; returns what was withdrawn, or empty. */
    Optional<String> revoke(int seq) {
        List<String> gone = new ArrayList<>();
        avoid.removeIf(r -> r.seq() == seq && gone.add("avoid " + r.target()));
        focus.removeIf(r -> r.seq() == seq && gone.add("focus on " + r.target()));
        pruned.values().removeIf(r -> r.seq() == seq && gone.add("prune " + r.target()));
        if (pin != null && pin.seq() == seq) {
            gone.add("pin " + pin.target());
            pin = null;
        }
        return gone.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", gone));
    }

    // ---------------------------------------------------------------- questions

    boolean paused() {
        return paused;
    }

    Integer workers() {
        return workers;
    }

    Rule pin() {
        return pin;
    }

    Rule idea() {
        return idea;
    }

    String ideaText() {
        return ideaText;
    }

    void ideaTaken() {
        idea = null;
        ideaText = null;
    }

    /** The prune rule covering an experiment, given its ancestry from itself up to the root. */
    Optional<Rule> prunedBy(List<String> selfAndAncestors) {
        for (String id : selfAndAncestors) {
            Rule r = pruned.get(id);
            if (r != null) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    boolean anyPruned() {
        return !pruned.isEmpty();
    }

    /**
     * The avoid rule a candidate breaks: its definition uses the op or block (in its graph's ops or the
     * names it calls), or its hypothesis (title, motivation, plan) names the idea.
     */
    Optional<Rule> avoidedBy(String source, Iterable<String> ops, String hypothesis) {
        for (Rule r : avoid) {
            if (uses(r.target(), source, ops, hypothesis)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /** The focus rules a candidate follows. */
    List<Rule> focusedBy(String source, Iterable<String> ops, String hypothesis) {
        List<Rule> out = new ArrayList<>();
        for (Rule r : focus) {
            if (uses(r.target(), source, ops, hypothesis)) {
                out.add(r);
            }
        }
        return out;
    }

    static boolean uses(String target, String source, Iterable<String> ops, String hypothesis) {
        String name = target.toLowerCase(Locale.ROOT).strip().replace(' ', '_');
        for (String op : ops) {
            if (op.toLowerCase(Locale.ROOT).equals(name)) {
                return true;
            }
        }
        if (source != null) {
            Matcher m = CALL.matcher(source);
            while (m.find()) {
                if (m.group(1).toLowerCase(Locale.ROOT).equals(name)) {
                    return true;
                }
            }
        }
        if (hypothesis == null) {
            return false;
        }
        // A theme of several words matches with spaces, underscores or hyphens between them.
        String words = Pattern.quote(target.toLowerCase(Locale.ROOT).strip()).replace(" ", "\\E[ _-]+\\Q");
        return Pattern.compile("(?<![a-z0-9])" + words, Pattern.CASE_INSENSITIVE).matcher(hypothesis).find();
    }

    // ---------------------------------------------------------------- effects

    void count(Rule r, String what) {
        count(r.directive(), what);
    }

    void count(long directive, String what) {
        counts.computeIfAbsent(directive, k -> new LinkedHashMap<>()).merge(what, 1, Integer::sum);
        markDirty(directive);
    }

    void note(long directive, String text) {
        notes.put(directive, text);
        markDirty(directive);
    }

    private void markDirty(long directive) {
        if (!dirty.contains(directive)) {
            dirty.add(directive);
        }
    }

    /** The directives whose effect changed since the last call, and clears the list. */
    List<Long> takeDirty() {
        List<Long> out = List.copyOf(dirty);
        dirty.clear();
        return out;
    }

    /** What a directive has done, in words: "rejected 3 candidates; blocked 1 expansion". */
    String effect(long directive) {
        List<String> parts = new ArrayList<>();
        counts.getOrDefault(directive, Map.of()).forEach((what, n) -> parts.add(n + " " + (n == 1 ? what
                : plural(what))));
        String note = notes.get(directive);
        if (note != null) {
            parts.add(note);
        }
        return String.join("; ", parts);
    }

    /** Restores a directive's counters from its stored effect, so that a resumed campaign counts on. */
    void restore(Directive d) {
        if (d.effect() == null || d.effect().isBlank() || d.status() != DirectiveStatus.APPLIED) {
            return;
        }
        for (String part : d.effect().split("; ")) {
            Matcher m = COUNTED_PART.matcher(part);
            if (m.matches() && COUNTED.containsKey(m.group(2))) {
                counts.computeIfAbsent(d.id(), k -> new LinkedHashMap<>())
                        .put(COUNTED.get(m.group(2)), Integer.parseInt(m.group(1)));
            } else if (m.matches() && COUNTED.containsValue(m.group(2))) {
                counts.computeIfAbsent(d.id(), k -> new LinkedHashMap<>()).put(m.group(2), Integer.parseInt(m.group(1)));
            } else {
                notes.put(d.id(), part);
            }
        }
    }

    /** The counted effects, plural → singular. */
    private static final Map<String, String> COUNTED = Map.of(
            "candidates rejected", "candidate rejected",
            "expansions blocked", "expansion blocked",
            "queued experiments pruned", "queued experiment pruned",
            "steps expanded it", "step expanded it",
            "candidates followed it", "candidate followed it");

    private static String plural(String singular) {
        return COUNTED.entrySet().stream().filter(e -> e.getValue().equals(singular)).map(Map.Entry::getKey)
                .findFirst().orElse(singular);
    }

    static final String REJECTED = "candidate rejected";
    static final String BLOCKED = "expansion blocked";
    static final String DROPPED = "queued experiment pruned";
    static final String EXPANDED = "step expanded it";
    static final String FOLLOWED = "candidate followed it";
}
