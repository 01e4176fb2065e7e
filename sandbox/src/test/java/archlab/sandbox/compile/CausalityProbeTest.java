package archlab.sandbox.compile;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.StandardLibrary;
import archlab.sandbox.lang.StandardLibraryTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The causality probe over every reference architecture and every standard-library block: none may
 * let a position see a later token, or give a prefix other logits than the whole sequence. Each run
 * prints the probe's wall time, which docs/sandbox.md reports per design.
 */
class CausalityProbeTest {
    /** The tasks' sequence length (MQAR's default) and vocab, as a campaign trains them. */
    static final int SEQ = 64;
    static final int VOCAB = 256;
    static NDManager root;

    @BeforeAll
    static void engine() {
        root = Engines.pytorch(1).newBaseManager();
    }

    @AfterAll
    static void close() {
        root.close();
    }

    static Path architectures() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("knowledge-base/architectures"))) {
            p = p.getParent();
        }
        assertThat(p).as("knowledge-base/architectures above the working directory").isNotNull();
        return p.resolve("knowledge-base/architectures");
    }

    static Stream<String> referenceArchitectures() throws IOException {
        try (Stream<Path> files = Files.list(architectures())) {
            List<String> names = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".arch")).sorted()
                    .toList();
            assertThat(names).hasSizeGreaterThanOrEqualTo(8);
            return names.stream();
        }
    }

    static Stream<String> libraryBlocks() {
        return StandardLibrary.library().blocks().keySet().stream().sorted();
    }

    /** Probes with three seeds (other change positions and prefixes), after one unmeasured warm-up. */
    static void assertCausal(String name, String source) throws Exception {
        ModelDefinition def = ModelDefinition.parse(source, name, StandardLibrary.library(),
                Map.of("vocab", VOCAB, "seq_len", SEQ));
        try (CompiledModel model = CompiledModel.compile(def.graph(), root, 0)) {
            CausalityProbe.probe(model, root, VOCAB, SEQ, 99);
            double total = 0;
            for (long seed = 0; seed < 3; seed++) {
                CausalityProbe.Verdict v = CausalityProbe.probe(model, root, VOCAB, SEQ, seed);
                assertThat(v.causal()).as("%s, seed %d: %s", name, seed, v.message()).isTrue();
                total += v.millis();
            }
            System.out.printf(Locale.ROOT, "causality probe: %-28s %,9d params  T=%d  %6.1f ms%n", name,
                    def.parameterCount(), SEQ, total / 3);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceArchitectures")
    void everyReferenceArchitectureIsCausalEmpirically(String file) throws Exception {
        assertCausal(file, Files.readString(architectures().resolve(file), StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("libraryBlocks")
    void everyLibraryBlockIsCausalEmpirically(String block) throws Exception {
        String[] use = StandardLibraryTest.USES.get(block);
        assertThat(use).as("a use of the library block '%s' in StandardLibraryTest.USES", block).isNotNull();
        assertCausal(block, use[0].formatted(use[1]));
    }
}
