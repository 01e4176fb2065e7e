package archlab.sandbox.lang;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.sandbox.lang.Ast.Arg;
import archlab.sandbox.lang.Ast.Assign;
import archlab.sandbox.lang.Ast.Binary;
import archlab.sandbox.lang.Ast.Block;
import archlab.sandbox.lang.Ast.Bool;
import archlab.sandbox.lang.Ast.Call;
import archlab.sandbox.lang.Ast.Expr;
import archlab.sandbox.lang.Ast.KwArg;
import archlab.sandbox.lang.Ast.Name;
import archlab.sandbox.lang.Ast.Num;
import archlab.sandbox.lang.Ast.Param;
import archlab.sandbox.lang.Ast.Pos;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.Ast.Return;
import archlab.sandbox.lang.Ast.Stmt;
import archlab.sandbox.lang.Ast.Tuple;
import archlab.sandbox.lang.Ast.Unary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * parse → print → parse is the identity (syntax trees compare without positions), and printing is
 * idempotent, on generated definitions in every layout, on random expression trees, on the standard
 * library and on the golden test files that parse.
 */
class RoundTripTest {
    static final Pos P = new Pos(1, 1);

    static void assertRoundTrip(Program parsed, String source) throws DefinitionException {
        String printed = Printer.print(parsed);
        Program again = Parser.parseAny(printed, "printed.arch");
        assertThat(again).as("parse(print(parse(s))) differs from parse(s)\n--- source:\n%s\n--- printed:\n%s", source,
                printed).isEqualTo(parsed);
        assertThat(Printer.print(again)).as("printing is not idempotent").isEqualTo(printed);
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    @Property(tries = 400, shrinking = ShrinkingMode.OFF)
    void generatedDefinitionsInAnyLayoutRoundTrip(@ForAll("seeds") long seed) throws DefinitionException {
        Random r = new Random(seed);
        GeneratedProgram p = GeneratedProgram.random(r);
        String source = p.render(GeneratedProgram.Style.ALL, r);
        assertRoundTrip(Parser.parse(source, "gen.arch"), source);
    }

    @Property(tries = 100, shrinking = ShrinkingMode.OFF)
    void differentLayoutsOfOneDefinitionParseToTheSameTree(@ForAll("seeds") long seed) throws DefinitionException {
        Random r = new Random(seed);
        GeneratedProgram p = GeneratedProgram.random(r);
        GeneratedProgram.Style layoutOnly = new GeneratedProgram.Style(false, false, true, false, false, false);
        String a = p.render(layoutOnly, r);
        // Layout: blank lines, comments, spacing, wrapped calls, indentation widths, CRLF, redundant parens
        // around a right-hand side; the syntax tree keeps none of it.
        Program parsed = Parser.parse(a, "a.arch");
        Program withoutArch = new Program(null, parsed.params(), parsed.blocks(), parsed.model());
        assertThat(withoutArch).as("layout\n%s\n--- vs\n%s", a, p.canonical())
                .isEqualTo(Parser.parse(p.canonical(), "b.arch"));
    }

    // ------------------------------------------------------------------ random syntax trees

    static final String[] OPS = {"+", "-", "*", "/", "//", "@", "**"};
    static final String[] NAMES = {"x", "y", "q_k", "_h2", "Dim", "linear", "softmax", "mlp", "a1"};

    static Expr expr(Random r, int depth) {
        int k = depth <= 0 ? r.nextInt(3) : r.nextInt(8);
        return switch (k) {
            case 0 -> number(r);
            case 1 -> new Name(NAMES[r.nextInt(NAMES.length)], P);
            case 2 -> r.nextInt(4) == 0 ? new Bool(r.nextBoolean(), P) : new Name(NAMES[r.nextInt(NAMES.length)], P);
            case 3, 4 -> new Binary(OPS[r.nextInt(OPS.length)], expr(r, depth - 1), expr(r, depth - 1), P);
            case 5 -> new Unary("-", expr(r, depth - 1), P);
            case 6 -> {
                List<Expr> args = new ArrayList<>();
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    args.add(expr(r, depth - 1));
                }
                List<KwArg> kws = new ArrayList<>();
                int m = r.nextInt(3);
                for (int i = 0; i < m; i++) {
                    kws.add(new KwArg("k" + i, expr(r, depth - 1), P));
                }
                String callee = r.nextInt(6) == 0 ? (r.nextBoolean() ? "repeat" : "scan") : NAMES[r.nextInt(NAMES.length)];
                yield new Call(callee, args, kws, P);
            }
            default -> {
                List<Expr> items = new ArrayList<>();
                int n = 1 + r.nextInt(3);
                for (int i = 0; i < n; i++) {
                    items.add(expr(r, depth - 1));
                }
                yield new Tuple(items, P);
            }
        };
    }

