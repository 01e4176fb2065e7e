package archlab.agent.research.offline;

import archlab.agent.research.Coder;
import archlab.agent.research.Coding;
import archlab.agent.research.CodingAttempt;
import archlab.agent.research.Proposal;
import archlab.agent.research.ResearchContext;
import archlab.agent.research.SmokeTrainer;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Parser;
import archlab.tools.BoundedText;
import archlab.tools.DefinitionChecker;
import archlab.tools.ResearchTools;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The offline coder: applies the proposal's design move to the parent's syntax tree, prints it, and runs the
 * gates in order of cost: parse, check, intent (a new canonical hash, no duplicate of a known experiment, the
 * move's intent visible in the structural diff), then the smoke train. A variant that fails a gate is an
 * attempt with its stage and the error verbatim; the next attempt is the move's next variant, up to the
 * attempt limit. A proposal without a design move (an LLM planner's) is refused with one attempt that says so.
 */
final class OfflineCoder implements Coder {
    private final ResearchTools tools;
    private final SmokeTrainer smoke;
    private final int maxAttempts;

    OfflineCoder(ResearchTools tools, SmokeTrainer smoke, int maxAttempts) {
        this.tools = tools;
        this.smoke = smoke;
        this.maxAttempts = maxAttempts;
    }

    @Override
    public Coding code(ResearchContext ctx, Proposal proposal) {
        Map<String, String> plan = proposal.plan();
        String moveId = plan.get("move");
        String base = plan.get("base");
        if ("seed".equals(moveId)) {
            return seed(ctx, proposal, base);
        }
        DesignMove move = moveId == null ? null : DesignCatalogue.byId(moveId);
        if (move == null) {
            return refused(proposal, "intent", "the offline coder applies design moves of its catalogue, and this"
                    + " proposal names " + (moveId == null ? "none (its plan has no 'move')" : "'" + moveId + "'")
                    + "; known moves: " + String.join(", ", DesignCatalogue.ALL.stream().map(DesignMove::id).toList()));
        }
        String source = NodeReading.source(ctx, base);
        if (source == null) {
            return refused(proposal, "parse", "the plan's base '" + base + "' names no definition in this context");
        }
        Program program;
        try {
            program = Parser.parse(source, "parent.arch");
        } catch (DefinitionException e) {
            return refused(proposal, "parse", "the parent does not parse: " + e.getMessage());
        }
        DefinitionChecker.Check parentCheck = tools.checker().check(source, "parent.arch");
        if (!parentCheck.ok()) {
            return refused(proposal, "check", "the parent does not check: " + parentCheck.firstError());
        }
        ModelDefinition parent = parentCheck.definition();
        Materials materials = Materials.of(ctx);
        Map<String, String> known = OfflinePlanner.knownHashes(ctx);
        String header = "# " + BoundedText.clip(proposal.title(), 200) + "\n";
        List<CodingAttempt> attempts = new ArrayList<>();
        for (Variant v : order(move.editor().variants(program, materials), plan.get("variant"))) {
            if (attempts.size() >= maxAttempts) {
                break;
            }
            int n = attempts.size() + 1;
            String head = header + "# design move " + move.id() + " [" + v.key() + "] on "
                    + NodeReading.describe(ctx, base) + "\n";
            Trial t = Trial.run(move, v, program, parent, materials, tools.checker(), known, head);
            if (!t.ok()) {
                attempts.add(new CodingAttempt(n, t.source(), t.stage(), t.error()));
                continue;
            }
            List<String> twins = tools.similar().similarTo(t.source(), null, 1).duplicates();
            if (!twins.isEmpty()) {
                attempts.add(new CodingAttempt(n, t.source(), "intent", "the child repeats experiment " + twins.get(0)
                        + " of this campaign (equal canonical hash)"));
                continue;
            }
            Optional<String> failure = smoke.smoke(t.source());
            if (failure.isPresent()) {
                attempts.add(new CodingAttempt(n, t.source(), "smoke", failure.get()));
                continue;
            }
            attempts.add(new CodingAttempt(n, t.source(), CodingAttempt.OK, null));
            return new Coding(proposal, t.child(), attempts);
        }
        if (attempts.isEmpty()) {
            attempts.add(new CodingAttempt(1, null, "intent", "the design move " + move.id() + " has no variant that"
                    + " applies to " + NodeReading.describe(ctx, base)));
        }
        return Coding.failed(proposal, attempts);
    }

    /** The proposal's variant first, then the move's other variants in catalogue order. */
    static List<Variant> order(List<Variant> variants, String first) {
        List<Variant> out = new ArrayList<>();
        variants.stream().filter(v -> v.key().equals(first)).forEach(out::add);
        variants.stream().filter(v -> !v.key().equals(first)).forEach(out::add);
        return out;
    }

    private Coding seed(ResearchContext ctx, Proposal proposal, String base) {
        String source = NodeReading.source(ctx, base);
        if (source == null) {
            return refused(proposal, "parse", "the plan's base '" + base + "' names no seed in this context");
        }
        DefinitionChecker.Check check = tools.checker().check(source, "seed.arch");
        if (!check.ok()) {
            return refused(proposal, "check", check.errors().stream().limit(5).map(d -> d.render())
                    .reduce((a, b) -> a + "\n" + b).orElse("the seed does not check"));
        }
        Optional<String> failure = smoke.smoke(source);
        if (failure.isPresent()) {
            return Coding.failed(proposal, List.of(new CodingAttempt(1, source, "smoke", failure.get())));
        }
        return new Coding(proposal, check.definition(), List.of(new CodingAttempt(1, source, CodingAttempt.OK, null)));
    }

    private static Coding refused(Proposal proposal, String stage, String error) {
        return Coding.failed(proposal, List.of(new CodingAttempt(1, null, stage, error)));
    }
}
