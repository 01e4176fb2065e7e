package archlab.agent.llm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The replay cache shared by every run folder of one user: what a model answered, by the hash of the
 * whole request (provider, model, parameters, messages, schema, tools; see {@link Transcript}). A
 * campaign's own ledger answers its resumed calls; this answers a campaign run again in a new folder,
 * so that re-running one campaign file with one seed against a warm cache asks the provider nothing.
 *
 * <p>One small JSON file per request ({@code <dir>/ab/abcdef....json}), written to a temporary file and
 * moved into place: several campaigns may read and write it at once without a lock, a reader sees a
 * whole entry or none, and a killed writer leaves at most a stray temporary file. A database would add
 * a lock between concurrent campaigns for no gain: entries are written once and never change.
 *
 * <p>Where: {@code $ARCHLAB_REPLAY_CACHE}, else {@code $XDG_CACHE_HOME/archlab/replay}, else
 * {@code ~/.cache/archlab/replay}; {@code ARCHLAB_REPLAY_CACHE=off} turns it off, and {@code llm.replay:
 * false} in a campaign file turns off every replay.
 */
public final class ReplayCache {
    public static final String ENV = "ARCHLAB_REPLAY_CACHE";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> OFF = Set.of("off", "none", "false", "0");

    /** A stored answer: the outcome it was recorded with and the response as the ledger keeps it. */
    public record Entry(String outcome, String response) {
    }

    private final Path dir;

    public ReplayCache(Path dir) {
        this.dir = dir;
    }

    /** The user's cache as the environment places it, or empty when it is turned off or has no home. */
    public static Optional<ReplayCache> forUser(Function<String, String> env) {
        String set = env.apply(ENV);
        if (set != null && !set.isBlank()) {
            return OFF.contains(set.strip().toLowerCase(java.util.Locale.ROOT)) ? Optional.empty()
                    : Optional.of(new ReplayCache(Path.of(set.strip())));
        }
        String xdg = env.apply("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Optional.of(new ReplayCache(Path.of(xdg, "archlab", "replay")));
        }
        String home = System.getProperty("user.home");
        return home == null || home.isBlank() ? Optional.empty()
                : Optional.of(new ReplayCache(Path.of(home, ".cache", "archlab", "replay")));
    }

    public Path dir() {
        return dir;
    }

    /** The answer stored for a request, or empty (also when the entry cannot be read: a miss, not an error). */
    public Optional<Entry> find(String hash) {
        Path file = file(hash);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            var n = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
            if (!n.hasNonNull("outcome") || !n.has("response")) {
                return Optional.empty();
            }
            return Optional.of(new Entry(n.get("outcome").asText(), n.get("response").isNull() ? null
                    : n.get("response").asText()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Stores an answer. A cache that cannot be written (a read-only home, a full disk) costs only later
     * replays, never the campaign: the failure is returned for the caller to mention, not thrown.
     */
    public Optional<String> put(String hash, Entry entry) {
        Path file = file(hash);
        try {
            Files.createDirectories(file.getParent());
            ObjectNode n = JSON.createObjectNode().put("outcome", entry.outcome()).put("response", entry.response());
            Path tmp = Files.createTempFile(file.getParent(), ".entry-", ".tmp");
            try {
                Files.writeString(tmp, JSON.writeValueAsString(n), StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of("cannot write the replay cache at " + dir + ": " + e.getMessage());
        }
    }

    private Path file(String hash) {
        String safe = hash.replaceAll("[^A-Za-z0-9_-]", "_");
        String shard = safe.length() >= 2 ? safe.substring(0, 2) : "__";
        return dir.resolve(shard).resolve(safe + ".json");
    }
}