    static Num number(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> new Num(r.nextInt(1000), true, P);
            case 1 -> new Num(r.nextInt(100) / 8.0, false, P);
            case 2 -> new Num(1e-5, false, P);
            case 3 -> new Num(2.5e12, false, P);
            case 4 -> new Num(9_007_199_254_740_991L, true, P);
            default -> new Num(r.nextDouble() * Math.pow(10, r.nextInt(40) - 20), false, P);
        };
    }

    static Program program(Random r) {
        List<Param> params = new ArrayList<>();
        for (int i = 0; i < r.nextInt(3); i++) {
            params.add(new Param("p" + i, expr(r, 3), P));
        }
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < r.nextInt(3); i++) {
            List<Arg> args = new ArrayList<>();
            int n = r.nextInt(4);
            int required = r.nextInt(n + 1);
            for (int j = 0; j < n; j++) {
                args.add(new Arg("a" + j, j < required ? null : expr(r, 2), P));
            }
            blocks.add(new Block("b" + i, args, body(r), P));
        }
        Block model = new Block("model", List.of(new Arg("tokens", null, P)), body(r), P);
        return new Program(r.nextBoolean() ? "gen" : null, params, blocks, model);
    }

    static List<Stmt> body(Random r) {
        List<Stmt> body = new ArrayList<>();
        for (int i = 0; i < r.nextInt(4); i++) {
            List<Name> targets = new ArrayList<>();
            int n = 1 + (r.nextInt(4) == 0 ? 1 + r.nextInt(2) : 0);
            for (int j = 0; j < n; j++) {
                targets.add(new Name("v" + i + "_" + j, P));
            }
            body.add(new Assign(targets, expr(r, 4), P));
        }
        List<Expr> values = new ArrayList<>();
        int n = 1 + (r.nextInt(3) == 0 ? 1 : 0);
        for (int j = 0; j < n; j++) {
            values.add(expr(r, 4));
        }
        body.add(new Return(values, P));
        return body;
    }

    @Property(tries = 1000, shrinking = ShrinkingMode.OFF)
    void randomSyntaxTreesRoundTrip(@ForAll("seeds") long seed) throws DefinitionException {
        Program p = program(new Random(seed));
        String printed = Printer.print(p);
        Program parsed;
        try {
            parsed = Parser.parse(printed, "printed.arch");
        } catch (DefinitionException e) {
            throw new AssertionError("the printer wrote text the parser rejects:\n" + printed + "\n" + e.getMessage(), e);
        }
        assertThat(parsed).as("printed:\n%s", printed).isEqualTo(p);
    }

    @Test
    void operatorPrecedenceAndAssociativitySurvivePrinting() throws DefinitionException {
        for (String e : List.of("a - (b - c)", "a - b - c", "(a - b) - c", "a / (b * c)", "a // b // c",
                "a ** b ** c", "(a ** b) ** c", "-a ** b", "(-a) ** b", "a ** -b", "-(a + b)", "- -a", "a - -b",
                "a * -b", "(a, b)", "(a,)", "f((a, b), c=(d,))", "a @ b @ c", "a @ (b @ c)", "2 * (3 + 4) ** 2",
                "1e-5", "0.5", ".5", "2.5E3", "1.0", "10", "f(a, b, k=true, j=false)", "repeat(2, f, x)",
                "scan(s, x, state=(4, 8))")) {
            String source = "model(tokens):\n    v = " + e + "\n    return v\n";
            Program parsed = Parser.parse(source, "e.arch");
            assertRoundTrip(parsed, source);
        }
    }

    // ------------------------------------------------------------------ real files

    static Stream<String> stdlibFiles() {
        return StandardLibrary.sources().keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stdlibFiles")
    void standardLibraryFilesRoundTrip(String file) throws DefinitionException {
        String source = StandardLibrary.sources().get(file);
        Program parsed = Parser.parseLibrary(source, file);
        String printed = Printer.print(parsed);
        assertThat(Parser.parseLibrary(printed, file)).as("printed:\n%s", printed).isEqualTo(parsed);
        assertThat(Printer.print(Parser.parseLibrary(printed, file))).isEqualTo(printed);
    }

    static Stream<String> goldenFilesThatParse() throws IOException {
        Path dir = Path.of("src", "test", "resources", "golden");
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".arch")).sorted().toList()) {
                try {
                    Parser.parse(Files.readString(f, StandardCharsets.UTF_8), "g.arch");
                    out.add(f.getFileName().toString());
                } catch (DefinitionException e) {
                    // a syntax-error case; nothing to round-trip
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenFilesThatParse")
    void goldenFilesThatParseRoundTrip(String file) throws IOException, DefinitionException {
        String source = Files.readString(Path.of("src", "test", "resources", "golden", file), StandardCharsets.UTF_8);
        assertRoundTrip(Parser.parse(source, file), source);
    }

    @Test
    void positionsDoNotTakePartInEquality() throws DefinitionException {
        Program a = Parser.parse("model(tokens):\n    return lm_head(embed(tokens, 8))\n", "a.arch");
        Program b = Parser.parse("\n\n# moved\nmodel( tokens ):\n        return lm_head(\n  embed(tokens,8))\n", "b.arch");
        assertThat(a).isEqualTo(b);
        assertThat(a.model().pos()).isNotSameAs(b.model().pos());
        assertThat(Map.of(a.model().pos().line(), 1)).containsKey(1);
        assertThat(b.model().pos().line()).isEqualTo(4);
    }
}
