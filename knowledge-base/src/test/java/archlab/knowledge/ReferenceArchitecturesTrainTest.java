package archlab.knowledge;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.StandardLibrary;
import archlab.sandbox.task.Mqar;
import archlab.sandbox.train.ProgressListener;
import archlab.sandbox.train.TrainConfig;
import archlab.sandbox.train.TrainResult;
import archlab.sandbox.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every reference architecture really trains: on a small MQAR (32 ids, 32 positions, 4 pairs) each
 * ends well above chance, and the ones that can recall exactly (attention, Based, DeltaNet) do. The
 * first eight train in the default suite (about 2 min on this 2-core machine, idle); the ten added
 * with the language's new ops (about 5 min more) train in the slow step of CI. Runs are bit-for-bit
 * reproducible.
 */
class ReferenceArchitecturesTrainTest {
    private static final Path DIR = Path.of("architectures");
    private static final int VOCAB = 32;
    private static final int SEQ = 32;
    private static final int PAIRS = 4;
    /** A value id guessed uniformly: keys and values each take half the ids. */
    private static final double CHANCE = 1.0 / (VOCAB / 2);
    /** These recall exactly within the budget; the others learn which values are in context first. */
    private static final Set<String> EXACT_RECALL = Set.of("transformer", "based", "deltanet");

    /** The library's first eight designs; the default suite trains these. */
    private static final Set<String> FIRST_EIGHT = Set.of("based", "deltanet", "gla", "hyena", "linear_attention",
            "mamba", "retnet", "transformer");

    static Stream<String> architectures() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".arch")).sorted().toList()
                    .stream();
        }
    }

    static Stream<String> firstEight() throws IOException {
        return architectures().filter(n -> FIRST_EIGHT.contains(n.replace(".arch", "")));
    }

    static Stream<String> theOthers() throws IOException {
        return architectures().filter(n -> !FIRST_EIGHT.contains(n.replace(".arch", "")));
    }

    @ParameterizedTest(name = "{0} learns a small MQAR")
    @MethodSource("firstEight")
    void trainsWellAboveChance(String file) throws Exception {
        learnsTheSmallMqar(file);
    }

    @ParameterizedTest(name = "{0} learns a small MQAR")
    @MethodSource("theOthers")
    @Tag("slow")
    void theNewerDesignsTrainWellAboveChance(String file) throws Exception {
        learnsTheSmallMqar(file);
    }

    private static void learnsTheSmallMqar(String file) throws Exception {
        TrainResult r = train(file, new Mqar(VOCAB, SEQ, PAIRS), 400);

        assertThat(r.ok()).as("%s: %s", file, r.failure()).isTrue();
        double accuracy = r.metrics().get("accuracy");
        // the figures docs/tasks.md quotes, in the surefire report
        System.out.printf("%s: accuracy %.3f after %d steps, %.1f s%n", file, accuracy, r.stepsDone(), r.wallSeconds());
        assertThat(accuracy).as(file + " accuracy").isGreaterThan(3 * CHANCE);
        if (EXACT_RECALL.contains(file.replace(".arch", ""))) {
            assertThat(accuracy).as(file + " recalls exactly").isGreaterThan(0.95);
        }
        assertThat(r.curve().get(r.curve().size() - 1).loss()).as("training loss falls")
                .isLessThan(r.curve().get(0).loss());
    }

    /** The bar: the softmax Transformer solves MQAR at 256 ids, 64 positions and 8 pairs. */
    @Test
    @Tag("slow")
    void theTransformerSolvesTheDefaultMqar() throws Exception {
        Mqar task = new Mqar(256, 64, 8);
        TrainResult r = train("transformer.arch", task, task.defaultSteps());
        assertThat(r.ok()).as("%s", r.failure()).isTrue();
        assertThat(r.metrics().get("accuracy")).isGreaterThanOrEqualTo(0.99);
    }

    private static TrainResult train(String file, Mqar task, int steps) throws Exception {
        ModelDefinition def = ModelDefinition.parse(Files.readString(DIR.resolve(file)), file,
                StandardLibrary.library(), Map.of("vocab", task.vocab(), "seq_len", task.seqLen()));
        TrainConfig config = TrainConfig.builder().steps(steps).seed(0).build();
        return Trainer.train(def, task, config, 2, ProgressListener.NONE);
    }
}
