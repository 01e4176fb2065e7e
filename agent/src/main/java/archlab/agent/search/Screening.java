package archlab.agent.search;

import java.util.List;

/**
 * Level 3 of a step: which of the proposed candidates go to evaluation ({@code chosen}, best first) and
 * which were screened out, each with the prediction it was judged by. Proposals the search had already
 * evaluated (or chosen and not yet heard back about) are in neither list: they are {@code duplicates}.
 */
public record Screening(Expansion expansion, List<Screened> chosen, List<Screened> screenedOut, int duplicates) {
    public Screening {
        chosen = List.copyOf(chosen);
        screenedOut = List.copyOf(screenedOut);
    }
}
