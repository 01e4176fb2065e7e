package archlab.agent.campaign;

import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.Store;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Compares two runs of one campaign file, experiment by experiment in the order they were made: the
 * name (number and title), the design (canonical hash), status, stage, metrics (exactly, as stored)
 * and fitness. Two runs of a deterministic campaign on one machine, at equal thread counts, agree on
 * all of it; the first place they do not is where to look.
 */
public final class CampaignReplay {
    private CampaignReplay() {
    }

    /** The first difference between the two campaigns, in words; empty when they made the same experiments. */
    public static Optional<String> firstDivergence(Store original, String originalId, Store replay, String replayId) {
        List<Experiment> a = inOrder(original, originalId);
        List<Experiment> b = inOrder(replay, replayId);
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            Experiment x = a.get(i);
            Experiment y = b.get(i);
            String field = differs(x, y);
            if (field != null) {
                return Optional.of(String.format("experiment %d differs in its %s: the original %s (%s) against the"
                        + " replay's %s (%s)", i + 1, field, x.name(), describe(x, field), y.name(), describe(y, field)));
            }
        }
        if (a.size() != b.size()) {
            List<Experiment> longer = a.size() > b.size() ? a : b;
            return Optional.of(String.format("the original made %d experiments and the replay %d; the first extra one"
                    + " is %s", a.size(), b.size(), longer.get(Math.min(a.size(), b.size())).name()));
        }
        Optional<Experiment> wa = Standings.read(original, originalId).best();
        Optional<Experiment> wb = Standings.read(replay, replayId).best();
        if (!Objects.equals(wa.map(Experiment::name), wb.map(Experiment::name))) {
            return Optional.of("the winners differ: " + wa.map(Experiment::name).orElse("none") + " against "
                    + wb.map(Experiment::name).orElse("none"));
        }
        return Optional.empty();
    }

    /** The campaign's experiments in the order they were made (their number), then by id. */
    static List<Experiment> inOrder(Store store, String campaignId) {
        return store.experiments().list(ExperimentQuery.campaign(campaignId)).stream()
                .sorted(Comparator.comparingInt(Roster::sequenceOf).thenComparing(Experiment::id))
                .toList();
    }

    private static String differs(Experiment x, Experiment y) {
        if (!Objects.equals(x.name(), y.name())) {
            return "name";
        }
        if (!Objects.equals(x.canonicalHash(), y.canonicalHash())) {
            return "design";
        }
        if (x.status() != y.status()) {
            return "status";
        }
        if (!Objects.equals(x.stage(), y.stage())) {
            return "stage";
        }
        if (!Objects.equals(x.metrics(), y.metrics())) {
            return "metrics";
        }
        if (!Objects.equals(x.fitness(), y.fitness())) {
            return "fitness";
        }
        return null;
    }

    private static String describe(Experiment e, String field) {
        return switch (field) {
            case "design" -> "hash " + e.canonicalHash();
            case "status" -> e.status().dbValue() + (e.failureKind() == null ? "" : ", " + e.failureKind() + ": "
                    + e.failureMessage());
            case "stage" -> "stage " + e.stage();
            case "metrics" -> e.metrics();
            case "fitness" -> "fitness " + e.fitness();
            default -> e.hypothesis().title();
        };
    }
}
