package archlab.knowledge.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever a JSONL file holds, the importer either reads it or refuses it with problems of the form
 * {@code FILE:LINE: reason}; it never throws anything else, never hangs, and refuses huge lines and
 * deep nesting without loading or recursing into them. The number of tries is jqwik's default
 * ({@code jqwik.tries.default}; scripts/fuzz.sh raises it to 100,000).
 */
class JsonlImportFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path LABEL = Path.of("fuzz.jsonl");
    private static final Pattern PROBLEM = Pattern.compile("fuzz\\.jsonl(:\\d+)?: .+", Pattern.DOTALL);
    private static final List<String> SAMPLE = sample();

    @TempDir
    Path dir;

    static List<String> sample() {
        try {
            List<String> out = new ArrayList<>(JsonlTransferTest.sampleLines());
            out.removeIf(String::isBlank);
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void assertClean(List<String> lines) {
        try {
            JsonlImport.Prepared p = JsonlImport.read(LABEL, lines, List.of(), System.nanoTime());
            assertThat(p.size()).isPositive();
        } catch (ImportException e) {
            assertThat(e.problems()).isNotEmpty();
            for (String problem : e.problems()) {
                assertThat(problem).matches(PROBLEM);
            }
        } catch (Throwable t) {
            throw new AssertionError("import threw " + t + " for:\n" + String.join("\n", lines).substring(0,
                    Math.min(2000, String.join("\n", lines).length())), t);
        }
    }

    // ---------------------------------------------------------------- generators

    static final List<String> FIELDS = List.of("id", "parent", "campaign", "name", "status", "fitness", "hypothesis",
            "definition", "definition_language", "metrics", "curves", "evaluations", "failure", "created_at", "params",
            "flops_per_token", "wall_s", "tokens", "money", "stage", "analysis", "extra");

    @Provide
    Arbitrary<JsonNode> values() {
        Arbitrary<JsonNode> scalars = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(40).map(s -> (JsonNode) JSON.getNodeFactory().textNode(s)),
                Arbitraries.of("done", "failed", "completed", "queued", "running", "pruned", "", "DONE", "ok",
                        "2025-01-31T12:00:00Z", "yesterday", "model(tokens):\n    return x\n", TEST_DEFINITION)
                        .map(s -> (JsonNode) JSON.getNodeFactory().textNode(s)),
                Arbitraries.doubles().map(d -> (JsonNode) JSON.getNodeFactory().numberNode(d)),
                Arbitraries.longs().map(l -> (JsonNode) JSON.getNodeFactory().numberNode(l)),
                Arbitraries.of(JSON.getNodeFactory().nullNode(), JSON.getNodeFactory().booleanNode(true),
                        JSON.getNodeFactory().numberNode(new java.math.BigDecimal("1e400")),
                        JSON.getNodeFactory().numberNode(-1)));
        return Arbitraries.recursive(() -> scalars, this::containers, 0, 3);
    }

    private Arbitrary<JsonNode> containers(Arbitrary<JsonNode> inner) {
        Arbitrary<JsonNode> arrays = inner.list().ofMaxSize(4).map(l -> {
            var a = JSON.createArrayNode();
            l.forEach(a::add);
            return a;
        });
        Arbitrary<JsonNode> objects = Combinators.combine(Arbitraries.oneOf(Arbitraries.of(FIELDS),
                Arbitraries.of("step", "loss", "accuracy", "seed", "kind", "message", "title", "motivation")).list()
                .ofMaxSize(4), inner.list().ofSize(4)).as((ks, vs) -> {
                    ObjectNode o = JSON.createObjectNode();
                    for (int i = 0; i < ks.size(); i++) {
                        o.set(ks.get(i), vs.get(i));
                    }
                    return o;
                });
        return Arbitraries.oneOf(arrays, objects);
    }

    static final String TEST_DEFINITION = "model(tokens):\n    x = embed(tokens, 16)\n    return lm_head(x)\n";

    /** A sample line with some fields replaced, removed or added. */
    @Provide
    Arbitrary<String> mutatedLines() {
        return Combinators.combine(Arbitraries.of(SAMPLE), Arbitraries.of(FIELDS).list().ofMaxSize(4),
                values().list().ofSize(4), Arbitraries.integers().between(0, 2)).as((line, keys, vals, mode) -> {
                    try {
                        ObjectNode o = (ObjectNode) JSON.readTree(line);
                        for (int i = 0; i < keys.size(); i++) {
                            if (mode == 1) {
                                o.remove(keys.get(i));
                            } else {
                                o.set(keys.get(i), vals.get(i));
                            }
                        }
                        return JSON.writeValueAsString(o);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
    }

    /** Raw text: a line cut anywhere, characters flipped, or plain garbage. */
    @Provide
    Arbitrary<String> rawLines() {
        return Arbitraries.oneOf(
                Combinators.combine(Arbitraries.of(SAMPLE), Arbitraries.doubles().between(0, 1))
                        .as((l, cut) -> l.substring(0, (int) (cut * l.length()))),
                Combinators.combine(Arbitraries.of(SAMPLE), Arbitraries.integers().between(0, 10_000),
                        Arbitraries.chars().ascii()).as((l, at, ch) -> {
                            StringBuilder b = new StringBuilder(l);
                            b.setCharAt(at % l.length(), ch);
                            return b.toString();
                        }),
                Arbitraries.strings().all().ofMaxLength(200),
                Arbitraries.strings().withChars("{}[]\":,0123456789eE.-tfnul \\").ofMaxLength(300));
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void mutatedExperimentsAreReadOrRefusedByLine(@ForAll("mutatedLines") String a, @ForAll("mutatedLines") String b) {
        assertClean(List.of(a, b));
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void rawTextIsReadOrRefusedByLine(@ForAll("rawLines") String a, @ForAll("mutatedLines") String b) {
        assertClean(List.of(b, a));
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void anyJsonValueIsReadOrRefusedByLine(@ForAll("values") JsonNode v) throws Exception {
        assertClean(List.of(JSON.writeValueAsString(v)));
    }

    // ---------------------------------------------------------------- hostile files

    @Test
    void deepNestingIsRefusedWithoutRecursingIntoIt() {
        String deep = "{\"id\":\"x\",\"extra\":" + "[".repeat(200_000) + "]".repeat(200_000) + "}";
        assertClean(List.of(deep));
        String deepObject = "{\"id\":\"y\",\"metrics\":" + "{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000) + "}";
        assertClean(List.of(deepObject));
    }

    @Test
    void aHugeLineIsRefusedWithoutLoadingIt() throws Exception {
        Path file = dir.resolve("huge.jsonl");
        try (var w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(SAMPLE.get(0));
            w.write("\n{\"id\":\"big\",\"definition\":\"");
            char[] chunk = new char[1 << 20];
            java.util.Arrays.fill(chunk, 'x');
            for (int i = 0; i < 20; i++) {
                w.write(chunk);
            }
            w.write("\"}\n");
            w.write(SAMPLE.get(3));
            w.write("\n");
        }
        try {
            JsonlImport.read(file);
            throw new AssertionError("a 20 MB line was accepted");
        } catch (ImportException e) {
            assertThat(e.problems()).singleElement().asString().endsWith(":2: the line is longer than 16777216 characters;"
                    + " one experiment must fit in fewer");
        }
    }

    @Test
    void notUtf8IsRefused() throws Exception {
        Path file = Files.write(dir.resolve("latin1.jsonl"), new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xE9,
                '"', '}', '\n'});
        try {
            JsonlImport.read(file);
            throw new AssertionError("accepted");
        } catch (ImportException e) {
            assertThat(e.problems()).singleElement().asString().endsWith("not UTF-8 text");
        }
    }

}
