package archlab.agent.research;

import java.util.Objects;
import java.util.Optional;

/**
 * The four roles as one policy. {@code name} is what everything prints ({@code offline}, or
 * {@code llm:<planner model>}).
 */
public record ResearchPolicy(String name, Planner planner, Coder coder, Analyst analyst, Judge judge) {
    public ResearchPolicy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(planner, "planner");
        Objects.requireNonNull(coder, "coder");
        Objects.requireNonNull(analyst, "analyst");
    }

    public Optional<Judge> optionalJudge() {
        return Optional.ofNullable(judge);
    }
}
