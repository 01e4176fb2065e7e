package archlab.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.sandbox.graph.Shape;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Diagnostic;
import archlab.sandbox.lang.StandardLibrary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The entry point: what parse and check return, built-in params, warnings, and library scoping. */
class ModelDefinitionTest {
    static final String SMALL = """
            arch small
            param d = 32

            block layer(x):
                return x + mlp(rmsnorm(x), 4 * d)

            model(tokens):
                x = embed(tokens, d)
                return lm_head(rmsnorm(repeat(2, layer, x)))
            """;

    static final String ATTENTION = """
            param d = 32
            param heads = 2

            block attention(x):
                q = split_heads(linear(x, d), heads)
                k = split_heads(linear(x, d), heads)
                v = split_heads(linear(x, d), heads)
                return linear(merge_heads(softmax_attention(q, k, v)), d)

            model(tokens):
                x = embed(tokens, d)
                return lm_head(x + attention(x))
            """;

    static ModelDefinition parse(String source) throws DefinitionException {
        return ModelDefinition.parse(source, "t.arch");
    }

    static ModelDefinition parse(String source, Map<String, Integer> overrides) throws DefinitionException {
        return ModelDefinition.parse(source, "t.arch", StandardLibrary.library(), overrides);
    }

    @Test
    void aValidDefinitionReportsItsFigures() throws DefinitionException {
        CheckReport r = ModelDefinition.check(SMALL, "dir/small_file.arch");
        assertThat(r.ok()).isTrue();
        assertThat(r.name()).isEqualTo("small");
        assertThat(r.file()).isEqualTo("dir/small_file.arch");
        // embed 256*32 + 2 layers * (rmsnorm 32 + mlp 32*128*2) + rmsnorm 32 + lm_head 32*256
        assertThat(r.params()).isEqualTo(256 * 32 + 2 * (32 + 2 * 32 * 128) + 32 + 32 * 256);
        assertThat(r.flopsPerToken()).isPositive();
        assertThat(r.hash()).matches("[0-9a-f]{64}").isEqualTo(parse(SMALL).canonicalHash());
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void theNameComesFromArchOrElseTheFileName() throws DefinitionException {
        assertThat(parse(SMALL).name()).isEqualTo("small");
        String noArch = SMALL.replace("arch small\n", "");
        assertThat(ModelDefinition.parse(noArch, "some/dir/my_model.arch").name()).isEqualTo("my_model");
        assertThat(ModelDefinition.check(noArch.replace("return lm_head", "return lm_headd"), "x.arch").name())
                .isNull();
        assertThat(ModelDefinition.check(SMALL.replace("return lm_head", "return lm_headd"), "x.arch").name())
                .isEqualTo("small");
    }

    @Test
    void anInvalidDefinitionReportsErrorsAndNoFigures() {
        CheckReport r = ModelDefinition.check(SMALL.replace("4 * d", "4 * dd"), "small.arch");
        assertThat(r.ok()).isFalse();
        assertThat(r.params()).isNull();
        assertThat(r.flopsPerToken()).isNull();
        assertThat(r.hash()).isNull();
        assertThat(r.errors()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo("unknown-name");
            assertThat(d.line()).isEqualTo(5);
            assertThat(d.message()).contains("'dd'").contains("did you mean 'd'?");
        });
        assertThatThrownBy(() -> parse(SMALL.replace("4 * d", "4 * dd"))).isInstanceOf(DefinitionException.class)
                .hasMessageContaining("t.arch:5:");
    }

