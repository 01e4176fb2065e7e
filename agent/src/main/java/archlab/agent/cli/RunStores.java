package archlab.agent.cli;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Store;
import archlab.knowledge.store.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens the store a command names: a run folder (its H2 file {@code archlab.mv.db}), or a JDBC URL
 * ({@code jdbc:postgresql://...}, {@code jdbc:h2:...}) for a shared store.
 */
final class RunStores {
    private RunStores() {
    }

    /**
     * Opens {@code run}. With {@code mustExist}, a run folder without a store is an
     * {@link InvalidInputException} rather than a new, empty store.
     */
    static Store open(String run, boolean mustExist) {
        if (run.startsWith("jdbc:")) {
            try {
                return Store.open(run);
            } catch (StoreException e) {
                throw new InvalidInputException("cannot open the store at " + redacted(run) + ": " + e.getMessage());
            }
        }
        Path dir = Path.of(run);
        if (mustExist && !Store.existsInRunFolder(dir)) {
            throw new InvalidInputException(run + ": no archlab store here (expected " + dir.resolve(
                    Store.RUN_DB_NAME + ".mv.db") + ")");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new InvalidInputException(run + ": not a folder (a run folder holds the store archlab.mv.db)");
        }
        try {
            return Store.openRunFolder(dir);
        } catch (StoreException e) {
            throw new InvalidInputException("cannot open the store in " + run + ": " + e.getMessage());
        }
    }

    /**
     * The campaign a command is about: the one named (by id or name), else the store's only one.
     * A store with several campaigns and no name given is an {@link InvalidInputException} that
     * lists them.
     */
    static Campaign campaign(Store store, String run, String named) {
        if (named != null) {
            return store.campaigns().find(named).or(() -> store.campaigns().findByName(named))
                    .orElseThrow(() -> new InvalidInputException(run + ": no campaign named " + named));
        }
        List<Campaign> all = store.campaigns().list();
        if (all.isEmpty()) {
            throw new InvalidInputException(run + ": the store holds no campaign yet");
        }
        if (all.size() > 1) {
            throw new InvalidInputException(run + ": the store holds " + all.size() + " campaigns; name one with --campaign ("
                    + String.join(", ", all.stream().map(Campaign::name).toList()) + ")");
        }
        return all.get(0);
    }

    /** A JDBC URL without its password, for messages. */
    static String redacted(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}
