package archlab.agent.research.llm;

import archlab.agent.llm.Llm;
import archlab.agent.llm.Role;
import archlab.agent.research.Analysis;
import archlab.agent.research.Analyst;
import archlab.agent.research.ResearchContext;
import archlab.knowledge.store.Experiment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The analyst on a language model ({@code analyst}). It reads a result against its parent (the
 * context's node), its grandparent and its two best siblings, with the paper notes the context
 * retrieved, and writes a structured analysis: design evaluation, results, expectation versus
 * reality, explanation, a reusable insight, the paper ids it rests on and short diagnosis labels.
 * Paper ids are kept only when the context showed them, so an insight never links a note nobody
 * retrieved. A reply without results or explanation is asked again, then fails as {@code malformed}.
 */
public final class LlmAnalyst implements Analyst {
    /** Siblings the analyst compares with, best first. */
    public static final int SIBLINGS = 2;

    static final ObjectNode ANALYSIS = Schemas.object(
            "design_evaluation", Schemas.string("is the design a sound test of its hypothesis"),
            "results", Schemas.string("what was measured, with numbers, against the parent and siblings"),
            "expectation_vs_reality", Schemas.string("the expected effect against what happened"),
            "explanation", Schemas.string("why it happened, mechanistically"),
            "insight", Schemas.string("the reusable lesson for later designs, one or two sentences"),
            "paper_ids", Schemas.strings("ids of the paper notes from the context the analysis rests on"),
            "diagnoses", Schemas.strings("short kebab-case labels, such as diverged-after-warmup or recall-limited"));

    private final Llm llm;
    private final ContextRendering rendering;
    private final int reasks;

    public LlmAnalyst(Llm llm, ContextRendering rendering, int reasks) {
        this.llm = Objects.requireNonNull(llm, "llm");
        this.rendering = Objects.requireNonNull(rendering, "rendering");
        if (reasks < 0) {
            throw new IllegalArgumentException("reasks must be >= 0, got " + reasks);
        }
        this.reasks = reasks;
    }

    @Override
    public Analysis analyse(ResearchContext context, Experiment result) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("task", rendering.task(context));
        values.put("experiment", rendering.experiment(result, context.node(), context.task()));
        values.put("parent", rendering.parent(context));
        values.put("family", rendering.family(context, result.id(), SIBLINGS));
        values.put("papers", rendering.papers(context, false));
        JsonNode reply = Exchange.ask(llm, Role.ANALYST, "analyst", values, ANALYSIS, context.campaignId(),
                result.id(), LlmAnalyst::problem, reasks);
        Set<String> retrieved = context.papers().stream().map(h -> h.note().slug()).collect(Collectors.toSet());
        List<String> papers = new ArrayList<>();
        for (String id : Exchange.strings(reply, "paper_ids")) {
            String slug = id.replace("[", "").replace("]", "").strip();
            if (retrieved.contains(slug) && !papers.contains(slug)) {
                papers.add(slug);
            }
        }
        return new Analysis(Exchange.text(reply, "design_evaluation"), Exchange.text(reply, "results"),
                Exchange.text(reply, "expectation_vs_reality"), Exchange.text(reply, "explanation"),
                Exchange.text(reply, "insight"), papers, Exchange.strings(reply, "diagnoses"));
    }

    private static String problem(JsonNode json) {
        if (Exchange.text(json, "results").isEmpty() || Exchange.text(json, "explanation").isEmpty()) {
            return "the results and the explanation must not be empty: state what was measured and why it happened";
        }
        return null;
    }
}
