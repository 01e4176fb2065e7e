package archlab.agent.cli;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads definition files named on the command line, relative to the user's working directory. */
final class SourceFiles {
    /**
     * The largest definition file read: 1 MiB, as for a campaign's baseline and seeds. Real definitions
     * are a few kilobytes; checking the size first answers a 50 MB file at once instead of after
     * parsing it for half a minute and gigabytes of memory.
     */
    static final long MAX_BYTES = 1 << 20;

    private SourceFiles() {
    }

    /** The file's text, decoded as UTF-8; an {@link InvalidInputException} saying what is wrong otherwise. */
    static String read(Path file) {
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(file + ": is a directory, not a definition file");
        }
        try {
            if (Files.isRegularFile(file) && Files.size(file) > MAX_BYTES) {
                throw new InvalidInputException(String.format(java.util.Locale.ROOT,
                        "%s: %,d bytes; a definition file may have at most %,d (1 MiB)", file, Files.size(file), MAX_BYTES));
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new InvalidInputException(file + ": permission denied");
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot be read (" + e.getMessage() + ")");
        }
    }
}
