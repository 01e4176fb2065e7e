package archlab.agent.research.llm;

import archlab.agent.llm.Llm;
import archlab.agent.llm.Role;
import archlab.agent.research.Judge;
import archlab.agent.research.JudgeScore;
import archlab.agent.research.ResearchContext;
import archlab.knowledge.store.Experiment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The judge on a language model ({@code judge}): novelty, complexity and soundness of one experiment,
 * each in [0, 1], with a rationale. Scores outside [0, 1] or a blank rationale are asked again, then
 * fail as {@code malformed}. The scores are kept apart from measured fitness.
 */
public final class LlmJudge implements Judge {
    static final ObjectNode SCORE = Schemas.object(
            "novelty", Schemas.unit("0: a known design restated; 1: an idea not in the context or the literature"),
            "complexity", Schemas.unit("0: a minimal change; 1: a large, intricate design"),
            "soundness", Schemas.unit("0: the design cannot test its hypothesis; 1: a clean, well-founded test"),
            "rationale", Schemas.string("two to four sentences justifying the three scores"));

    private final Llm llm;
    private final ContextRendering rendering;
    private final int reasks;

    public LlmJudge(Llm llm, ContextRendering rendering, int reasks) {
        this.llm = Objects.requireNonNull(llm, "llm");
        this.rendering = Objects.requireNonNull(rendering, "rendering");
        if (reasks < 0) {
            throw new IllegalArgumentException("reasks must be >= 0, got " + reasks);
        }
        this.reasks = reasks;
    }

    @Override
    public JudgeScore judge(ResearchContext context, Experiment experiment) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("task", rendering.task(context));
        values.put("experiment", rendering.experiment(experiment, context.node(), context.task()));
        values.put("parent", rendering.parent(context));
        values.put("similar", rendering.similar(context));
        JsonNode reply = Exchange.ask(llm, Role.JUDGE, "judge", values, SCORE, context.campaignId(),
                experiment.id(), LlmJudge::problem, reasks);
        return new JudgeScore(reply.get("novelty").asDouble(), reply.get("complexity").asDouble(),
                reply.get("soundness").asDouble(), Exchange.text(reply, "rationale"));
    }

    private static String problem(JsonNode json) {
        for (String key : new String[] {"novelty", "complexity", "soundness"}) {
            JsonNode v = json.get(key);
            if (v == null || !v.isNumber() || !(v.asDouble() >= 0 && v.asDouble() <= 1)) {
                return key + " must be a number in [0, 1], was " + (v == null ? "missing" : v.toString());
            }
        }
        if (Exchange.text(json, "rationale").isEmpty()) {
            return "the rationale is empty: justify the scores";
        }
        return null;
    }
}
