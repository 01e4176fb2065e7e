package archlab.agent.llm;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The archlab checkout this code runs from, when it runs from one: the launcher runs
 * {@code ROOT/agent/target/archlab.jar}, tests run {@code ROOT/agent/target/classes}. Its
 * {@code prompts/} and {@code prices.yaml} are the ones users edit; a jar copied elsewhere falls back
 * to the copies bundled in it at build time.
 */
final class Installation {
    private Installation() {
    }

    static Optional<Path> root() {
        Path code;
        try {
            code = Path.of(Installation.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | SecurityException | NullPointerException | IllegalArgumentException e) {
            return Optional.empty();
        }
        // ROOT/agent/target/{classes, archlab.jar}: three levels up, and nowhere further, so that an
        // unrelated prompts/ folder higher up the tree is never picked up by accident.
        Path dir = code.toAbsolutePath();
        for (int up = 0; up < 3 && dir != null; up++) {
            dir = dir.getParent();
            if (dir != null && Files.isDirectory(dir.resolve("prompts")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }
}
