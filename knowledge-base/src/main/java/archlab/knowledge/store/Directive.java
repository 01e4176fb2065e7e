package archlab.knowledge.store;

import java.time.Instant;

/**
 * A user's steering message and what it became. {@code seq} numbers a campaign's directives from 1
 * in the order they arrived; a resumed campaign replays them in that order. {@code structured} is the
 * JSON the campaign made of the text; {@code outcome} says what applying it did (or why it could not);
 * {@code effect} what it has done since (candidates it rejected, the experiment it injected, ...).
 */
public record Directive(Long id, String campaignId, int seq, String text, String structured, DirectiveStatus status,
                        String outcome, Instant createdAt, Instant appliedAt, String effect) {
    /** A directive with no recorded effect yet. */
    public Directive(Long id, String campaignId, int seq, String text, String structured, DirectiveStatus status,
                     String outcome, Instant createdAt, Instant appliedAt) {
        this(id, campaignId, seq, text, structured, status, outcome, createdAt, appliedAt, null);
    }
}
