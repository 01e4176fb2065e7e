package archlab.tools;

import archlab.knowledge.mining.MinedSubroutine;
import archlab.knowledge.mining.SubroutineStore;
import archlab.knowledge.store.Store;
import archlab.knowledge.store.Subroutine;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Tool: list the mined subroutines a campaign can call (its own and the shared ones; docs/memory.md), best
 * first: by fitness lift (mean fitness with minus without), then support, then name. At most
 * {@value #MAX_LISTED} in the text for models, each block's source cut at {@value #MAX_SOURCE_LINES} lines.
 */
public final class SubroutineCatalog {
    public static final int MAX_LISTED = 10;
    public static final int MAX_SOURCE_LINES = 8;
    public static final int MAX_CHARS = 5000;

    /** A campaign's subroutines in catalogue order. */
    public record Listing(List<Subroutine> subroutines) {
        public Listing {
            subroutines = List.copyOf(subroutines);
        }

        public String render(boolean withSource) {
            BoundedText t = new BoundedText(MAX_CHARS);
            t.line("Mined subroutines: %d", subroutines.size());
            int i = 1;
            for (Subroutine s : subroutines.subList(0, Math.min(MAX_LISTED, subroutines.size()))) {
                MinedSubroutine.Header h = MinedSubroutine.header(s.definition());
                t.line("%d. %s: %s, support %d, mean fitness %s with / %s without, used %d time%s", i++, s.name(),
                        h == null ? "hand-written" : h.ops() + " ops", s.support(),
                        BoundedText.number(s.meanFitnessWith()), BoundedText.number(s.meanFitnessWithout()), s.uses(),
                        s.uses() == 1 ? "" : "s");
                if (withSource) {
                    List<String> lines = s.definition().lines().filter(l -> !l.strip().startsWith("#")).toList();
                    lines.stream().limit(MAX_SOURCE_LINES).forEach(l -> t.line("   " + BoundedText.clip(l, 160)));
                    if (lines.size() > MAX_SOURCE_LINES) {
                        t.line("   … %d more lines", lines.size() - MAX_SOURCE_LINES);
                    }
                }
            }
            if (subroutines.size() > MAX_LISTED) {
                t.line("… %d more subroutines", subroutines.size() - MAX_LISTED);
            }
            return t.toString();
        }
    }

    /** Largest lift first; subroutines without a lift after those with one. */
    static final Comparator<Subroutine> ORDER = Comparator
            .comparing((Subroutine s) -> lift(s) == null)
            .thenComparing(s -> lift(s) == null ? 0 : -lift(s))
            .thenComparing(s -> -s.support())
            .thenComparing(Subroutine::name)
            .thenComparing(Subroutine::id);

    private final Store store;
    private final String campaignId;

    public SubroutineCatalog(Store store, String campaignId) {
        this.store = Objects.requireNonNull(store, "store");
        this.campaignId = campaignId;
    }

    public Listing list() {
        return new Listing(store.subroutines().list(campaignId).stream().sorted(ORDER).toList());
    }

    /** One subroutine by its block name, such as {@code mined_948b3eabbe}. */
    public Optional<Subroutine> byName(String name) {
        return list().subroutines().stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** Mean fitness with minus without; null when either is unknown. */
    public static Double lift(Subroutine s) {
        return s.meanFitnessWith() == null || s.meanFitnessWithout() == null ? null
                : s.meanFitnessWith() - s.meanFitnessWithout();
    }

    /** The ids of the campaign's rows are {@code CAMPAIGN:CODE}; see {@link SubroutineStore#id}. */
    @Tool(name = "list_subroutines", value = "List the mined subroutines (reusable blocks found in this campaign's"
            + " best experiments) with their support, mean fitness with and without them, and their source. A"
            + " definition may call them by name.")
    public String listSubroutines(
            @P(name = "with_source", value = "also print each block's source", required = false) Boolean withSource) {
        return list().render(withSource == null || withSource);
    }
}
