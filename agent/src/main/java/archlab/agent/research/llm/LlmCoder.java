package archlab.agent.research.llm;

import archlab.agent.llm.Llm;
import archlab.agent.llm.LlmException;
import archlab.agent.llm.Role;
import archlab.agent.research.Coder;
import archlab.agent.research.Coding;
import archlab.agent.research.CodingAttempt;
import archlab.agent.research.CodingGate;
import archlab.agent.research.CodingInterruptedException;
import archlab.agent.research.Proposal;
import archlab.agent.research.ResearchContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The coder on a language model. It writes a definition for a proposal ({@code coder-write}), runs
 * it through the {@link CodingGate} (check, intent, novelty, smoke training), and while it fails
 * asks for a repair ({@code coder-repair}) that quotes the failed definition with line numbers and
 * the gate's error verbatim: line, column, op and shapes for a check error, step and op for a smoke
 * failure. At most {@code maxAttempts} definitions are tried; every one is returned as a
 * {@link CodingAttempt}. A blank definition is an attempt that failed at {@code parse} and is
 * repaired like any other.
 *
 * <p>If the model cannot be asked (budget, provider down, no valid reply), the coding stops with a
 * {@link CodingInterruptedException} that carries the attempts made so far.
 */
public final class LlmCoder implements Coder {
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    static final ObjectNode DEFINITION = Schemas.object(
            "definition", Schemas.string("the complete model definition in the archlab language, as plain text"),
            "notes", Schemas.string("one or two sentences on what was written or changed"));

    private final Llm llm;
    private final CodingGate gate;
    private final ContextRendering rendering;
    private final String language;
    private final int maxAttempts;

    /**
     * @param language    the language reference given to the model ({@code prompts/language-cheatsheet.txt})
     * @param maxAttempts definitions tried per proposal, at least 1
     */
    public LlmCoder(Llm llm, CodingGate gate, ContextRendering rendering, String language, int maxAttempts) {
        this.llm = Objects.requireNonNull(llm, "llm");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.rendering = Objects.requireNonNull(rendering, "rendering");
        if (language == null || language.isBlank()) {
            throw new IllegalArgumentException("the coder needs the language reference (prompts/language-cheatsheet.txt)");
        }
        this.language = language;
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
    }

    @Override
    public Coding code(ResearchContext context, Proposal proposal) {
        List<CodingAttempt> attempts = new ArrayList<>();
        try {
            String source = ask("coder-write", writeValues(context, proposal), context);
            for (int n = 1; ; n++) {
                CodingGate.Verdict verdict = gate.check(context, proposal, source);
                attempts.add(new CodingAttempt(n, source, verdict.stage(), verdict.error()));
                if (verdict.ok()) {
                    return new Coding(proposal, verdict.definition(), attempts);
                }
                if (n == maxAttempts) {
                    return Coding.failed(proposal, attempts);
                }
                source = ask("coder-repair", repairValues(context, proposal, attempts.get(n - 1)), context);
            }
        } catch (CodingInterruptedException e) {
            throw e;
        } catch (LlmException e) {
            throw new CodingInterruptedException(Coding.failed(proposal, attempts), e);
        }
    }

    private String ask(String prompt, Map<String, String> values, ResearchContext context) {
        JsonNode reply = Exchange.ask(llm, Role.CODER, prompt, values, DEFINITION, context.campaignId(), null,
                json -> null, 0);
        // Not stripped: the checker's line numbers must count the lines the model wrote.
        JsonNode d = reply.get("definition");
        return unfence(d == null || d.isNull() ? "" : d.asText(""));
    }

    private Map<String, String> writeValues(ResearchContext c, Proposal p) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("task", rendering.task(c));
        v.put("language", language);
        v.put("hypothesis", hypothesis(p));
        v.put("move", p.direction().move().id());
        v.put("direction", p.direction().summary());
        v.put("requires", requires(p));
        v.put("parent", rendering.parent(c));
        v.put("references", rendering.references(c));
        v.put("papers", rendering.papers(c, true));
        v.put("subroutines", rendering.subroutines(c));
        v.put("directives", rendering.directives(c));
        return v;
    }

    private Map<String, String> repairValues(ResearchContext c, Proposal p, CodingAttempt failed) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("language", language);
        v.put("hypothesis", hypothesis(p));
        v.put("requires", requires(p));
        String parent = rendering.parentDefinition(c);
        v.put("parent_definition", parent.isEmpty() ? "(none: this is a new root)" : parent);
        v.put("attempt", Integer.toString(failed.number()));
        v.put("max_attempts", Integer.toString(maxAttempts));
        v.put("stage", failed.stage());
        v.put("error", failed.error() == null ? "" : failed.error());
        v.put("previous_definition", failed.definition() == null || failed.definition().isBlank() ? "(empty)"
                : ContextRendering.numbered(failed.definition()));
        return v;
    }

    static String hypothesis(Proposal p) {
        StringBuilder s = new StringBuilder("Title: ").append(p.title()).append('\n');
        if (!p.motivation().isBlank()) {
            s.append("Motivation: ").append(p.motivation()).append('\n');
        }
        if (!p.expectedEffect().isBlank()) {
            s.append("Expected effect: ").append(p.expectedEffect()).append('\n');
        }
        if (!p.metric().isBlank()) {
            s.append("Metric: ").append(p.metric()).append('\n');
        }
        if (!p.risk().isBlank()) {
            s.append("Risk: ").append(p.risk()).append('\n');
        }
        return s.toString().strip();
    }

    private static String requires(Proposal p) {
        String r = p.plan().get(CodingGate.REQUIRES);
        return r == null || r.isBlank() ? "nothing in particular" : r;
    }

    /** The definition without a Markdown fence around it, which models add even when told not to. */
    static String unfence(String s) {
        String t = s.strip();
        if (!t.startsWith("```")) {
            return s;
        }
        int firstNewline = t.indexOf('\n');
        if (firstNewline < 0) {
            return "";
        }
        t = t.substring(firstNewline + 1);
        int close = t.lastIndexOf("```");
        return close >= 0 ? t.substring(0, close) : t;
    }
}
