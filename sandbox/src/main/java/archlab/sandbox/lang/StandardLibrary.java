package archlab.sandbox.lang;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The standard library: blocks written in the language itself, shipped as resources under
 * {@code archlab/stdlib/}, listed in {@code index.txt}. Loaded and checked once.
 */
public final class StandardLibrary {
    private static final String ROOT = "archlab/stdlib/";

    private static volatile Map<String, String> sources;
    private static volatile Library library;

    private StandardLibrary() {
    }

    /** File name (such as {@code attention.arch}) to source text, in index order. */
    public static Map<String, String> sources() {
        if (sources == null) {
            Map<String, String> all = new LinkedHashMap<>();
            for (String name : read("index.txt").lines().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
                all.put(name, read(name));
            }
            sources = Collections.unmodifiableMap(all);
        }
        return sources;
    }

    /** The block names a standard-library file defines, in order. */
    public static List<String> blockNames(String fileName) {
        return library().blocks().values().stream()
                .filter(e -> e.file().equals(path(fileName)))
                .map(e -> e.block().name()).toList();
    }

    /** The display path of a library file in error messages, such as {@code stdlib/attention.arch}. */
    public static String path(String fileName) {
        return "stdlib/" + fileName;
    }

    /** The checked library. A standard-library file that does not check is a bug in archlab. */
    public static Library library() {
        if (library == null) {
            synchronized (StandardLibrary.class) {
                if (library == null) {
                    Library lib = Library.EMPTY;
                    for (Map.Entry<String, String> file : sources().entrySet()) {
                        try {
                            lib = lib.plus(Parser.parseLibrary(file.getValue(), path(file.getKey())),
                                    path(file.getKey()));
                        } catch (DefinitionException e) {
                            throw new IllegalStateException("the standard library does not parse:\n" + e.getMessage(), e);
                        }
                    }
                    List<Diagnostic> problems = Validator.validateLibrary(lib);
                    if (problems.stream().anyMatch(Diagnostic::isError)) {
                        throw new IllegalStateException("the standard library does not check:\n"
                                + String.join("\n", problems.stream().map(Diagnostic::render).toList()));
                    }
                    library = lib;
                }
            }
        }
        return library;
    }

    private static String read(String name) {
        try (InputStream in = StandardLibrary.class.getClassLoader().getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException("missing standard-library resource " + ROOT + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
