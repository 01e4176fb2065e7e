package archlab.agent.research.llm;

import archlab.agent.llm.Llm;
import archlab.agent.llm.Role;
import archlab.agent.research.CodingGate;
import archlab.agent.research.Direction;
import archlab.agent.research.Move;
import archlab.agent.research.Planner;
import archlab.agent.research.Proposal;
import archlab.agent.research.ResearchContext;
import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.similarity.SimilarHit;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.Subroutine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The hierarchical planner on a language model. Level 1 ({@code planner-direction}) turns the move
 * the search chose into a concrete direction for the node; level 2 ({@code planner-hypotheses})
 * writes up to K hypotheses along it, each with a title, motivation, expected effect on a metric,
 * risk, and the ops or blocks the design must contain (which the coding gate then checks).
 */
public final class LlmPlanner implements Planner {
    static final ObjectNode DIRECTION = Schemas.object(
            "summary", Schemas.string("the concrete direction for this node, in two to four sentences"),
            "references", Schemas.strings("ids this direction leans on: experiment ids, paper ids in [brackets] "
                    + "without the brackets, subroutine names; empty when none"));

    static final ObjectNode HYPOTHESES = Schemas.object("hypotheses", Schemas.array(Schemas.object(
                    "title", Schemas.string("a short name for the design change"),
                    "motivation", Schemas.string("why it should work, citing results or papers from the context"),
                    "expected_effect", Schemas.string("what should change, by how much"),
                    "metric", Schemas.string("the metric that should move"),
                    "risk", Schemas.string("what could go wrong"),
                    "requires", Schemas.strings("primitive ops or block names the new definition must contain "
                            + "for the hypothesis to be tested, such as scan, conv1d, short_conv; empty when none")),
            "the hypotheses, most promising first"));

    private final Llm llm;
    private final ContextRendering rendering;
    private final int reasks;

    /** @param reasks how many times a semantically empty reply is asked again (with the problem) */
    public LlmPlanner(Llm llm, ContextRendering rendering, int reasks) {
        this.llm = Objects.requireNonNull(llm, "llm");
        this.rendering = Objects.requireNonNull(rendering, "rendering");
        if (reasks < 0) {
            throw new IllegalArgumentException("reasks must be >= 0, got " + reasks);
        }
        this.reasks = reasks;
    }

    @Override
    public Direction direct(ResearchContext context, Move move) {
        Map<String, String> values = new LinkedHashMap<>(rendering.sections(context));
        values.put("move", move.id());
        JsonNode reply = Exchange.ask(llm, Role.PLANNER, "planner-direction", values, DIRECTION,
                context.campaignId(), null,
                json -> Exchange.text(json, "summary").isEmpty() ? "the summary is empty: describe the direction" : null,
                reasks);
        Set<String> known = knownIds(context);
        List<String> references = new ArrayList<>();
        for (String r : Exchange.strings(reply, "references")) {
            String id = r.replace("[", "").replace("]", "").strip();
            // Only ids the context shows: the direction is audited by them, and an invented one audits nothing.
            if (known.contains(id) && !references.contains(id)) {
                references.add(id);
            }
        }
        return new Direction(move, Exchange.text(reply, "summary"), references);
    }

    @Override
    public List<Proposal> propose(ResearchContext context, Direction direction, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        Map<String, String> values = new LinkedHashMap<>(rendering.sections(context));
        values.put("move", direction.move().id());
        values.put("direction", direction.summary());
        values.put("direction_references", direction.references().isEmpty() ? "none"
                : String.join(", ", direction.references()));
        values.put("k", Integer.toString(k));
        JsonNode reply = Exchange.ask(llm, Role.PLANNER, "planner-hypotheses", values, HYPOTHESES,
                context.campaignId(), null, json -> problem(json), reasks);
        List<Proposal> out = new ArrayList<>();
        Set<String> titles = new HashSet<>();
        for (JsonNode h : reply.get("hypotheses")) {
            if (!usable(h) || !titles.add(Exchange.text(h, "title").toLowerCase(Locale.ROOT))) {
                continue;
            }
            Map<String, String> plan = new LinkedHashMap<>();
            List<String> requires = Exchange.strings(h, "requires");
            if (!requires.isEmpty()) {
                plan.put(CodingGate.REQUIRES, String.join(", ", new LinkedHashSet<>(requires)));
            }
            out.add(new Proposal(Exchange.text(h, "title"), Exchange.text(h, "motivation"),
                    Exchange.text(h, "expected_effect"), Exchange.text(h, "metric"), Exchange.text(h, "risk"),
                    direction, plan));
            if (out.size() == k) {
                break;
            }
        }
        return out;
    }

    /** Why a hypotheses reply is unusable: none with a title and a motivation. */
    private static String problem(JsonNode json) {
        JsonNode list = json.get("hypotheses");
        if (list == null || !list.isArray() || list.isEmpty()) {
            return "the reply has no hypotheses: write at least one";
        }
        for (JsonNode h : list) {
            if (usable(h)) {
                return null;
            }
        }
        return "every hypothesis lacks a title or a motivation: give each a short title and a motivation";
    }

    private static boolean usable(JsonNode h) {
        return h.isObject() && !Exchange.text(h, "title").isEmpty() && !Exchange.text(h, "motivation").isEmpty();
    }

    /** Everything a direction may reference: experiments, paper notes and subroutines in the context. */
    private static Set<String> knownIds(ResearchContext c) {
        Set<String> ids = new HashSet<>();
        if (c.node() != null) {
            ids.add(ContextRendering.handle(c.node()));
        }
        if (c.grandparent() != null) {
            ids.add(ContextRendering.handle(c.grandparent()));
        }
        for (Experiment e : c.siblings()) {
            ids.add(ContextRendering.handle(e));
        }
        for (Experiment e : c.references()) {
            ids.add(ContextRendering.handle(e));
        }
        for (SimilarHit h : c.similar()) {
            ids.add(h.experimentId());
        }
        for (PaperIndex.Hit h : c.papers()) {
            ids.add(h.note().slug());
        }
        for (Subroutine s : c.subroutines()) {
            ids.add(s.name());
        }
        return ids;
    }
}
