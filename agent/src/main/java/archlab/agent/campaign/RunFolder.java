package archlab.agent.campaign;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A campaign's folder, {@code runs/<name>-<timestamp>/}: the campaign file as it was started
 * ({@code campaign.yaml}), the store ({@code archlab.mv.db}), the log, the report and its figures.
 * The folder is created only once the campaign file has validated, so a bad file leaves nothing
 * behind.
 */
public record RunFolder(Path dir) {
    public static final String CAMPAIGN_FILE = "campaign.yaml";
    public static final String LOG_FILE = "campaign.log";
    public static final String STOP_FILE = "STOP";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /** Creates {@code root/<name>-<timestamp>} (with a suffix if that exists) and writes the campaign file. */
    public static RunFolder create(Path root, String name, String campaignText, LocalDateTime now) throws IOException {
        Files.createDirectories(root);
        String base = name + "-" + STAMP.format(now);
        for (int i = 0; ; i++) {
            Path dir = root.resolve(i == 0 ? base : base + "-" + i);
            try {
                Files.createDirectory(dir);
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            writeAtomically(dir.resolve(CAMPAIGN_FILE), campaignText);
            return new RunFolder(dir);
        }
    }

    /**
     * Writes a file whole or not at all: a process killed mid-write leaves the old file (or none), never
     * a truncated one that a resume would misread.
     */
    public static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** An existing run folder; an {@link IllegalArgumentException} names what is missing. */
    public static RunFolder open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": no such run folder");
        }
        if (!Files.isRegularFile(dir.resolve(CAMPAIGN_FILE))) {
            throw new IllegalArgumentException(dir + ": not a campaign run folder (no " + CAMPAIGN_FILE + ")");
        }
        return new RunFolder(dir);
    }

    public Path campaignFile() {
        return dir.resolve(CAMPAIGN_FILE);
    }

    public Path log() {
        return dir.resolve(LOG_FILE);
    }

    /** A file whose presence asks a running campaign to stop at its next step boundary. */
    public Path stopFile() {
        return dir.resolve(STOP_FILE);
    }

    public String name() {
        return dir.getFileName().toString();
    }
}
