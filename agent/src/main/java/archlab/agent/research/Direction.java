package archlab.agent.research;

import java.util.List;
import java.util.Objects;

/**
 * The planner's first level: how to expand one node. {@code references} name what the direction
 * leans on: experiment ids (recombine), paper-note ids (apply insight), subroutine names (reuse),
 * design-move ids (offline policy); they are recorded so the direction can be audited.
 */
public record Direction(Move move, String summary, List<String> references) {
    public Direction {
        Objects.requireNonNull(move, "move");
        summary = summary == null ? "" : summary;
        references = references == null ? List.of() : List.copyOf(references);
    }
}
