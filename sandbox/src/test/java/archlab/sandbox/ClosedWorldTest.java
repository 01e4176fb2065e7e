package archlab.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.sandbox.lang.Diagnostic;
import archlab.sandbox.lang.Primitives;
import archlab.sandbox.lang.StandardLibrary;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A definition lives in a closed world: it cannot name a file, import a module, reach an attribute or
 * call into the host. Each attempt is a clean error from the checker, and the checker's own code has no
 * way to do I/O on a definition's behalf (its bytecode references no file, network, process or
 * reflection API).
 */
class ClosedWorldTest {
    static final String HEAD = "param d = 64\n\nmodel(tokens):\n    x = embed(tokens, d)\n";

    static String stmt(String line) {
        return HEAD + "    " + line + "\n    return lm_head(x)\n";
    }

    static Stream<Arguments> escapes() {
        return Stream.of(
                Arguments.of("open a file", stmt("w = open(\"x\")"), "syntax", "no strings"),
                Arguments.of("open with a name", stmt("w = open(x)"), "unknown-op", "open"),
                Arguments.of("single-quoted string", stmt("w = linear(x, 'd')"), "syntax", "no strings"),
                Arguments.of("string param", "param path = \"/etc/passwd\"\n" + stmt("y = x"), "syntax", "no strings"),
                Arguments.of("import a module", "import os\n" + HEAD + "    return lm_head(x)\n", "syntax", "import"),
                Arguments.of("from-import", "from os import path\n" + HEAD + "    return lm_head(x)\n", "syntax", "from"),
                Arguments.of("import inside the model", stmt("import os"), "syntax", "not part of the language"),
                Arguments.of("__import__", stmt("os = __import__(x)"), "unknown-op", "__import__"),
                Arguments.of("__import__ of a string", stmt("os = __import__(\"os\")"), "syntax", "no strings"),
                Arguments.of("eval", stmt("y = eval(x)"), "unknown-op", "eval"),
                Arguments.of("exec", stmt("y = exec(x)"), "unknown-op", "exec"),
                Arguments.of("getattr", stmt("y = getattr(x, d)"), "unknown-op", "getattr"),
                Arguments.of("system", stmt("y = system(x)"), "unknown-op", "system"),
                Arguments.of("print", stmt("y = print(x)"), "unknown-op", "print"),
                Arguments.of("attribute access", stmt("y = x.shape"), "syntax", "no attributes"),
                Arguments.of("method call", stmt("y = x.exp()"), "syntax", "no attributes"),
                Arguments.of("module attribute", stmt("y = os.system(x)"), "syntax", "no attributes"),
                Arguments.of("dunder attribute", stmt("y = x.__class__"), "syntax", "no attributes"),
                Arguments.of("indexing", stmt("y = x[0]"), "syntax", "indexing"),
                Arguments.of("slicing", stmt("y = x[:, 1:]"), "syntax", "indexing"),
                Arguments.of("a list", stmt("y = [x, x]"), "syntax", "indexing"),
                Arguments.of("a dict", stmt("y = {x: x}"), "syntax", "'{'"),
                Arguments.of("a comparison", stmt("y = x if d > 2 else x"), "syntax", "comparisons"),
                Arguments.of("a lambda", stmt("f = lambda y: y"), "syntax", "found name 'y'"),
                Arguments.of("a decorator", "@host\n" + HEAD + "    return lm_head(x)\n", "syntax", "'@'"),
                Arguments.of("a backtick", stmt("y = `ls`"), "syntax", "'`'"),
                Arguments.of("a shell escape", stmt("y = $(ls)"), "syntax", "'$'"),
                Arguments.of("a semicolon", stmt("y = x; z = x"), "syntax", "';'"),
                Arguments.of("a backslash continuation", stmt("y = x \\\n + x"), "syntax", "'\\'"),
                Arguments.of("a with statement", stmt("with open(x) as f:"), "syntax", "not part of the language"),
                Arguments.of("a for loop", stmt("for i in range(d):"), "syntax", "not part of the language"),
                Arguments.of("a global name of the host", stmt("y = x + __builtins__"), "unknown-name", "__builtins__"),
                Arguments.of("a path as a name", stmt("y = x + etc_passwd"), "unknown-name", "etc_passwd"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("escapes")
    void everyEscapeIsACleanError(String what, String source, String code, String mentions) {
        CheckReport report = ModelDefinition.check(source, "escape.arch");
        assertThat(report.ok()).as(what).isFalse();
        assertThat(report.params()).isNull();
        Diagnostic first = report.errors().get(0);
        assertThat(first.line()).isGreaterThanOrEqualTo(1);
        assertThat(first.col()).isGreaterThanOrEqualTo(1);
        assertThat(report.errors()).as("%s: %s", what, report.errors()).anySatisfy(d -> {
            assertThat(d.code()).isEqualTo(code);
            assertThat(d.message()).contains(mentions);
        });
    }

    @Test
    void noHostFunctionIsAPrimitiveOrALibraryBlock() {
        Set<String> names = new HashSet<>(Primitives.names());
        names.addAll(StandardLibrary.library().blocks().keySet());
        assertThat(names).doesNotContainAnyElementsOf(List.of("open", "read", "write", "load", "save", "import",
                "__import__", "eval", "exec", "compile", "getattr", "setattr", "globals", "locals", "system", "print",
                "input", "file", "os", "sys", "subprocess", "socket", "url", "fetch", "env", "getenv"));
    }

    // ------------------------------------------------------------------ the checker's bytecode

    /** Classes (or, ending in '/', packages) the checker must never reference. */
    static final List<String> FORBIDDEN_CLASSES = List.of("java/io/File", "java/io/FileInputStream",
            "java/io/FileOutputStream", "java/io/FileReader", "java/io/FileWriter", "java/io/RandomAccessFile",
            "java/io/PrintStream", "java/nio/file/", "java/nio/channels/", "java/net/", "java/lang/ProcessBuilder",
            "java/lang/Process", "java/lang/Runtime", "java/lang/reflect/", "java/lang/Thread", "java/lang/ClassLoader",
            "javax/script/",
            "java/sql/", "java/rmi/", "javax/naming/", "sun/misc/Unsafe", "jdk/internal/");

    /** Methods the checker must never call (owner.name). */
    static final List<String> FORBIDDEN_METHODS = List.of("java/lang/Class.forName", "java/lang/ClassLoader.loadClass",
            "java/lang/ClassLoader.getResource", "java/lang/System.getenv", "java/lang/System.getProperty",
            "java/lang/System.exit", "java/lang/System.load", "java/lang/System.loadLibrary",
            "java/lang/Class.getResource");

    @Test
    void theCheckerReferencesNoIoNetworkProcessOrReflectionApi() throws IOException, URISyntaxException {
        Path root = Path.of(ModelDefinition.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, List<String>> violations = new LinkedHashMap<>();
        List<Path> checked = new ArrayList<>();
        for (String dir : List.of("archlab/sandbox/lang", "archlab/sandbox/graph")) {
            try (Stream<Path> files = Files.walk(root.resolve(dir))) {
                files.filter(f -> f.toString().endsWith(".class")).forEach(checked::add);
            }
        }
        checked.add(root.resolve("archlab/sandbox/ModelDefinition.class"));
        checked.add(root.resolve("archlab/sandbox/CheckReport.class"));
        for (Path f : checked) {
            ClassRefs refs;
            try (InputStream in = Files.newInputStream(f)) {
                refs = ClassRefs.read(in);
            }
            List<String> bad = new ArrayList<>();
            for (String c : refs.classes) {
                if (FORBIDDEN_CLASSES.stream().anyMatch(x -> x.endsWith("/") ? c.startsWith(x)
                        : c.equals(x) || c.startsWith(x + "$"))) {
                    bad.add(c);
                }
            }
            for (String m : refs.methods) {
                if (FORBIDDEN_METHODS.contains(m)) {
                    bad.add(m);
                }
            }
            // The standard library is read from the checker's own jar, by fixed names, once.
            if (f.getFileName().toString().equals("StandardLibrary.class")) {
                bad.remove("java/lang/ClassLoader");
            }
            if (bad.contains("java/lang/ClassLoader") || refs.methods.stream().anyMatch(m -> m.startsWith(
                    "java/lang/ClassLoader.") && !m.equals("java/lang/ClassLoader.getResourceAsStream"))) {
                bad.add("a ClassLoader method other than getResourceAsStream");
            }
            if (!bad.isEmpty()) {
                violations.put(root.relativize(f).toString(), bad);
            }
        }
        assertThat(checked).hasSizeGreaterThan(20);
        assertThat(violations).as("checker classes that reference I/O, network, process or reflection APIs").isEmpty();
    }

    /** The class and method references in a class file's constant pool. */
    static final class ClassRefs {
        final Set<String> classes = new HashSet<>();
        final Set<String> methods = new HashSet<>();

        static ClassRefs read(InputStream raw) throws IOException {
            DataInputStream in = new DataInputStream(raw);
            if (in.readInt() != 0xCAFEBABE) {
                throw new IOException("not a class file");
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            String[] utf8 = new String[count];
            int[] classIndex = new int[count];
            int[][] refs = new int[count][];
            int[][] nameAndType = new int[count][];
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = in.readUTF();
                    case 7 -> classIndex[i] = in.readUnsignedShort();
                    case 8, 16, 19, 20 -> in.readUnsignedShort();
                    case 3, 4 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++;
                    }
                    case 9, 10, 11 -> refs[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
                    case 12 -> nameAndType[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
                    case 15 -> {
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    case 17, 18 -> {
                        in.readUnsignedShort();
                        in.readUnsignedShort();
                    }
                    default -> throw new IOException("unknown constant-pool tag " + tag);
                }
            }
            ClassRefs out = new ClassRefs();
            for (int i = 1; i < count; i++) {
                if (classIndex[i] != 0) {
                    out.classes.add(utf8[classIndex[i]]);
                }
                // Descriptors name classes too (parameter and field types).
                if (utf8[i] != null) {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("L([\\w/$]+);").matcher(utf8[i]);
                    while (m.find()) {
                        out.classes.add(m.group(1));
                    }
                }
            }
            for (int i = 1; i < count; i++) {
                if (refs[i] != null) {
                    String owner = utf8[classIndex[refs[i][0]]];
                    String name = utf8[nameAndType[refs[i][1]][0]];
                    out.methods.add(owner + "." + name);
                }
            }
            return out;
        }
    }
}
