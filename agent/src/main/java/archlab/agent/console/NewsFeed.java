package archlab.agent.console;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Directive;
import archlab.knowledge.store.DirectiveStatus;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Store;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What changed in the campaign since the last look, as lines for the console: experiments that
 * finished ("e57 done: accuracy 0.8300 at explore, +4.0 % over its parent e41"), directives the
 * campaign applied or rejected, and the campaign's status. The first look only takes note of what is
 * already there, so attaching to a long campaign does not replay its history.
 */
final class NewsFeed {
    private final Store store;
    private final String campaignId;
    private final Set<String> seen = new HashSet<>();
    private final Map<Long, DirectiveStatus> directives = new HashMap<>();
    private CampaignStatus status;
    private Instant lastChange;

    NewsFeed(Store store, String campaignId) {
        this.store = store;
        this.campaignId = campaignId;
        poll();
    }

    /** The news since the last call, oldest first. */
    List<String> poll() {
        boolean first = status == null;
        List<String> out = new ArrayList<>();
        // Listing the finished experiments is the costly read; skip it while nothing has changed.
        Instant changed = store.experiments().lastChange(campaignId);
        boolean experimentsChanged = first || !java.util.Objects.equals(changed, lastChange);
        lastChange = changed;
        List<Experiment> finished = !experimentsChanged ? List.of() : store.experiments().list(
                ExperimentQuery.campaign(campaignId).statuses(ExperimentStatus.DONE, ExperimentStatus.FAILED,
                        ExperimentStatus.PARTIAL, ExperimentStatus.PRUNED));
        for (Experiment e : finished) {
            String key = e.id() + "@" + e.stage() + "@" + e.status();
            if (seen.add(key) && !first) {
                out.add(line(e));
            }
        }
        for (Directive d : store.directives().list(campaignId)) {
            DirectiveStatus before = directives.put(d.id(), d.status());
            if (!first && before != d.status() && d.status() != DirectiveStatus.PENDING) {
                out.add("directive #" + d.seq() + " " + d.status().dbValue()
                        + (d.outcome() == null ? "" : ": " + CampaignAnswers.clip(d.outcome(), 200)));
            }
        }
        Campaign c = store.campaigns().find(campaignId).orElse(null);
        if (c != null && c.status() != status) {
            if (!first) {
                out.add("campaign is now " + c.status().dbValue());
            }
            status = c.status();
        }
        return out;
    }

    private String line(Experiment e) {
        String name = e.name() == null ? e.id() : e.name();
        if (e.status() == ExperimentStatus.PRUNED) {
            return name + " pruned";
        }
        if (e.status() == ExperimentStatus.PARTIAL) {
            return name + " stopped early (partial, not ranked): " + (e.failureKind() == null ? "" : e.failureKind() + ", ")
                    + CampaignAnswers.clip(e.failureMessage(), 160);
        }
        if (e.status() == ExperimentStatus.FAILED) {
            return name + " failed: " + (e.failureKind() == null ? "" : e.failureKind() + ", ")
                    + CampaignAnswers.clip(e.failureMessage(), 160);
        }
        JsonNode s = CampaignAnswers.score(e, e.stage());
        if (s == null) {
            return name + " done" + (e.stage() == null ? "" : " at " + e.stage())
                    + (e.fitness() == null ? "" : String.format(Locale.ROOT, " (fitness %.3f)", e.fitness()));
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s done: %s %.4f at %s", name,
                s.path("metric").asText(), s.path("value").asDouble(), e.stage()));
        Experiment parent = e.parentId() == null ? null : store.experiments().find(e.parentId()).orElse(null);
        JsonNode p = parent == null ? null : CampaignAnswers.score(parent, e.stage());
        double pv = p == null ? Double.NaN : p.path("value").asDouble();
        if (p != null && pv != 0 && Double.isFinite(pv)) {
            b.append(String.format(Locale.ROOT, ", %+.1f %% over its parent %s", 100 * (s.path("value").asDouble() - pv)
                    / Math.abs(pv), parent.name()));
        } else {
            b.append(String.format(Locale.ROOT, ", %+.1f %% against the baseline", 100 * s.path("relative").asDouble()));
        }
        if (e.fitness() != null) {
            b.append(String.format(Locale.ROOT, " (fitness %.3f)", e.fitness()));
        }
        return b.toString();
    }
}
