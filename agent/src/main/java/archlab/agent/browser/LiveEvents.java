package archlab.agent.browser;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.sse.SseClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Live updates: one thread looks at every campaign's store once a period (an indexed
 * {@code MAX(updated_at)} when nothing changed), refreshes its snapshot when something did, and
 * pushes a server-sent event {@code experiments} to the pages open on that campaign:
 * {@code {"version": 7, "total": 120, "status": "running", "changed": [{"id": ..., "status": ..., "fitness": ...}]}}.
 */
final class LiveEvents implements AutoCloseable {
    /** At most this many changed experiments are listed in one event; {@code more} counts the rest. */
    static final int MAX_LISTED = 200;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long HEARTBEAT_S = 15;

    record Change(String id, String name, String status, Double fitness) {
    }

    record Event(long version, int total, String status, List<Change> changed, int more) {
    }

    private final Map<String, BrowsedCampaign> campaigns;
    private final Map<String, Queue<SseClient>> clients = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    LiveEvents(Map<String, BrowsedCampaign> campaigns, long periodMs) {
        this.campaigns = campaigns;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "archlab-browse-live");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::poll, periodMs, periodMs, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::heartbeat, HEARTBEAT_S, HEARTBEAT_S, TimeUnit.SECONDS);
    }

    /** Registers an open page; it is sent a {@code hello} with the current version at once. */
    void join(BrowsedCampaign bc, SseClient client) {
        Queue<SseClient> q = clients.computeIfAbsent(bc.slug(), k -> new ConcurrentLinkedQueue<>());
        q.add(client);
        client.onClose(() -> q.remove(client));
        client.keepAlive();
        client.sendEvent("hello", write(new Event(bc.index().version(), bc.index().size(),
                bc.campaign().status().name().toLowerCase(java.util.Locale.ROOT), List.of(), 0)));
    }

    /**
     * A comment to every open stream now and then: proxies keep the stream open, and a page that
     * went away is noticed (the write fails) and dropped, rather than kept until the next change.
     */
    void heartbeat() {
        for (Queue<SseClient> q : clients.values()) {
            for (SseClient c : q) {
                if (c.terminated()) {
                    q.remove(c);
                } else {
                    c.sendComment("keep-alive");
                }
            }
        }
    }

    /** How many pages are listening (tests). */
    int listeners() {
        return clients.values().stream().mapToInt(q -> (int) q.stream().filter(c -> !c.terminated()).count()).sum();
    }

    /** One look at every campaign; public to tests through {@link BrowseServer#pollNow}. */
    void poll() {
        for (BrowsedCampaign bc : campaigns.values()) {
            try {
                String before = bc.campaign().status().name();
                List<ExperimentRow> changed = bc.refresh();
                boolean statusChanged = !before.equals(bc.campaign().status().name());
                Queue<SseClient> q = clients.get(bc.slug());
                if ((changed.isEmpty() && !statusChanged) || q == null || q.isEmpty()) {
                    continue;
                }
                List<Change> listed = new ArrayList<>();
                for (ExperimentRow r : changed.subList(0, Math.min(MAX_LISTED, changed.size()))) {
                    listed.add(new Change(r.id(), r.label(), r.status().dbValue(), r.fitness()));
                }
                String data = write(new Event(bc.index().version(), bc.index().size(),
                        bc.campaign().status().name().toLowerCase(java.util.Locale.ROOT), listed,
                        changed.size() - listed.size()));
                for (SseClient c : q) {
                    if (c.terminated()) {
                        q.remove(c);
                    } else {
                        c.sendEvent("experiments", data);
                    }
                }
            } catch (RuntimeException e) {
                // A store that is briefly unreachable (its serving process exiting) is tried again next period.
            }
        }
    }

    private static String write(Event e) {
        try {
            return JSON.writeValueAsString(e);
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        clients.values().forEach(q -> q.forEach(SseClient::close));
    }
}