    @Test
    void theValidatorReportsEveryProblemItFindsInLineOrder() {
        String source = """
                param d = 32

                block unused_block(x):
                    return x

                block layer(x, spare):
                    a = relu(x)
                    a = gelu(x)
                    return x + lineer(x, d)

                model(tokens):
                    x = embed(tokens, d)
                    junk = x * 2
                    return lm_head(layer(x, 1) + y)
                """;
        CheckReport r = ModelDefinition.check(source, "many.arch");
        // 'a' (7:5) is reassigned and never read; 'junk' is never read; warnings wait until the errors are fixed.
        assertThat(r.errors()).extracting(Diagnostic::code)
                .containsExactly("unused", "reassigned", "unknown-op", "unused", "unknown-name");
        assertThat(r.warnings()).isEmpty();
        assertThat(r.errors()).extracting(Diagnostic::line).isSorted();
    }

    @Test
    void unusedBlocksAndArgumentsAreWarningsNotErrors() throws DefinitionException {
        String source = """
                param d = 32

                block never(x):
                    return x

                block layer(x, spare):
                    return x + linear(x, d)

                model(tokens):
                    x = embed(tokens, d)
                    return lm_head(layer(x, 1))
                """;
        ModelDefinition def = parse(source);
        assertThat(def.warnings()).extracting(Diagnostic::code).containsExactly("unused", "unused");
        assertThat(def.warnings()).allMatch(d -> d.severity() == Diagnostic.Severity.WARNING);
        assertThat(def.warnings().get(0).message()).contains("'never'");
        assertThat(def.warnings().get(1).message()).contains("'spare'");
        CheckReport r = ModelDefinition.check(source, "t.arch");
        assertThat(r.ok()).isTrue();
        assertThat(r.warnings()).hasSize(2);
    }

    // ------------------------------------------------------------------ built-in params

    @Test
    void theTaskSetsVocabAndTheFileOnlyGivesTheDefault() throws DefinitionException {
        assertThat(parse(SMALL).graph().output().shape()).isEqualTo(Shape.of(Shape.B, Shape.T, 256));
        String withVocab = "param vocab = 100\n" + SMALL.replace("arch small\n", "");
        assertThat(parse(withVocab).graph().output().shape()).isEqualTo(Shape.of(Shape.B, Shape.T, 100));
        ModelDefinition overridden = parse(withVocab, Map.of("vocab", 1000));
        assertThat(overridden.graph().output().shape()).isEqualTo(Shape.of(Shape.B, Shape.T, 1000));
        // embed and lm_head both grow by (1000 - 100) * d
        assertThat(overridden.parameterCount() - parse(withVocab).parameterCount()).isEqualTo(2L * 900 * 32);
        assertThat(overridden.canonicalHash()).isNotEqualTo(parse(withVocab).canonicalHash());
    }

    @Test
    void seqLenChangesFlopsButNeverShapesOrTheHash() throws DefinitionException {
        ModelDefinition shortSeq = parse(ATTENTION, Map.of("seq_len", 64));
        ModelDefinition longSeq = parse(ATTENTION, Map.of("seq_len", 1024));
        assertThat(longSeq.canonicalHash()).isEqualTo(shortSeq.canonicalHash());
        assertThat(longSeq.parameterCount()).isEqualTo(shortSeq.parameterCount());
        // attention's cost per token grows with the sequence
        assertThat(longSeq.flopsPerToken()).isGreaterThan(shortSeq.flopsPerToken());
        String withSeqLen = "param seq_len = 1024\n" + ATTENTION;
        assertThat(parse(withSeqLen).flopsPerToken()).isEqualTo(longSeq.flopsPerToken());
    }

