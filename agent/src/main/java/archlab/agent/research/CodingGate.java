package archlab.agent.research;

import archlab.knowledge.store.Experiment;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.DefinitionDiff;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Diagnostic;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a coder's definition must pass before it is trained, stage by stage; the first stage that
 * fails is reported with an error written for the coder to act on, verbatim.
 * <ol>
 *   <li>{@value #PARSE} and {@value #CHECK}: {@link ModelDefinition#parse}, the same checker as
 *       {@code archlab check}: syntax, names, shapes and causality. Each error keeps its line, column,
 *       op and shapes, and the offending source line is quoted under it with a caret.</li>
 *   <li>{@value #INTENT}: the definition must still be the hypothesis. It must compute something
 *       other than its parent (a different canonical hash and a non-empty structural diff), and
 *       every op or block the proposal's plan lists under {@value #REQUIRES} must be in its graph.</li>
 *   <li>{@value #DUPLICATE}: no experiment of the campaign may have its canonical hash
 *       ({@link NoveltyGate#duplicateOf}).</li>
 *   <li>{@value #SMOKE}: a short training run ({@link SmokeTrainer}).</li>
 * </ol>
 * Intent and novelty come before the smoke run because they cost microseconds and the run seconds.
 */
public final class CodingGate {
    public static final String PARSE = "parse";
    public static final String CHECK = "check";
    public static final String INTENT = "intent";
    public static final String DUPLICATE = "duplicate";
    public static final String SMOKE = "smoke";
    /**
     * The plan key listing what a definition must contain for the hypothesis to be tested: op names
     * ({@code scan}, {@code conv1d}, {@code cumsum}; {@code @} and {@code matmul} are one) or block names
     * ({@code delta_rule}, {@code short_conv}, a block of the definition's own), separated by commas or
     * spaces.
     */
    public static final String REQUIRES = "requires";
    /** The file name errors show for a candidate definition. */
    public static final String FILE = "candidate.arch";

    private static final int MAX_ERRORS = 5;
    private static final Map<String, String> OPERATORS = Map.of("+", "add", "-", "sub", "*", "mul", "/", "div",
            "@", "matmul", "**", "pow");

    /** Where a definition stopped ({@link CodingAttempt#OK} when it passed), the error, and its parsed form. */
    public record Verdict(String stage, String error, ModelDefinition definition) {
        public boolean ok() {
            return CodingAttempt.OK.equals(stage);
        }
    }

    private final SmokeTrainer smoke;
    private final NoveltyGate novelty;

    /**
     * @param smoke   the last stage; {@link SmokeTrainer#SKIP} to stop after the checks
     * @param novelty the campaign's duplicate check; null to skip it
     */
    public CodingGate(SmokeTrainer smoke, NoveltyGate novelty) {
        this.smoke = smoke == null ? SmokeTrainer.SKIP : smoke;
        this.novelty = novelty;
    }

    /** Runs every stage on {@code source}, written for {@code proposal} as a child of {@code context.node()}. */
    public Verdict check(ResearchContext context, Proposal proposal, String source) {
        if (source == null || source.isBlank()) {
            return new Verdict(PARSE, "the definition is empty: write a complete definition with a model(tokens) "
                    + "block that returns [B, T, vocab] logits", null);
        }
        ModelDefinition d;
        try {
            d = ModelDefinition.parse(source, FILE);
        } catch (DefinitionException e) {
            String stage = "syntax".equals(e.first().code()) ? PARSE : CHECK;
            return new Verdict(stage, describe(e.diagnostics(), source), null);
        }
        Optional<String> lostIntent = intent(context, proposal, d);
        if (lostIntent.isPresent()) {
            return new Verdict(INTENT, lostIntent.get(), d);
        }
        if (novelty != null) {
            Optional<Experiment> twin = novelty.duplicateOf(context.campaignId(), d.canonicalHash());
            if (twin.isPresent()) {
                Experiment e = twin.get();
                return new Verdict(DUPLICATE, "this definition computes exactly what experiment " + handle(e)
                        + (e.hypothesis().title() != null ? " (\"" + e.hypothesis().title() + "\")" : "")
                        + " computes (the same canonical hash); it was already tried in this campaign."
                        + " Renaming values, reordering lines or reformatting does not change the architecture:"
                        + " make the structural change the hypothesis describes.", d);
            }
        }
        Optional<String> failure = smoke.smoke(source);
        if (failure.isPresent()) {
            return new Verdict(SMOKE, "a short training run failed: " + failure.get(), d);
        }
        return new Verdict(CodingAttempt.OK, null, d);
    }

    /** Why {@code d} no longer tests the proposal, if it does not. */
    static Optional<String> intent(ResearchContext context, Proposal proposal, ModelDefinition d) {
        Experiment parent = context.node();
        if (parent != null && parent.definition() != null) {
            ModelDefinition before = parseQuietly(parent.definition());
            String parentHash = parent.canonicalHash() != null ? parent.canonicalHash()
                    : before != null ? before.canonicalHash() : null;
            boolean same = d.canonicalHash().equals(parentHash);
            if (!same && before != null) {
                DefinitionDiff diff = ModelDefinition.diff(before, d);
                same = diff.isEmpty();
            }
            if (same) {
                return Optional.of("this definition computes exactly what its parent " + handle(parent)
                        + " computes (the same canonical hash, no structural change), so it cannot test \""
                        + proposal.title() + "\". Renaming values, reordering lines or reformatting does not"
                        + " change the architecture: make the change the hypothesis describes.");
            }
        }
        List<String> required = required(proposal);
        if (!required.isEmpty()) {
            Set<String> ops = new TreeSet<>();
            Set<String> blocks = new TreeSet<>();
            collect(d.graph(), ops, blocks);
            List<String> missing = new ArrayList<>();
            for (String name : required) {
                String op = OPERATORS.getOrDefault(name, name);
                if (!ops.contains(op) && !blocks.contains(name)) {
                    missing.add(name);
                }
            }
            if (!missing.isEmpty()) {
                return Optional.of("the hypothesis \"" + proposal.title() + "\" needs " + String.join(", ", missing)
                        + " in the model, but the definition has no such op and calls no block of that name."
                        + " Ops present: " + String.join(", ", ops) + ". Blocks called: "
                        + (blocks.isEmpty() ? "none" : String.join(", ", blocks)) + ".");
            }
        }
        return Optional.empty();
    }

    /** The names listed under {@value #REQUIRES} in the proposal's plan, in order. */
    static List<String> required(Proposal proposal) {
        String list = proposal.plan().get(REQUIRES);
        if (list == null || list.isBlank()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String s : list.split("[,\\s]+")) {
            String name = s.strip().toLowerCase(Locale.ROOT);
            if (!name.isEmpty() && !out.contains(name)) {
                out.add(name);
            }
        }
        return out;
    }

    /** Every op of the graph and of its scan bodies, and every block the expansion passed through. */
    private static void collect(ArchGraph graph, Set<String> ops, Set<String> blocks) {
        for (OpNode n : graph.nodes()) {
            ops.add(n.op());
            for (String segment : n.scope().split("/")) {
                int bracket = segment.indexOf('[');
                String name = bracket >= 0 ? segment.substring(0, bracket) : segment;
                if (!name.isEmpty()) {
                    blocks.add(name.toLowerCase(Locale.ROOT));
                }
            }
            if (n.body() != null) {
                collect(n.body(), ops, blocks);
            }
        }
        ops.remove("input");
    }

    private static ModelDefinition parseQuietly(String source) {
        try {
            return ModelDefinition.parse(source, FILE);
        } catch (DefinitionException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The checker's errors as the coder sees them: the compiler-style line (file, line, column, code,
     * message with the op and shapes), the block trace, and the source line with a caret.
     */
    static String describe(List<Diagnostic> errors, String source) {
        List<String> lines = source.lines().toList();
        StringBuilder s = new StringBuilder();
        int shown = 0;
        for (Diagnostic d : errors) {
            if (shown == MAX_ERRORS) {
                s.append("\n(").append(errors.size() - shown).append(" more errors not shown)");
                break;
            }
            if (shown > 0) {
                s.append('\n');
            }
            s.append(d.render());
            if (FILE.equals(d.file()) && d.line() >= 1 && d.line() <= lines.size()) {
                String text = lines.get(d.line() - 1);
                String number = String.valueOf(d.line());
                s.append("\n  ").append(number).append(" | ").append(text);
                if (d.col() >= 1) {
                    s.append("\n  ").append(" ".repeat(number.length())).append(" | ")
                     .append(" ".repeat(Math.min(d.col() - 1, text.length()))).append('^');
                }
            }
            shown++;
        }
        return s.toString();
    }

    /** An experiment as the coder's feedback names it: its campaign-local name, as the prompts do. */
    private static String handle(Experiment e) {
        return e.name() != null && !e.name().isBlank() ? e.name() : e.id();
    }
}
