package archlab.sandbox.lang;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import archlab.sandbox.CheckReport;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.graph.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The standard library loads, checks without findings, and every block in it works in a model. */
public class StandardLibraryTest {

    @Test
    void theLibraryLoadsAndChecksWithoutFindings() {
        assertThatCode(StandardLibrary::library).doesNotThrowAnyException();
        Library lib = StandardLibrary.library();
        assertThat(lib.blocks()).isNotEmpty();
        assertThat(Validator.validateLibrary(lib)).as("errors and warnings in the standard library").isEmpty();
    }

    @Test
    void everyIndexedFileIsLoadedWithTheBlocksItDefines() {
        assertThat(StandardLibrary.sources()).isNotEmpty();
        Pattern header = Pattern.compile("(?m)^block\\s+([A-Za-z_][A-Za-z0-9_]*)\\s*\\(");
        List<String> all = new ArrayList<>();
        for (Map.Entry<String, String> f : StandardLibrary.sources().entrySet()) {
            List<String> declared = new ArrayList<>();
            Matcher m = header.matcher(f.getValue());
            while (m.find()) {
                declared.add(m.group(1));
            }
            assertThat(declared).as("blocks of %s", f.getKey()).isNotEmpty();
            assertThat(StandardLibrary.blockNames(f.getKey())).as("blocks of %s", f.getKey()).isEqualTo(declared);
            all.addAll(declared);
            for (String b : declared) {
                assertThat(StandardLibrary.library().get(b).file()).isEqualTo(StandardLibrary.path(f.getKey()));
            }
        }
        assertThat(all).doesNotHaveDuplicates();
        assertThat(StandardLibrary.library().blocks().keySet()).containsExactlyInAnyOrderElementsOf(all);
    }

    @Test
    void noLibraryBlockShadowsAPrimitiveOrAKeyword() {
        for (String b : StandardLibrary.library().blocks().keySet()) {
            assertThat(Primitives.isPrimitive(b)).as(b).isFalse();
            assertThat(Lexer.KEYWORDS).doesNotContain(b);
            assertThat(Primitives.BUILTIN_PARAMS).doesNotContainKey(b);
        }
    }

    // ------------------------------------------------------------------ every block in use

    public static final String HEADS = """
            param d = 64
            param heads = 4

            block use(x):
                q = split_heads(linear(x, d), heads)
                k = split_heads(linear(x, d), heads)
                v = split_heads(linear(x, d), heads)
                g = sigmoid(split_heads(linear(x, heads), heads))
                o = %s
                return linear(merge_heads(o), d)

            model(tokens):
                x = embed(tokens, d)
                return lm_head(x + use(x))
            """;

    public static final String WIDE = """
            param d = 64

            model(tokens):
                x = embed(tokens, d)
                return lm_head(x + %s)
            """;

    /** One use of each library block, and the shape of its result. */
    public static final Map<String, String[]> USES = Map.ofEntries(
            Map.entry("softmax_attention", new String[] {HEADS, "softmax_attention(q, k, v) * g", "[B, 4, T, 16]"}),
            Map.entry("sliding_window_attention", new String[] {HEADS, "sliding_window_attention(q, k, v, 8) * g",
                "[B, 4, T, 16]"}),
            Map.entry("linear_attention", new String[] {HEADS, "linear_attention(elu1(q), relu_map(k), v) + g",
                "[B, 4, T, 16]"}),
            Map.entry("taylor_attention", new String[] {HEADS, "taylor_attention(q, k, v) + g", "[B, 4, T, 16]"}),
            Map.entry("decayed_linear_attention", new String[] {HEADS, "decayed_linear_attention(q, k, v, g)",
                "[B, 4, T, 16]"}),
            Map.entry("retention", new String[] {HEADS, "retention(q, k, v, 0.9) * g", "[B, 4, T, 16]"}),
            Map.entry("delta_rule", new String[] {HEADS, "delta_rule(q, k, v, g)", "[B, 4, T, 16]"}),
            Map.entry("delta_step", new String[] {HEADS, "scan(delta_step, q, k, v, g, state=(4, 16, 16))",
                "[B, 4, T, 16]"}),
            Map.entry("elu1", new String[] {HEADS, "elu1(q) * k + v * g", "[B, 4, T, 16]"}),
            Map.entry("relu_map", new String[] {HEADS, "relu_map(q) * k + v * g", "[B, 4, T, 16]"}),
            Map.entry("l2norm", new String[] {HEADS, "l2norm(q) * k + v * g", "[B, 4, T, 16]"}),
            Map.entry("short_conv", new String[] {WIDE, "short_conv(x, kernel=3)", "[B, T, 64]"}),
            Map.entry("mlp", new String[] {WIDE, "mlp(x, 4 * d)", "[B, T, 64]"}),
            Map.entry("glu", new String[] {WIDE, "glu(x, 4 * d)", "[B, T, 64]"}),
            Map.entry("swiglu", new String[] {WIDE, "swiglu(x, 4 * d)", "[B, T, 64]"}),
            Map.entry("sparsemax", new String[] {WIDE, "x * sparsemax(x)", "[B, T, 64]"}),
            Map.entry("entmax15", new String[] {WIDE, "x * entmax15(x)", "[B, T, 64]"}),
            Map.entry("lm_head", new String[] {WIDE, "linear(lm_head(x), d)", "[B, T, 256]"}));

    static Stream<String> libraryBlocks() {
        return StandardLibrary.library().blocks().keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("libraryBlocks")
    void everyLibraryBlockChecksInAModel(String block) throws DefinitionException {
        assertThat(USES).as("a use of the library block '%s' in this test", block).containsKey(block);
        String[] use = USES.get(block);
        String source = use[0].formatted(use[1]);
        CheckReport report = ModelDefinition.check(source, block + ".arch");
        assertThat(report.errors()).as(source).isEmpty();
        assertThat(report.warnings()).as(source).isEmpty();
        ModelDefinition def = ModelDefinition.parse(source, block + ".arch");
        assertThat(def.graph().output().shape()).isEqualTo(Shape.of(Shape.B, Shape.T, 256));
        // The block's result: the last node whose scope is the block (or the scan that runs it).
        List<OpNode> inBlock = def.graph().nodes().stream()
                .filter(n -> n.scope().endsWith(block) || n.op().equals("scan") && block.equals("delta_step"))
                .toList();
        assertThat(inBlock).as("nodes of %s", block).isNotEmpty();
        assertThat(inBlock.get(inBlock.size() - 1).shape().toString()).as("result of %s", block).isEqualTo(use[2]);
    }
}
