package archlab.knowledge.papers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Finds and loads the paper notes.
 *
 * <p>Where the notes come from, first match wins:
 * <ol>
 *   <li>a folder given by the caller (the CLI's {@code --papers DIR});
 *   <li>the system property {@code archlab.papers} or the environment variable {@code ARCHLAB_PAPERS};
 *   <li>{@code knowledge-base/papers} in the working directory or one of its parents (a checkout);
 *   <li>{@code knowledge-base/papers} above the jar or classes folder archlab runs from (the launcher's checkout,
 *       whatever the working directory);
 *   <li>the copies inside the jar, under {@code archlab/papers/} (an installed archlab, anywhere).
 * </ol>
 * A folder counts only if it holds at least one note; {@code README.md} is never a note.
 */
public final class PaperLibrary {

    /** The notes' folder inside a checkout. */
    public static final String REPO_FOLDER = "knowledge-base/papers";
    /** The notes' folder inside the jar. */
    public static final String RESOURCE_FOLDER = "archlab/papers/";

    private PaperLibrary() {
    }

    /**
     * The notes that were read, and those that did not parse.
     *
     * @param origin where they came from, for messages: a folder, or {@code classpath:archlab/papers/}
     * @param notes the notes that parsed, by slug
     * @param problems one exception per note that did not parse, each naming the file and line
     */
    public record Contents(String origin, List<PaperNote> notes, List<PaperNoteException> problems) {
        public Contents {
            notes = List.copyOf(notes);
            problems = List.copyOf(problems);
        }

        /** The notes; throws the first problem if any note did not parse. */
        public List<PaperNote> strict() {
            if (!problems.isEmpty()) {
                throw problems.get(0);
            }
            return notes;
        }
    }

    /**
     * Locates the notes as the class comment describes and loads them. Notes that do not parse are reported
     * in {@link Contents#problems()}, not thrown.
     *
     * @param explicit a folder the caller chose, or {@code null}
     * @throws UncheckedIOException when {@code explicit} is not a folder, or a file cannot be read
     */
    public static Contents load(Path explicit) {
        if (explicit != null) {
            if (!Files.isDirectory(explicit)) {
                throw new UncheckedIOException(new IOException("no such folder: " + explicit));
            }
            return fromDirectory(explicit);
        }
        String configured = System.getProperty("archlab.papers");
        if (configured == null || configured.isBlank()) {
            configured = System.getenv("ARCHLAB_PAPERS");
        }
        if (configured != null && !configured.isBlank()) {
            return load(Path.of(configured));
        }
        Path found = findRepoFolder(Path.of("").toAbsolutePath());
        if (found == null) {
            Path code = codeLocation();
            if (code != null) {
                found = findRepoFolder(code);
            }
        }
        return found != null ? fromDirectory(found) : fromClasspath();
    }

    /** {@code knowledge-base/papers} with at least one note in {@code start} or one of its parents, or {@code null}. */
    static Path findRepoFolder(Path start) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(REPO_FOLDER);
            if (Files.isDirectory(candidate) && !noteFiles(candidate).isEmpty()) {
                return candidate;
            }
        }
        return null;
    }

    /** Loads every {@code *.md} of {@code dir} except {@code README.md}, sorted by file name. */
    public static Contents fromDirectory(Path dir) {
        List<PaperNote> notes = new ArrayList<>();
        List<PaperNoteException> problems = new ArrayList<>();
        for (Path file : noteFiles(dir)) {
            String name = file.getFileName().toString();
            String shown = displayPath(file);
            try {
                String text = utf8(Files.readAllBytes(file), shown);
                notes.add(PaperNoteParser.parse(text, shown, slug(name)));
            } catch (PaperNoteException e) {
                problems.add(e);
            } catch (IOException e) {
                problems.add(new PaperNoteException(shown, 0, "cannot be read: " + e.getMessage()));
            }
        }
        return new Contents(displayPath(dir), notes, problems);
    }

    /** Loads the notes shipped inside the jar (or the classes folder) under {@link #RESOURCE_FOLDER}. */
    public static Contents fromClasspath() {
        Map<String, byte[]> files = classpathNotes();
        List<PaperNote> notes = new ArrayList<>();
        List<PaperNoteException> problems = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            String shown = "classpath:" + RESOURCE_FOLDER + e.getKey();
            try {
                notes.add(PaperNoteParser.parse(utf8(e.getValue(), shown), shown, slug(e.getKey())));
            } catch (PaperNoteException ex) {
                problems.add(ex);
            }
        }
        return new Contents("classpath:" + RESOURCE_FOLDER, notes, problems);
    }

    private static List<Path> noteFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> isNoteName(p.getFileName().toString()) && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    static boolean isNoteName(String name) {
        return name.endsWith(".md") && !name.equalsIgnoreCase("README.md") && !name.startsWith(".");
    }

    private static String slug(String fileName) {
        return fileName.substring(0, fileName.length() - ".md".length());
    }

    /** A path relative to the working directory when it lies below it, else absolute. */
    private static String displayPath(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path cwd = Path.of("").toAbsolutePath();
        return abs.startsWith(cwd) && !abs.equals(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }

    private static String utf8(byte[] bytes, String shown) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new PaperNoteException(shown, 0, "is not UTF-8 text");
        }
    }

    /** The jar or classes folder this class was loaded from, or {@code null}. */
    private static Path codeLocation() {
        try {
            CodeSource cs = PaperLibrary.class.getProtectionDomain().getCodeSource();
            return cs == null || cs.getLocation() == null ? null : Path.of(cs.getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }

    /** File name to content of every note under {@link #RESOURCE_FOLDER} in this class's jar or classes folder. */
    private static Map<String, byte[]> classpathNotes() {
        Map<String, byte[]> texts = new TreeMap<>();
        Path code = codeLocation();
        try {
            if (code != null && Files.isDirectory(code)) {
                Path dir = code.resolve(RESOURCE_FOLDER);
                if (Files.isDirectory(dir)) {
                    for (Path file : noteFiles(dir)) {
                        texts.put(file.getFileName().toString(), Files.readAllBytes(file));
                    }
                }
            } else if (code != null && Files.isRegularFile(code)) {
                try (JarFile jar = new JarFile(code.toFile())) {
                    Enumeration<JarEntry> entries = jar.entries();
                    while (entries.hasMoreElements()) {
                        JarEntry entry = entries.nextElement();
                        String name = entry.getName();
                        if (!entry.isDirectory() && name.startsWith(RESOURCE_FOLDER)
                                && name.indexOf('/', RESOURCE_FOLDER.length()) < 0
                                && isNoteName(name.substring(RESOURCE_FOLDER.length()))) {
                            try (InputStream in = jar.getInputStream(entry)) {
                                texts.put(name.substring(RESOURCE_FOLDER.length()), in.readAllBytes());
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the paper notes inside archlab's jar: " + e.getMessage(), e);
        }
        return texts;
    }
}
