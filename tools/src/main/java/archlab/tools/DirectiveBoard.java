package archlab.tools;

import archlab.knowledge.store.Directive;
import archlab.knowledge.store.DirectiveStatus;
import archlab.knowledge.store.Store;
import dev.langchain4j.agent.tool.Tool;
import java.util.List;
import java.util.Objects;

/**
 * Tool: the user's steering directives that are in force for a campaign: the pending ones (arrived, not yet
 * applied) and the applied ones, in arrival order; rejected ones are left out. At most {@value #MAX_LISTED}
 * in the text for models, the most recent kept when there are more.
 */
public final class DirectiveBoard {
    public static final int MAX_LISTED = 20;
    public static final int MAX_CHARS = 4000;

    /** The directives in force, oldest first. */
    public record Active(List<Directive> directives) {
        public Active {
            directives = List.copyOf(directives);
        }

        public List<Directive> pending() {
            return directives.stream().filter(d -> d.status() == DirectiveStatus.PENDING).toList();
        }

        public String render() {
            BoundedText t = new BoundedText(MAX_CHARS);
            t.line("Active directives: %d (%d pending)", directives.size(), pending().size());
            int from = Math.max(0, directives.size() - MAX_LISTED);
            if (from > 0) {
                t.line("… %d older directives left out", from);
            }
            for (Directive d : directives.subList(from, directives.size())) {
                t.line("#%d %s: %s", d.seq(), d.status().dbValue(), BoundedText.clip(d.text(), 300));
                if (d.outcome() != null && !d.outcome().isBlank()) {
                    t.line("   became: %s", BoundedText.clip(d.outcome(), 200));
                }
            }
            return t.toString();
        }
    }

    private final Store store;
    private final String campaignId;

    public DirectiveBoard(Store store, String campaignId) {
        this.store = Objects.requireNonNull(store, "store");
        this.campaignId = Objects.requireNonNull(campaignId, "campaignId");
    }

    public Active active() {
        return new Active(store.directives().list(campaignId).stream()
                .filter(d -> d.status() == DirectiveStatus.PENDING || d.status() == DirectiveStatus.APPLIED).toList());
    }

    @Tool(name = "list_directives", value = "List the user's steering directives in force for this campaign (pending"
            + " and applied), oldest first. Proposals must respect them.")
    public String listDirectives() {
        return active().render();
    }
}
