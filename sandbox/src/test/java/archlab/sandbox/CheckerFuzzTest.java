package archlab.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.Elaborator;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.graph.Shape;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Diagnostic;
import archlab.sandbox.lang.GeneratedProgram;
import archlab.sandbox.lang.StandardLibrary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Garbage in, clean errors out: whatever the text, {@link ModelDefinition#check} returns (never throws,
 * never overflows the stack), every diagnostic is located at line ≥ 1 and column ≥ 1 with a message, and
 * a definition that does check has sane figures (valid dims, non-negative parameter count, finite FLOPs).
 *
 * <p>Inputs: random bytes and characters, soups of the language's tokens, mutations of valid and
 * near-valid files, and a fixed list of hostile inputs (deep nesting, huge numbers and counts, long
 * lines, integer overflow in shapes).
 */
class CheckerFuzzTest {

    /**
     * Loads and initialises every checker class, and runs the corpus once, before any hostile input.
     * A StackOverflowError thrown while a class is being initialised leaves that class unusable for
     * the rest of the JVM (NoClassDefFoundError ever after), so one overflow would otherwise make
     * unrelated tests fail.
     */
    static void warmUp() {
        try {
            Path classes = Path.of(ModelDefinition.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    String name = classes.relativize(f).toString().replace('/', '.').replace('\\', '.');
                    Class.forName(name.substring(0, name.length() - ".class".length()), true,
                            CheckerFuzzTest.class.getClassLoader());
                }
            }
        } catch (Exception | LinkageError e) {
            throw new IllegalStateException("cannot load the checker's classes", e);
        }
        for (String s : CORPUS) {
            ModelDefinition.check(s, "warm.arch");
        }
    }

    /** Checks one input and asserts that the outcome is clean. */
    static CheckReport assertClean(String source) {
        CheckReport report;
        try {
            report = ModelDefinition.check(source, "fuzz.arch");
        } catch (Throwable t) {
            throw new AssertionError("check threw " + t + " for input:\n" + abbreviate(source), t);
        }
        long lines = source.chars().filter(c -> c == '\n').count() + 1;
        List<Diagnostic> all = new ArrayList<>(report.errors());
        all.addAll(report.warnings());
        for (Diagnostic d : all) {
            String where = d.render() + "\nfor input:\n" + abbreviate(source);
            assertThat(d.line()).as("line of %s", where).isBetween(1, (int) Math.min(Integer.MAX_VALUE, lines + 1));
            assertThat(d.col()).as("col of %s", where).isGreaterThanOrEqualTo(1);
            assertThat(d.message()).as("message of %s", where).isNotBlank();
            assertThat(d.code()).as("code of %s", where).isNotBlank();
            assertThat(d.file()).as("file of %s", where).isEqualTo("fuzz.arch");
        }
        if (report.ok()) {
            assertThat(report.params()).as("params of\n%s", abbreviate(source)).isNotNull().isNotNegative();
            assertThat(report.flopsPerToken()).as("FLOPs of\n%s", abbreviate(source)).isNotNull().isFinite()
                    .isNotNegative();
            assertThat(report.hash()).matches("[0-9a-f]{64}");
            try {
                assertSaneShapes(ModelDefinition.parse(source, "fuzz.arch").graph(), source);
            } catch (DefinitionException e) {
                throw new AssertionError("check accepted what parse rejects:\n" + abbreviate(source), e);
            }
        } else {
            assertThat(report.errors()).isNotEmpty();
        }
        return report;
    }

    static void assertSaneShapes(ArchGraph g, String source) {
        for (OpNode n : g.nodes()) {
            for (int d : n.shape().dims()) {
                assertThat(d == Shape.B || d == Shape.T || d >= 1 && d <= Elaborator.MAX_DIM)
                        .as("dim %s of %s in\n%s", d, n, abbreviate(source)).isTrue();
            }
            assertThat(n.weights()).as("weights of %s", n).isNotNegative();
            if (n.body() != null) {
                assertSaneShapes(n.body(), source);
            }
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 1500 ? s : s.substring(0, 700) + "\n[... " + (s.length() - 1400) + " chars ...]\n"
                + s.substring(s.length() - 700);
    }

    // ------------------------------------------------------------------ random text

    @Property(shrinking = ShrinkingMode.OFF)
    void randomBytes(@ForAll("bytes") byte[] bytes) {
        assertClean(new String(bytes, StandardCharsets.UTF_8));
        assertClean(new String(bytes, StandardCharsets.ISO_8859_1));
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void randomCharacters(@ForAll("strings") String s) {
        assertClean(s);
    }

    @Provide
    Arbitrary<String> strings() {
        return Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(200),
                Arbitraries.strings().withChars("()=:,+-*/@#.\n \t_abcxyz0123456789eE\r").ofMaxLength(300));
    }

    static final List<String> TOKENS = List.of("arch", "param", "block", "model", "return", "repeat", "scan", "true",
            "false", "tokens", "x", "y", "d", "vocab", "seq_len", "layer", "embed", "linear", "rmsnorm", "softmax",
            "causal_mask", "causal_zero", "transpose", "split_heads", "merge_heads", "split", "concat", "sum", "cumsum",
            "size", "parameter", "lm_head", "mlp", "softmax_attention", "delta_rule", "scan", "(", ")", "(", ")", ",",
            ":", "=", "+", "-", "*", "/", "//", "@", "**", "0", "1", "2", "-1", "64", "0.5", "1e-5", "1e999",
            "99999999999999999999", "2147483647", "\n", "\n", "\n    ", "\n    ", "\n        ", " ", " ", "#", "state=",
            "dim=", "bias=", "init=", "window=", "keepdim=");

    @Property(shrinking = ShrinkingMode.OFF)
    void tokenSoup(@ForAll("soups") String s) {
        assertClean(s);
    }

    @Provide
    Arbitrary<String> soups() {
        return Arbitraries.of(TOKENS).list().ofMaxSize(120).map(ts -> {
            StringBuilder out = new StringBuilder();
            for (String t : ts) {
                out.append(t);
                if (!t.startsWith("\n") && !t.endsWith("=")) {
                    out.append(' ');
                }
            }
            return out.toString();
        });
    }

    // ------------------------------------------------------------------ mutations of valid and near-valid files

    static final List<String> CORPUS = corpus();

    static {
        warmUp();
    }

    static List<String> corpus() {
        List<String> out = new ArrayList<>();
        Path golden = Path.of("src", "test", "resources", "golden");
        try (Stream<Path> files = Files.list(golden)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".arch")).sorted().toList()) {
                out.add(Files.readString(f, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // Library blocks with a model that uses the library, so mutations hit real library code paths.
        String lib = String.join("\n", StandardLibrary.sources().values());
        out.add(lib.replace("block ", "block my_") + "\nparam d = 64\nmodel(tokens):\n    x = embed(tokens, d)\n"
                + "    return lm_head(x + my_mlp(x, 4 * d))\n");
        Random r = new Random(42);
        for (int i = 0; i < 40; i++) {
            GeneratedProgram p = GeneratedProgram.random(r);
            out.add(i % 2 == 0 ? p.canonical() : p.render(GeneratedProgram.Style.ALL, r));
        }
        out.add("""
                param d = 64
                param heads = 4
                block mixer(x):
                    q = rope(split_heads(linear(x, d), heads))
                    k = rope(split_heads(linear(x, d), heads))
                    v = split_heads(linear(x, d), heads)
                    g = sigmoid(split_heads(linear(x, heads), heads))
                    a = decayed_linear_attention(elu1(q), elu1(k), v, g) + softmax_attention(q, k, v)
                    b = delta_rule(q, k, v, g) + linear_attention(elu1(q), elu1(k), v)
                    return linear(merge_heads(a + b + retention(q, k, v, 0.9)), d)
                block layer(x):
                    h = x + mixer(rmsnorm(x))
                    c = short_conv(h, kernel=3)
                    return c + swiglu(layernorm(c), 2 * d)
                model(tokens):
                    x = embed(tokens, d)
                    s = scan(step, x, state=(d, 2))
                    return lm_head(rmsnorm(repeat(2, layer, x + s)))
                block step(s, x):
                    s2 = s * 0.5 + unsqueeze(x, -1)
                    return s2, squeeze(slice(s2, 0, 1), -1)
                """);
        return List.copyOf(out);
    }

    static final String[] NUMBERS = {"0", "-1", "1e308", "1e-320", "99999999999999999999", "2147483647",
            "1073741824", "4294967296", "0.5", "1000000", "1000", "3", "-0", "1e99999", "65536"};
    static final String[] INSERTS = {"(", ")", ",", ":", "=", "\n", " ", "\t", "#", "0", "x", "'", "\"", ".", "[",
            "]", "\0", "\uFEFF", "é", "\r", "**", "@", "-", "    ", "\n    ", "block", "return", "model(tokens):"};

    static String mutate(String s, Random r) {
        int times = 1 + r.nextInt(4);
        for (int t = 0; t < times; t++) {
            s = mutateOnce(s, r);
        }
        return s;
    }

    static String mutateOnce(String s, Random r) {
        if (s.isEmpty()) {
            return INSERTS[r.nextInt(INSERTS.length)];
        }
        int at = r.nextInt(s.length());
        List<String> lines = new ArrayList<>(Arrays.asList(s.split("\n", -1)));
        int li = r.nextInt(lines.size());
        switch (r.nextInt(12)) {
            case 0:
                return s.substring(0, at) + s.substring(at + 1);
            case 1:
                return s.substring(0, at) + s.charAt(at) + s.substring(at);
            case 2:
                return at + 1 < s.length() ? s.substring(0, at) + s.charAt(at + 1) + s.charAt(at) + s.substring(at + 2) : s;
            case 3:
                return s.substring(0, at) + INSERTS[r.nextInt(INSERTS.length)] + s.substring(at);
            case 4:
                lines.remove(li);
                return String.join("\n", lines);
            case 5:
                lines.add(li, lines.get(li));
                return String.join("\n", lines);
            case 6: {
                int lj = r.nextInt(lines.size());
                String a = lines.get(li);
                lines.set(li, lines.get(lj));
                lines.set(lj, a);
                return String.join("\n", lines);
            }
            case 7: {
                String l = lines.get(li);
                lines.set(li, r.nextBoolean() ? " ".repeat(1 + r.nextInt(9)) + l : l.stripLeading());
                return String.join("\n", lines);
            }
            case 8: {
                // Replace a number with an extreme one.
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b\\d+(\\.\\d+)?\\b").matcher(s);
                List<int[]> spans = new ArrayList<>();
                while (m.find()) {
                    spans.add(new int[] {m.start(), m.end()});
                }
                if (spans.isEmpty()) {
                    return s;
                }
                int[] sp = spans.get(r.nextInt(spans.size()));
                return s.substring(0, sp[0]) + NUMBERS[r.nextInt(NUMBERS.length)] + s.substring(sp[1]);
            }
            case 9: {
                // Replace a word with another word of the text or a token.
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*").matcher(s);
                List<int[]> spans = new ArrayList<>();
                while (m.find()) {
                    spans.add(new int[] {m.start(), m.end()});
                }
                if (spans.isEmpty()) {
                    return s;
                }
                int[] sp = spans.get(r.nextInt(spans.size()));
                int[] other = spans.get(r.nextInt(spans.size()));
                String word = r.nextBoolean() ? s.substring(other[0], other[1]) : TOKENS.get(r.nextInt(TOKENS.size()));
                return s.substring(0, sp[0]) + word + s.substring(sp[1]);
            }
            case 10:
                return s.substring(0, at);
            default:
                return s.substring(0, at) + TOKENS.get(r.nextInt(TOKENS.size())) + " " + s.substring(at);
        }
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void mutationsOfValidAndNearValidFiles(@ForAll("seeds") long seed) {
        Random r = new Random(seed);
        String base = CORPUS.get(r.nextInt(CORPUS.size()));
        assertClean(mutate(base, r));
    }

    // ------------------------------------------------------------------ random calls of every primitive

    static final String[] CALL_NUMBERS = {"0", "1", "2", "3", "-1", "-2", "16", "4", "0.5", "1e9", "2147483647",
        "1e-9", "64", "8"};
    static final String[] CALL_KEYWORDS = {"dim", "keepdim", "bias", "window", "steps", "init", "std", "state", "a",
        "b", "heads", "parts", "start", "end", "kernel", "out", "x"};
    static final List<String> PRIMITIVES = List.copyOf(new java.util.TreeSet<>(archlab.sandbox.lang.Primitives.names()));

    /** A random expression: primitives, blocks, repeat and scan called with random (often ill-typed) arguments. */
    static String callExpr(Random r, List<String> scope, int depth) {
        int k = depth <= 0 ? r.nextInt(3) : r.nextInt(10);
        switch (k) {
            case 0:
                return scope.get(r.nextInt(scope.size()));
            case 1:
                return CALL_NUMBERS[r.nextInt(CALL_NUMBERS.length)];
            case 2:
                return r.nextInt(5) == 0 ? String.valueOf(r.nextBoolean()) : scope.get(r.nextInt(scope.size()));
            case 3, 4, 5, 6: {
                String f = r.nextInt(8) == 0 ? (r.nextBoolean() ? "blk" : "step")
                        : PRIMITIVES.get(r.nextInt(PRIMITIVES.size()));
                List<String> parts = new ArrayList<>();
                for (int i = 0, n = r.nextInt(4); i < n; i++) {
                    parts.add(callExpr(r, scope, depth - 1));
                }
                if (r.nextInt(3) == 0) {
                    parts.add(CALL_KEYWORDS[r.nextInt(CALL_KEYWORDS.length)] + "=" + callExpr(r, scope, depth - 1));
                }
                return f + "(" + String.join(", ", parts) + ")";
            }
            case 7:
                return "(" + callExpr(r, scope, depth - 1) + " " + List.of("+", "-", "*", "/", "//", "@", "**")
                        .get(r.nextInt(7)) + " " + callExpr(r, scope, depth - 1) + ")";
            case 8:
                return r.nextBoolean() ? "-" + callExpr(r, scope, depth - 1)
                        : "(" + callExpr(r, scope, depth - 1) + ", " + callExpr(r, scope, depth - 1) + ")";
            default:
                return r.nextBoolean()
                        ? "repeat(" + CALL_NUMBERS[r.nextInt(CALL_NUMBERS.length)] + ", blk, " + callExpr(r, scope, depth - 1)
                        + ")"
                        : "scan(step, " + callExpr(r, scope, depth - 1) + ", state=("
                        + CALL_NUMBERS[r.nextInt(CALL_NUMBERS.length)] + ", 1))";
        }
    }

    /** A definition whose statements are random calls; every value is read, so elaboration reaches them. */
    static String randomCalls(Random r) {
        StringBuilder s = new StringBuilder("param d = 16\n");
        if (r.nextInt(4) == 0) {
            s.append("param p = ").append(callExpr(r, List.of("d", "vocab"), 2)).append("\n");
        }
        s.append("block blk(x):\n    return ")
                .append(r.nextBoolean() ? "x + linear(x, size(x, -1))" : callExpr(r, List.of("x"), 3)).append("\n");
        s.append("block step(s, x):\n    s2 = ")
                .append(r.nextBoolean() ? "s + unsqueeze(x, -1)" : callExpr(r, List.of("s", "x"), 2))
                .append("\n    return s2, ").append(r.nextBoolean() ? "x" : callExpr(r, List.of("s", "x", "s2"), 2))
                .append("\n");
        s.append("model(tokens):\n    x = embed(tokens, d)\n");
        List<String> scope = new ArrayList<>(List.of("tokens", "x", "d"));
        List<String> values = new ArrayList<>();
        for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
            String v = "v" + i;
            s.append("    ").append(v).append(" = ").append(callExpr(r, scope, 3)).append("\n");
            scope.add(v);
            values.add(v);
        }
        s.append("    return lm_head(x + ").append(String.join(" + ", values)).append(")\n");
        return s.toString();
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void randomCallsOfEveryPrimitive(@ForAll("seeds") long seed) {
        assertClean(randomCalls(new Random(seed)));
    }

    // ------------------------------------------------------------------ hostile inputs

    static final String HEAD = "param d = 64\n\nblock layer(x):\n    return x + linear(x, d)\n\nmodel(tokens):\n"
            + "    x = embed(tokens, d)\n";

    static String model(String expr) {
        return HEAD + "    h = " + expr + "\n    return lm_head(h)\n";
    }

    static Stream<Arguments> hostile() {
        List<Arguments> out = new ArrayList<>();
        int n = 10_000;
        out.add(Arguments.of("10k open parens, closed", model("(".repeat(n) + "x" + ")".repeat(n))));
        out.add(Arguments.of("10k open parens, unclosed", model("(".repeat(n) + "x")));
        out.add(Arguments.of("10k open parens alone", "(".repeat(n)));
        out.add(Arguments.of("10k close parens alone", ")".repeat(n)));
        out.add(Arguments.of("10k nested calls", model("relu(".repeat(n) + "x" + ")".repeat(n))));
        out.add(Arguments.of("10k nested tuples", model("(x, ".repeat(n) + "x" + ")".repeat(n))));
        out.add(Arguments.of("10k unary minus", model("-".repeat(n) + "x")));
        out.add(Arguments.of("10k chained '**'", model("x" + " ** 2".repeat(n))));
        out.add(Arguments.of("10k chained '+'", model("x" + " + x".repeat(n))));
        out.add(Arguments.of("100k chained '*'", model("x" + " * 1".repeat(100_000))));
        out.add(Arguments.of("10k chained '@' on numbers", model("x + 2" + " @ 2".repeat(n))));
        out.add(Arguments.of("10k chained '+' in a param", "param p = 1" + " + 1".repeat(n) + "\n" + model("x * p")));
        out.add(Arguments.of("10k nested parens in a param", "param p = " + "(".repeat(n) + "1" + ")".repeat(n) + "\n"
                + model("x")));
        out.add(Arguments.of("10k deep block-argument default", "block f(x, k=" + "-".repeat(n) + "1):\n    return x\n"
                + model("f(x)")));
        out.add(Arguments.of("1 MB line of spaces", model("x" + " ".repeat(1_000_000))));
        out.add(Arguments.of("1 MB name", model("x" + "a".repeat(1_000_000))));
        out.add(Arguments.of("1 MB comment", "#" + "c".repeat(1_000_000) + "\n" + model("x")));
        out.add(Arguments.of("1 MB number", model("x * 1" + "0".repeat(1_000_000))));
        out.add(Arguments.of("1 MB of newlines", "\n".repeat(1_000_000) + model("x")));
        out.add(Arguments.of("100k statements", HEAD + "    h0 = x\n" + Stream.iterate(1, i -> i + 1).limit(100_000)
                .map(i -> "    h" + i + " = h" + (i - 1) + "\n").collect(Collectors.joining())
                + "    return lm_head(h100000)\n"));
        out.add(Arguments.of("20k-op statement chain", HEAD + "    h0 = x\n" + Stream.iterate(1, i -> i + 1).limit(20_000)
                .map(i -> "    h" + i + " = relu(h" + (i - 1) + ")\n").collect(Collectors.joining())
                + "    return lm_head(h20000)\n"));
        out.add(Arguments.of("10k params in a chain", Stream.iterate(1, i -> i + 1).limit(n)
                .map(i -> "param p" + i + " = " + (i == 1 ? "2" : "p" + (i - 1) + " * 2") + "\n")
                .collect(Collectors.joining()) + model("x")));
        out.add(Arguments.of("5000 blocks in a call chain", Stream.iterate(1, i -> i + 1).limit(5000)
                .map(i -> "block b" + i + "(x):\n    return " + (i == 1 ? "relu(x)" : "b" + (i - 1) + "(x)") + "\n")
                .collect(Collectors.joining()) + model("b5000(x)")));
        out.add(Arguments.of("5000 unused blocks", Stream.iterate(1, i -> i + 1).limit(5000)
                .map(i -> "block b" + i + "(x):\n    return relu(x)\n").collect(Collectors.joining()) + model("x")));
        out.add(Arguments.of("deep indentation", HEAD + Stream.iterate(1, i -> i + 1).limit(1000)
                .map(i -> " ".repeat(4 + i) + "h" + i + " = x\n").collect(Collectors.joining())));
        out.add(Arguments.of("huge integer literal", model("x * 123456789012345678901234567890")));
        out.add(Arguments.of("huge float literal", model("x * 1e999")));
        out.add(Arguments.of("tiny float literal as a size", model("linear(x, 1e-999)")));
        out.add(Arguments.of("overflowing param arithmetic", "param p = 1e300 * 1e300\n" + model("x * p")));
        out.add(Arguments.of("overflowing power", "param p = 10 ** 400\n" + model("x * p")));
        out.add(Arguments.of("a param multiplying a number by a boolean", "param p = 2 * true\n" + model("x * p")));
        out.add(Arguments.of("a param dividing a param by a boolean", "param q = 3\nparam p = q / true\n" + model("x * p")));
        out.add(Arguments.of("vocab plus a boolean", "param vocab = 2 + false\n" + model("x")));
        out.add(Arguments.of("a block default adding a boolean", "block f(x, k=2 + true):\n    return x * k\n"
                + model("f(x)")));
        out.add(Arguments.of("NaN from arithmetic", "param p = 0 * (1e300 * 1e300)\n" + model("x * p")));
        out.add(Arguments.of("repeat 10^9 times", model("repeat(1000000000, layer, x)")));
        out.add(Arguments.of("repeat 1e300 times", model("repeat(1e300, layer, x)")));
        out.add(Arguments.of("repeat 2^31 times", model("repeat(2147483648, layer, x)")));
        out.add(Arguments.of("repeat -1 times", model("repeat(-1, layer, x)")));
        out.add(Arguments.of("nested repeats 1000 x 1000", "param d = 64\nblock inner(x):\n    return x + linear(x, d)\n"
                + "block outer(x):\n    return repeat(1000, inner, x)\nmodel(tokens):\n    x = embed(tokens, d)\n"
                + "    return lm_head(repeat(1000, outer, x))\n"));
        out.add(Arguments.of("self-recursion through repeat", "param d = 64\nblock outer(x):\n"
                + "    return repeat(2, outer, x)\nmodel(tokens):\n    x = embed(tokens, d)\n"
                + "    return lm_head(outer(x))\n"));
        out.add(Arguments.of("mutual recursion", "param d = 64\nblock a(x):\n    return b(x)\nblock b(x):\n"
                + "    return a(x)\nmodel(tokens):\n    return lm_head(a(embed(tokens, d)))\n"));
        out.add(Arguments.of("a dim of 2^31 - 1", model("linear(x, 2147483647)")));
        out.add(Arguments.of("a dim of 2^40", model("linear(x, 1099511627776)")));
        out.add(Arguments.of("embedding of 2^30", model("x + linear(embed(tokens, 1073741823), 64)")));
        out.add(Arguments.of("merge_heads overflowing int", model(
                "linear(merge_heads(linear(transpose(unsqueeze(linear(x, 1000000000), -1), 1, 2), 1000000000)), d)")));
        out.add(Arguments.of("flatten overflowing int", model(
                "linear(flatten(unsqueeze(linear(x, 1000000000), -1) * parameter(1000, init=1)), d)")));
        out.add(Arguments.of("concat overflowing int", model(
                "linear(concat(linear(x, 1000000000), linear(x, 1000000000), linear(x, 1000000000)), d)")));
        out.add(Arguments.of("parameter with 10^27 weights", model("x + parameter(1000000000, 1000000000, "
                + "1000000000, 64, init=1)")));
        out.add(Arguments.of("parameter count overflowing long in total", model("x + parameter(1000000000, 1000000000, "
                + "64, init=1) + parameter(1000000000, 1000000000, 64, init=1)")));
        out.add(Arguments.of("split into 10^9 parts", model("split(x, 1000000000)")));
        out.add(Arguments.of("conv1d with a huge kernel", model("conv1d(x, 1000000000)")));
        out.add(Arguments.of("scan with a huge state", "param d = 64\nblock step(s, x):\n    s2 = s + unsqueeze(x, -1)\n"
                + "    return s2, x\n" + model("scan(step, x, state=(64, 1000000000))")));
        out.add(Arguments.of("empty file", ""));
        out.add(Arguments.of("only whitespace", "   \n\n  \r\n"));
        out.add(Arguments.of("only a comment", "# nothing here"));
        out.add(Arguments.of("NUL bytes", "\0\0\0model(tokens):\n    return tokens\n"));
        out.add(Arguments.of("byte order mark", "\uFEFF" + model("x")));
        out.add(Arguments.of("lone surrogate", model("x \uD800 x")));
        out.add(Arguments.of("unicode digits", model("linear(x, \u0663\u0664)")));
        out.add(Arguments.of("unicode letters in names", model("x") .replace("h =", "\u00e9t\u00e9 = x\n    h =")
                .replace("lm_head(h)", "lm_head(h + \u00e9t\u00e9)")));
        out.add(Arguments.of("model without body", "model(tokens):\n"));
        out.add(Arguments.of("model with two arguments", "model(a, b):\n    return a\n"));
        out.add(Arguments.of("model with no arguments", "model():\n    return 1\n"));
        out.add(Arguments.of("model returns a number", "model(tokens):\n    return 1\n"));
        out.add(Arguments.of("model returns a tuple", "model(tokens):\n    return tokens, tokens\n"));
        out.add(Arguments.of("model returns a block", HEAD + "    return layer\n"));
        out.add(Arguments.of("model returns tokens", "model(tokens):\n    return tokens\n"));
        out.add(Arguments.of("vocab is zero", "param vocab = 0\n" + model("x")));
        out.add(Arguments.of("vocab is a fraction", "param vocab = 2.5\n" + model("x")));
        out.add(Arguments.of("vocab is huge", "param vocab = 1e12\n" + model("x")));
        out.add(Arguments.of("seq_len is negative", "param seq_len = -5\n" + model("x")));
        out.add(Arguments.of("scan inside a scan step", "param d = 8\nblock inner(s, x):\n    s2 = s + x\n"
                + "    return s2, s2\nblock outer(s, x):\n    y = scan(inner, unsqueeze(x, 1), state=(1, 8))\n"
                + "    s2 = s + x\n    return s2, x\n" + model("scan(outer, x, state=(8,))")
                .replace("d = 64", "d = 8")));
        out.add(Arguments.of("a step returning a tuple of tuples", "param d = 8\nblock step(s, x):\n"
                + "    return (s, s), (x, x)\n" + model("scan(step, x, state=(8,))").replace("d = 64", "d = 8")));
        out.add(Arguments.of("keyword arguments to repeat", model("repeat(2, layer, x, y=1)")));
        out.add(Arguments.of("booleans everywhere", model("linear(true, false, bias=x)")));
        out.add(Arguments.of("size of a tuple", model("x * size((x, x), 0)")));
        out.add(Arguments.of("positions of a number", model("x * positions(3)")));
        out.add(Arguments.of("embed of an embedding", model("embed(x, d)")));
        out.add(Arguments.of("softmax of a scalar", model("x * softmax(parameter(1, init=0) * 0 + 1)")));
        out.add(Arguments.of("squeeze of a scalar", model("x * squeeze(sum(parameter(1, init=1)), 0)")));
        out.add(Arguments.of("transpose of a scalar", model("x * transpose(sum(parameter(1, init=1)))")));
        out.add(Arguments.of("cumsum of a scalar", model("x * cumsum(sum(parameter(1, init=1)))")));
        out.add(Arguments.of("unsqueeze at 10^9", model("unsqueeze(x, 1000000000)")));
        out.add(Arguments.of("slice beyond the end", model("slice(x, 0, 1000000000)")));
        out.add(Arguments.of("causal_mask with a huge window", "param heads = 4\n" + model(
                "merge_heads(softmax(causal_mask(split_heads(x, heads) @ transpose(split_heads(x, heads)), "
                        + "window=1e300)) @ split_heads(x, heads))")));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileInputsGiveCleanErrors(String name, String source) {
        assertClean(source);
    }
}
