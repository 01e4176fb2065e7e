package archlab.knowledge;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.sandbox.CheckReport;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.OpNode;
import archlab.sandbox.graph.Shape;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Diagnostic;
import archlab.sandbox.lang.Parser;
import archlab.sandbox.lang.Printer;
import archlab.sandbox.lang.StandardLibrary;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * The reference architectures in {@code knowledge-base/architectures/}: each checks without warnings,
 * returns {@code [B, T, vocab]}, has the intermediate shapes its comments promise, round-trips through the
 * printer with the same hash, and two of them have the parameter count worked out by hand.
 */
class ReferenceArchitecturesTest {
    /** Maven runs a module's tests in the module's directory. */
    static final Path DIR = Path.of("architectures");
    static final int B = Shape.B;
    static final int T = Shape.T;

    static Stream<String> files() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".arch")).sorted().toList()
                    .stream();
        }
    }

    static String source(String file) {
        try {
            return Files.readString(DIR.resolve(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ModelDefinition definition(String file) throws DefinitionException {
        return ModelDefinition.parse(source(file), file);
    }

    /** The shapes of every node of one op, scan bodies included, as text such as "[B, 4, T, T]". */
    static List<String> shapes(ArchGraph g, String op) {
        List<String> out = new ArrayList<>();
        for (OpNode n : g.nodes()) {
            if (n.op().equals(op)) {
                out.add(n.shape().toString());
            }
            if (n.body() != null) {
                out.addAll(shapes(n.body(), op));
            }
        }
        return out;
    }

    static List<OpNode> nodes(ArchGraph g, String op) {
        return g.nodes().stream().filter(n -> n.op().equals(op)).toList();
    }

    @Test
    void thereAreTheReferenceArchitectures() throws IOException {
        assertThat(files().toList()).containsExactlyInAnyOrder("based.arch", "deltanet.arch", "gla.arch",
                "hyena.arch", "linear_attention.arch", "mamba.arch", "retnet.arch", "transformer.arch",
                // issue 18
                "gated_deltanet.arch", "mamba2.arch", "rwkv6.arch", "hgrn2.arch", "hedgehog.arch", "titans.arch",
                "deltaproduct.arch", "forgetting_transformer.arch", "griffin.arch", "deltanet_path_router.arch");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void checksWithoutErrorsOrWarnings(String file) {
        CheckReport r = ModelDefinition.check(source(file), file);
        assertThat(r.errors()).extracting(Diagnostic::render).isEmpty();
        assertThat(r.warnings()).extracting(Diagnostic::render).isEmpty();
        assertThat(r.name()).isNotBlank();
        assertThat(r.params()).isPositive();
        assertThat(r.flopsPerToken()).isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void returnsLogitsOfShapeBTVocab(String file) throws DefinitionException {
        ModelDefinition def = definition(file);
        assertThat(def.graph().output().shape()).isEqualTo(Shape.of(B, T, 256));
        assertThat(def.graph().inputs()).singleElement().satisfies(in -> assertThat(in.shape()).isEqualTo(Shape.of(B, T)));
        ModelDefinition bigVocab = ModelDefinition.parse(source(file), file, StandardLibrary.library(),
                Map.of("vocab", 1000));
        assertThat(bigVocab.graph().output().shape()).isEqualTo(Shape.of(B, T, 1000));
        // The vocabulary appears in embed and lm_head: 2 * (1000 - 256) * d more weights, d = 64 in every file.
        assertThat(bigVocab.parameterCount() - def.parameterCount()).isEqualTo(2L * (1000 - 256) * 64);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void everyLayerWorksOnBT64AndEveryTensorHasAtMostTwoTimeAxes(String file) throws DefinitionException {
        ArchGraph g = definition(file).graph();
        assertThat(shapes(g, "embed")).containsExactly("[B, T, 64]");
        assertThat(shapes(g, "rmsnorm")).contains("[B, T, 64]");
        for (OpNode n : g.nodes()) {
            assertThat(n.shape().timeAxes()).as("%s", n).isLessThanOrEqualTo(2);
        }
        // Two layers, each with a residual add [B, T, 64] per sublayer.
        assertThat(shapes(g, "add").stream().filter(s -> s.equals("[B, T, 64]")).count()).isGreaterThanOrEqualTo(4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void printingAndParsingAgainKeepsTheTreeAndTheHash(String file) throws DefinitionException {
        Program parsed = Parser.parse(source(file), file);
        String printed = Printer.print(parsed);
        assertThat(Parser.parse(printed, file)).isEqualTo(parsed);
        assertThat(Printer.print(Parser.parse(printed, file))).isEqualTo(printed);
        assertThat(ModelDefinition.parse(printed, file).canonicalHash()).isEqualTo(definition(file).canonicalHash());
    }

    @Test
    void theArchitecturesAreDistinct() throws IOException, DefinitionException {
        List<String> hashes = new ArrayList<>();
        for (String f : files().toList()) {
            hashes.add(definition(f).canonicalHash());
        }
        assertThat(hashes).doesNotHaveDuplicates();
    }

    // ------------------------------------------------------------------ intermediate shapes, per file

    @Test
    void transformer() throws DefinitionException {
        ArchGraph g = definition("transformer.arch").graph();
        // q @ transpose(k): the score matrix; then softmax(causal_mask(.)) @ v back to per-head values.
        assertThat(shapes(g, "matmul")).containsExactlyInAnyOrder("[B, 4, T, T]", "[B, 4, T, T]", "[B, 4, T, 16]",
                "[B, 4, T, 16]");
        assertThat(shapes(g, "transpose")).containsOnly("[B, 4, 16, T]");
        assertThat(nodes(g, "softmax")).hasSize(2).allSatisfy(n -> {
            assertThat(n.shape()).isEqualTo(Shape.of(B, 4, T, T));
            assertThat(n.mask()).isEqualTo(OpNode.Mask.ZERO);
        });
        assertThat(nodes(g, "causal_mask")).allMatch(n -> n.mask() == OpNode.Mask.NEG_INF);
        assertThat(shapes(g, "rope")).hasSize(4).containsOnly("[B, 4, T, 16]");
        assertThat(shapes(g, "split_heads")).hasSize(6).containsOnly("[B, 4, T, 16]");
        assertThat(shapes(g, "merge_heads")).hasSize(2).containsOnly("[B, T, 64]");
        assertThat(shapes(g, "gelu")).hasSize(2).containsOnly("[B, T, 256]");
        assertThat(shapes(g, "linear")).hasSize(13);
    }

    @Test
    void linearAttention() throws DefinitionException {
        ArchGraph g = definition("linear_attention.arch").graph();
        assertThat(nodes(g, "causal_zero")).hasSize(2).allSatisfy(n -> {
            assertThat(n.shape()).isEqualTo(Shape.of(B, 4, T, T));
            assertThat(n.mask()).isEqualTo(OpNode.Mask.ZERO);
        });
        assertThat(shapes(g, "sum")).containsOnly("[B, 4, T, 1]");          // the causal row sums
        assertThat(shapes(g, "elu")).hasSize(4).containsOnly("[B, 4, T, 16]");
        assertThat(shapes(g, "matmul")).contains("[B, 4, T, T]", "[B, 4, T, 16]");
    }

    @Test
    void gla() throws DefinitionException {
        ArchGraph g = definition("gla.arch").graph();
        assertThat(shapes(g, "pow")).hasSize(2).containsOnly("[B, 4, T, 1]");   // the per-head gate
        assertThat(shapes(g, "cumsum")).hasSize(2).containsOnly("[B, 4, T, 1]");
        assertThat(shapes(g, "causal_mask")).containsOnly("[B, 4, T, T]");
        assertThat(nodes(g, "exp")).allSatisfy(n -> assertThat(n.mask()).isEqualTo(OpNode.Mask.ZERO));
        assertThat(shapes(g, "merge_heads")).containsOnly("[B, T, 64]");
    }

    @Test
    void retnet() throws DefinitionException {
        ArchGraph g = definition("retnet.arch").graph();
        assertThat(shapes(g, "positions")).containsOnly("[T, 1]");
        // the decay matrix gamma^(i-j) is shared by batch and heads: [T, T]
        assertThat(shapes(g, "causal_mask")).containsOnly("[T, T]");
        assertThat(shapes(g, "rope")).hasSize(4).containsOnly("[B, 4, T, 16]");
        assertThat(shapes(g, "rmsnorm")).contains("[B, 4, T, 16]");             // normalised per head
    }

    @Test
    void deltanet() throws DefinitionException {
        ArchGraph g = definition("deltanet.arch").graph();
        List<OpNode> scans = nodes(g, "scan");
        assertThat(scans).hasSize(2).allSatisfy(n -> {
            assertThat(n.shape()).isEqualTo(Shape.of(B, 4, T, 16));
            assertThat(n.attrs().get("state")).isEqualTo(List.of(4, 16, 16));
            assertThat(n.attrs().get("axis")).isEqualTo(2);
            assertThat(shapes(n.body(), "scan_state")).containsExactly("[B, 4, 16, 16]");
            assertThat(shapes(n.body(), "scan_input")).containsExactlyInAnyOrder("[B, 4, 16]", "[B, 4, 16]",
                    "[B, 4, 16]", "[B, 4, 1]");
            assertThat(n.body().outputs()).extracting(o -> o.shape().toString())
                    .containsExactly("[B, 4, 16, 16]", "[B, 4, 16]");
        });
        assertThat(shapes(g, "conv1d")).hasSize(6).containsOnly("[B, T, 64]");
        assertThat(shapes(g, "sigmoid")).containsOnly("[B, 4, T, 1]");
    }

    @Test
    void mamba() throws DefinitionException {
        ArchGraph g = definition("mamba.arch").graph();
        assertThat(nodes(g, "scan")).hasSize(2).allSatisfy(n -> {
            assertThat(n.shape()).isEqualTo(Shape.of(B, T, 128));
            assertThat(n.attrs().get("state")).isEqualTo(List.of(128, 8));
            assertThat(shapes(n.body(), "scan_state")).containsExactly("[B, 128, 8]");
            assertThat(shapes(n.body(), "parameter")).containsExactly("[128, 8]");   // A, shared over time
            assertThat(n.body().outputs()).extracting(o -> o.shape().toString())
                    .containsExactly("[B, 128, 8]", "[B, 128]");
        });
        assertThat(shapes(g, "conv1d")).containsOnly("[B, T, 128]");
        assertThat(shapes(g, "linear")).contains("[B, T, 4]", "[B, T, 8]", "[B, T, 128]");   // dt_rank, n, d_inner
    }

    @Test
    void hyena() throws DefinitionException {
        ArchGraph g = definition("hyena.arch").graph();
        assertThat(shapes(g, "conv1d")).hasSize(2).containsOnly("[B, T, 192]");
        assertThat(shapes(g, "slice")).hasSize(6).containsOnly("[B, T, 64]");     // split into v, x1, x2
        assertThat(shapes(g, "sum")).containsOnly("[4, T, T]");                    // the implicit filter per head
        assertThat(shapes(g, "causal_mask")).containsOnly("[4, T, T]");
        assertThat(shapes(g, "matmul")).hasSize(4).containsOnly("[B, 4, T, 16]");  // the long convolutions
        assertThat(shapes(g, "parameter")).contains("[8, 1, 1]", "[4, 8, 1, 1]", "[4, 1, 1]");
    }

    @Test
    void based() throws DefinitionException {
        ArchGraph g = definition("based.arch").graph();
        assertThat(nodes(g, "causal_mask")).hasSize(2).allSatisfy(n -> {
            assertThat(n.shape()).isEqualTo(Shape.of(B, 4, T, T));
            assertThat(n.attrs().get("window")).isEqualTo(16);
        });
        assertThat(shapes(g, "causal_zero")).hasSize(2).containsOnly("[B, 4, T, T]");   // Taylor attention
        assertThat(shapes(g, "conv1d")).hasSize(2).containsOnly("[B, T, 64]");
        assertThat(shapes(g, "softmax")).containsOnly("[B, 4, T, T]");
    }

    // ------------------------------------------------------------------ parameter counts by hand

    @Test
    void transformerParameterCountByHand() throws DefinitionException {
        // d = 64, heads = 4, layers = 2, vocab = 256; no linear has a bias.
        //   embed(tokens, d)                       256 * 64            = 16 384
        //   per layer:
        //     rmsnorm x 2                          2 * 64              =    128
        //     attention: q, k, v, out linear(d)    4 * 64 * 64         = 16 384
        //     mlp(h, 4d): linear 64->256, 256->64  2 * 64 * 256        = 32 768
        //                                                      layer   = 49 280
        //   2 layers                               2 * 49 280          = 98 560
        //   final rmsnorm                          64                  =     64
        //   lm_head: linear(x, vocab)              64 * 256            = 16 384
        //   total                  16 384 + 98 560 + 64 + 16 384       = 131 392
        long byHand = 256 * 64 + 2 * (2 * 64 + 4 * 64 * 64 + 2 * 64 * 256) + 64 + 64 * 256;
        assertThat(byHand).isEqualTo(131_392);
        assertThat(definition("transformer.arch").parameterCount()).isEqualTo(byHand);
    }

    @Test
    void mambaParameterCountByHand() throws DefinitionException {
        // d = 64, d_inner = 128, n = 8, dt_rank = 64 // 16 = 4, layers = 2, vocab = 256.
        //   embed                                    256 * 64                 = 16 384
        //   per layer:
        //     rmsnorm x 2                            2 * 64                   =    128
        //     mixer:
        //       u: linear(x, d_inner)                64 * 128                 =  8 192
        //          short_conv: conv1d(kernel 4)      128 * 4 + 128            =    640
        //       z: linear(x, d_inner)                64 * 128                 =  8 192
        //       delta: linear(u, dt_rank)            128 * 4                  =    512
        //              linear(., d_inner, bias)      4 * 128 + 128            =    640
        //       b, c: linear(u, n) x 2               2 * 128 * 8              =  2 048
        //       scan body: A = parameter(d_inner, n), once (shared over time)
        //                                            128 * 8                  =  1 024
        //       D = parameter(d_inner)               128                      =    128
        //       out: linear(., d)                    128 * 64                 =  8 192
        //                                                        mixer        = 29 568
        //     mlp(h, 4d)                             2 * 64 * 256             = 32 768
        //                                                        layer        = 62 464
        //   2 layers                                                          = 124 928
        //   final rmsnorm + lm_head                  64 + 64 * 256            = 16 448
        //   total                                    16 384 + 124 928 + 16 448 = 157 760
        long mixer = 64 * 128 + (128 * 4 + 128) + 64 * 128 + 128 * 4 + (4 * 128 + 128) + 2 * 128 * 8 + 128 * 8
                + 128 + 128 * 64;
        assertThat(mixer).isEqualTo(29_568);
        long byHand = 256 * 64 + 2 * (2 * 64 + mixer + 2 * 64 * 256) + 64 + 64 * 256;
        assertThat(byHand).isEqualTo(157_760);
        assertThat(definition("mamba.arch").parameterCount()).isEqualTo(byHand);
    }

    // ------------------------------------------------------------------ near-valid variants

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    /** Mutations of the reference files (the most realistic near-valid inputs) give only clean errors. */
    @Property(tries = 400, shrinking = ShrinkingMode.OFF)
    void mutatedReferenceFilesGiveCleanResults(@ForAll("seeds") long seed) throws IOException {
        Random r = new Random(seed);
        List<String> all = files().toList();
        String s = source(all.get(r.nextInt(all.size())));
        for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
            s = mutate(s, r);
        }
        CheckReport report;
        try {
            report = ModelDefinition.check(s, "m.arch");
        } catch (Throwable t) {
            throw new AssertionError("check threw " + t + " for:\n" + s, t);
        }
        for (Diagnostic d : report.errors()) {
            assertThat(d.line()).as(d.render()).isPositive();
            assertThat(d.col()).as(d.render()).isPositive();
            assertThat(d.message()).as(d.render()).isNotBlank();
        }
        if (report.ok()) {
            assertThat(report.params()).isNotNegative();
        }
    }

    static final String[] WORDS = {"x", "d", "heads", "layers", "q", "k", "v", "T", "1", "0", "-1", "2", "64",
        "1000000", "(", ")", ",", "+", "*", "@", "transpose", "softmax", "sum", "cumsum", "causal_mask", "causal_zero",
        "linear", "split_heads", "merge_heads", "rmsnorm", "repeat", "scan", "return", "model", "block", "\n", "    "};

    static String mutate(String s, Random r) {
        if (s.isEmpty()) {
            return WORDS[r.nextInt(WORDS.length)];
        }
        int at = r.nextInt(s.length());
        String[] lines = s.split("\n", -1);
        int li = r.nextInt(lines.length);
        return switch (r.nextInt(7)) {
            case 0 -> s.substring(0, at) + s.substring(at + 1);
            case 1 -> s.substring(0, at) + WORDS[r.nextInt(WORDS.length)] + s.substring(at);
            case 2 -> {
                List<String> ls = new ArrayList<>(List.of(lines));
                ls.remove(li);
                yield String.join("\n", ls);
            }
            case 3 -> {
                List<String> ls = new ArrayList<>(List.of(lines));
                ls.add(li, ls.get(li));
                yield String.join("\n", ls);
            }
            case 4 -> {
                // replace one word by another (a renamed wire, a swapped op)
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*|\\d+").matcher(s);
                List<int[]> spans = new ArrayList<>();
                while (m.find()) {
                    spans.add(new int[] {m.start(), m.end()});
                }
                if (spans.isEmpty()) {
                    yield s;   // earlier mutations left no word to replace
                }
                int[] sp = spans.get(r.nextInt(spans.size()));
                yield s.substring(0, sp[0]) + WORDS[r.nextInt(WORDS.length)] + s.substring(sp[1]);
            }
            case 5 -> s.replaceFirst("causal_mask\\(|causal_zero\\(", "(");   // drop a mask
            default -> s.substring(0, at);
        };
    }
}
