package archlab.agent.research;

import archlab.knowledge.store.Hypothesis;

import java.util.Map;
import java.util.Objects;

/**
 * One hypothesis the planner writes: what to try, why, what should change on which metric, and what
 * could go wrong. {@code plan} carries policy-specific instructions for the coder (the offline policy
 * puts its design-move id and arguments there; an LLM planner may leave it empty).
 */
public record Proposal(String title, String motivation, String expectedEffect, String metric, String risk,
                       Direction direction, Map<String, String> plan) {
    public Proposal {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(direction, "direction");
        motivation = motivation == null ? "" : motivation;
        expectedEffect = expectedEffect == null ? "" : expectedEffect;
        metric = metric == null ? "" : metric;
        risk = risk == null ? "" : risk;
        plan = plan == null ? Map.of() : Map.copyOf(plan);
    }

    /** The part the store keeps with the experiment. */
    public Hypothesis hypothesis() {
        String effect = metric.isBlank() ? expectedEffect : expectedEffect + " (metric: " + metric + ")";
        return new Hypothesis(title, motivation, effect);
    }
}
