package archlab.knowledge.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A mined block: its definition in our language, how many experiments contain it ({@code support}),
 * the mean fitness of those that do and of those that do not, and how often proposals have used it
 * since. {@code id} is chosen by the miner (a hash of the subgraph, say), so mining again updates
 * the same row. {@code campaignId} is null for a block shared by every campaign; {@code details} is
 * JSON text for whatever else the miner keeps (the experiments it was found in, the contrast with
 * failures).
 */
public record Subroutine(String id, String campaignId, String name, String definition, int support,
                         Double meanFitnessWith, Double meanFitnessWithout, int uses, String details,
                         Instant createdAt, Instant updatedAt) {
    public Subroutine {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(definition, "definition");
    }
}