    @Test
    void onlyBuiltInParamsCanBeOverridden() {
        assertThatThrownBy(() -> parse(SMALL, Map.of("d", 64))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("d");
    }

    @Test
    void aDefinitionMayShadowNeitherBuiltInParamsWithValuesNorUseThemWrongly() {
        assertThat(ModelDefinition.check("param vocab = 0\n" + SMALL.replace("arch small\n", ""), "t.arch").errors())
                .singleElement().satisfies(d -> assertThat(d.message()).contains("vocab"));
    }

    // ------------------------------------------------------------------ blocks and the library

    @Test
    void callingALibraryBlockAndPastingItsBodyGiveTheSameGraph() throws DefinitionException {
        String pasted = SMALL.replace("mlp(rmsnorm(x), 4 * d)", "linear(gelu(linear(rmsnorm(x), 4 * d)), d)");
        assertThat(pasted).isNotEqualTo(SMALL);
        assertThat(parse(pasted).canonicalHash()).isEqualTo(parse(SMALL).canonicalHash());

        String attentionPasted = ATTENTION.replace("softmax_attention(q, k, v)",
                "softmax(causal_mask((q @ transpose(k)) / 16 ** 0.5)) @ v");
        assertThat(parse(attentionPasted).canonicalHash()).isEqualTo(parse(ATTENTION).canonicalHash());

        String ownBlock = ATTENTION.replace("softmax_attention(q, k, v)", "attend(q, k, v)")
                + "\nblock attend(a, b, c):\n    s = causal_mask(a @ transpose(b) / size(a, -1) ** 0.5)\n"
                + "    return softmax(s) @ c\n";
        assertThat(parse(ownBlock).canonicalHash()).isEqualTo(parse(ATTENTION).canonicalHash());
    }

    @Test
    void aFileBlockWithALibraryNameReplacesItInThatFile() throws DefinitionException {
        String own = SMALL + "\nblock mlp(x, hidden):\n    return linear(relu(linear(x, hidden)), size(x, -1))\n";
        ModelDefinition def = parse(own);
        assertThat(def.warnings()).isEmpty();
        assertThat(def.graph().nodes()).anyMatch(n -> n.op().equals("relu"));
        assertThat(def.graph().nodes()).noneMatch(n -> n.op().equals("gelu"));
    }

    /**
     * docs/language.md: "a block defined in your file replaces the library block of the same name, for your
     * file only", and library blocks "call only other library blocks". So a file's own {@code l2norm} must
     * not change what the library's {@code delta_rule} computes.
     */
    @Test
    void aFileBlockWithALibraryNameDoesNotLeakIntoOtherLibraryBlocks() throws DefinitionException {
        String source = """
                param d = 32

                block mixer(x):
                    q = split_heads(linear(x, d), 2)
                    k = split_heads(linear(x, d), 2)
                    v = split_heads(linear(x, d), 2)
                    beta = sigmoid(split_heads(linear(x, 2), 2))
                    return linear(merge_heads(delta_rule(q, k, v, beta)), d)

                model(tokens):
                    x = embed(tokens, d)
                    return lm_head(x + mixer(x))
                """;
        String withOwnL2norm = source + "\nblock l2norm(x):\n    return x * 3\n";
        ModelDefinition own = parse(withOwnL2norm);
        assertThat(own.canonicalHash()).as("delta_rule must keep using the library's l2norm")
                .isEqualTo(parse(source).canonicalHash());
        // ... and the file's l2norm is then indeed unused, as the validator says.
        assertThat(own.warnings()).singleElement().satisfies(d -> assertThat(d.message()).contains("l2norm"));

        String withIncompatibleL2norm = source + "\nblock l2norm(x, eps):\n    return x * eps\n";
        assertThat(ModelDefinition.check(withIncompatibleL2norm, "t.arch").errors()).as("errors").isEmpty();
    }

    @Test
    void aLibraryBlockSeesNoParamsOfTheFile() throws DefinitionException {
        // lm_head reads the built-in vocab; a file param named like a library block's local must not matter.
        String source = "param hidden = 7\nparam dk = 3\n" + ATTENTION;
        assertThat(parse(source).canonicalHash()).isEqualTo(parse(ATTENTION).canonicalHash());
    }

    // ------------------------------------------------------------------ the hash of commutative ops

    static String twins(String expr) throws DefinitionException {
        return parse("param d = 32\nmodel(tokens):\n    x = embed(tokens, d)\n    a = linear(x, d)\n"
                + "    b = linear(x, d)\n    return lm_head(" + expr + ")\n").canonicalHash();
    }

    /**
     * {@code a} and {@code b} are twins: separate linears of the same input, with the same Merkle hash and
     * the same uses. Swapping the operands of one commutative op must not change the hash (found by
     * {@link CanonicalHashPropertiesTest#swappingOperandsOfCommutativeOpsKeepsTheHash}, about 1 in 10 000).
     */
    @Test
    void swappingTheOperandsOfACommutativeOpOnTwinValuesKeepsTheHash() throws DefinitionException {
        // Renaming a <-> b maps one onto the other, so these agree already:
        assertThat(twins("a * b + (b - a)")).isEqualTo(twins("a * b + (a - b)"));
        assertThat(twins("b * a + (b + a)")).isEqualTo(twins("a * b + (a + b)"));
        // ... and commutativity of '+' alone must give the same:
        assertThat(twins("a * b + (b + a)")).isEqualTo(twins("a * b + (a + b)"));
        assertThat(twins("b * a + (a + b)")).isEqualTo(twins("a * b + (a + b)"));
        // while a different computation differs
        assertThat(twins("a * b + (a - b)")).isNotEqualTo(twins("a * b + (a + b)"));
        assertThat(twins("a * a + (b + b)")).isNotEqualTo(twins("a * b + (a + b)"));
    }

    // ------------------------------------------------------------------ the quality of messages

    @Test
    void aValueUsedTooEarlyIsNotAlsoReportedAsUnused() {
        String source = """
                param d = 32

                model(tokens):
                    x = embed(tokens, d)
                    h = x + g
                    g = rmsnorm(x)
                    return lm_head(h)
                """;
        List<Diagnostic> errors = ModelDefinition.check(source, "t.arch").errors();
        assertThat(errors).extracting(Diagnostic::code).contains("use-before-assignment");
        assertThat(errors).as("'g' is read (on line 5), so calling it unused misleads")
                .noneMatch(d -> d.code().equals("unused") && d.message().contains("'g'"));
    }

    @Test
    void aSizeAboveTheLimitIsCalledTooLargeNotFractional() {
        for (String big : List.of("4000000000", "1e300", "2147483648")) {
            String source = "param d = 32\nmodel(tokens):\n    x = embed(tokens, d)\n    return lm_head(linear(x, "
                    + big + "))\n";
            Diagnostic d = ModelDefinition.check(source, "t.arch").errors().get(0);
            assertThat(d.message()).as("%s", d.render()).doesNotContain("whole number");
        }
        String repeat = "param d = 32\nblock layer(x):\n    return x\nmodel(tokens):\n    x = embed(tokens, d)\n"
                + "    return lm_head(repeat(1e300, layer, x))\n";
        Diagnostic d = ModelDefinition.check(repeat, "t.arch").errors().get(0);
        assertThat(d.message()).as("%s", d.render()).doesNotContain("whole number");
    }

    @Test
    void everyCodeTheGoldenFilesProduceIsDocumented() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "language.md"), StandardCharsets.UTF_8);
        int at = doc.indexOf("Codes:");
        assertThat(at).as("docs/language.md lists the error codes after 'Codes:'").isPositive();
        Set<String> documented = new HashSet<>();
        Matcher m = Pattern.compile("`([a-z-]+)`").matcher(doc.substring(at, doc.indexOf("\n\n", at)));
        while (m.find()) {
            documented.add(m.group(1));
        }
        Set<String> produced = new HashSet<>();
        try (Stream<Path> files = Files.list(GoldenDiagnosticsTest.DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".expected")).toList()) {
                Matcher c = Pattern.compile("(?:error|warning) \\[([a-z-]+)\\]").matcher(Files.readString(f));
                while (c.find()) {
                    produced.add(c.group(1));
                }
            }
        }
        assertThat(produced).isNotEmpty();
        assertThat(documented).containsAll(produced);
    }
}
