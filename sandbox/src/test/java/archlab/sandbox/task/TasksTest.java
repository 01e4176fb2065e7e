package archlab.sandbox.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TasksTest {
    @TempDir
    Path dir;

    /** A user task: the default selective-copy data under another name and sequence length. */
    public static final class EchoFactory implements TaskFactory {
        @Override
        public String name() {
            return "echo";
        }

        @Override
        public Task create(Map<String, String> options) {
            for (String k : options.keySet()) {
                if (!k.equals("seq_len")) {
                    throw new IllegalArgumentException("unknown option '" + k + "' for task echo; valid options: seq_len");
                }
            }
            int len = Integer.parseInt(options.getOrDefault("seq_len", "17"));
            SelectiveCopy inner = new SelectiveCopy(16, len, 8);
            return new Task() {
                public String name() { return "echo"; }
                public int vocab() { return inner.vocab(); }
                public int seqLen() { return inner.seqLen(); }
                public Batch trainBatch(long seed, long step, int batchSize) { return inner.trainBatch(seed, step, batchSize); }
                public Batch evalBatch(long seed, int index, int batchSize) { return inner.evalBatch(seed, index, batchSize); }
                public String primaryMetric() { return "accuracy"; }
                public boolean higherIsBetter() { return true; }
                public Map<String, Double> metrics(double meanLoss, double accuracy) { return inner.metrics(meanLoss, accuracy); }
                public Map<String, Object> config() { return Map.of("task", "echo", "seq_len", len); }
            };
        }
    }

    /** Claims a built-in name; the built-in must win. */
    public static final class ImpostorFactory implements TaskFactory {
        @Override
        public String name() {
            return "mqar";
        }

        @Override
        public Task create(Map<String, String> options) {
            throw new AssertionError("a factory must not shadow a built-in task");
        }
    }

    /** A class loader that sees the test classes plus a services file listing {@code providers}. */
    private ClassLoader pluginLoader(String... providers) throws IOException {
        Path services = dir.resolve("plugin/META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(TaskFactory.class.getName()), String.join("\n", providers) + "\n");
        return new URLClassLoader(new URL[] {dir.resolve("plugin").toUri().toURL()}, TasksTest.class.getClassLoader());
    }

    @Test
    void builtInsWithDefaults() throws IOException {
        assertThat(Tasks.builtInNames()).containsExactly("mqar", "charlm", "selective_copy");
        Task mqar = Tasks.create("mqar", Map.of());
        assertThat(mqar).isInstanceOf(Mqar.class);
        assertThat(mqar.config()).containsEntry("vocab", 256).containsEntry("seq_len", 64).containsEntry("pairs", 8)
                .containsEntry("power_a", 0.01);
        assertThat(Tasks.create("selective_copy", null).config()).containsEntry("vocab", 32).containsEntry("seq_len", 64)
                .containsEntry("tokens", 8);
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "hello, world\n".repeat(200));
        Task lm = Tasks.create("charlm", Map.of("text", text.toString()));
        assertThat(lm).isInstanceOf(CharLm.class);
        assertThat(lm.seqLen()).isEqualTo(128);
        assertThat(lm.config()).containsEntry("split", 0.9).containsEntry("max_vocab", 256);
    }

    @Test
    void optionsAreApplied() throws IOException {
        Task mqar = Tasks.create("mqar", Map.of("vocab", "128", "seq_len", "48", "pairs", "4", "power_a", "1"));
        assertThat(mqar.config()).containsEntry("vocab", 128).containsEntry("seq_len", 48).containsEntry("pairs", 4)
                .containsEntry("power_a", 1.0);
        Task sc = Tasks.create("selective_copy", Map.of("vocab", "10", "seq_len", "33", "tokens", "16"));
        assertThat(sc.config()).containsEntry("vocab", 10).containsEntry("seq_len", 33).containsEntry("tokens", 16);
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "abcdefghij".repeat(100));
        Task lm = Tasks.create("charlm", Map.of("text", text.toString(), "seq_len", "32", "split", "0.5", "vocab", "4"));
        assertThat(lm.seqLen()).isEqualTo(32);
        assertThat(lm.vocab()).isEqualTo(4);
        assertThat(lm.config()).containsEntry("split", 0.5).containsEntry("unk_id", 3);
    }

    @Test
    void unknownNamesListTheValidOnes() {
        assertThatThrownBy(() -> Tasks.create("mqr", Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown task 'mqr'")
                .hasMessageContaining("mqar, charlm, selective_copy");
        assertThatThrownBy(() -> Tasks.create("", Map.of())).hasMessageContaining("a task name is required");
        assertThatThrownBy(() -> Tasks.create(null, Map.of())).hasMessageContaining("a task name is required");
    }

    @Test
    void unknownOptionsListTheValidOnes() {
        assertThatThrownBy(() -> Tasks.create("mqar", Map.of("tokens", "8"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown option 'tokens' for task mqar")
                .hasMessageContaining("vocab, seq_len, pairs, power_a");
        assertThatThrownBy(() -> Tasks.create("selective_copy", Map.of("pairs", "8")))
                .hasMessageContaining("valid options: vocab, seq_len, tokens");
        assertThatThrownBy(() -> Tasks.create("charlm", Map.of("text", "x", "pairs", "8")))
                .hasMessageContaining("valid options: text, seq_len, split, vocab");
        assertThat(Tasks.options("charlm")).containsExactly("text", "seq_len", "split", "vocab");
    }

    @Test
    void badValuesAndAMissingTextAreExplained() {
        assertThatThrownBy(() -> Tasks.create("charlm", Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task charlm needs option 'text'");
        assertThatThrownBy(() -> Tasks.create("charlm", Map.of("text", " "))).hasMessageContaining("needs option 'text'");
        assertThatThrownBy(() -> Tasks.create("charlm", Map.of("text", dir.resolve("absent.txt").toString())))
                .hasMessageContaining("not found").hasMessageContaining("absent.txt");
        assertThatThrownBy(() -> Tasks.create("mqar", Map.of("pairs", "eight")))
                .hasMessageContaining("option 'pairs' must be an integer, got 'eight'");
        assertThatThrownBy(() -> Tasks.create("mqar", Map.of("power_a", "NaN")))
                .hasMessageContaining("option 'power_a' must be a finite number");
        assertThatThrownBy(() -> Tasks.create("mqar", Map.of("vocab", "15")))
                .hasMessageContaining("vocab must be even");
        assertThat(Tasks.create("mqar", Map.of("vocab", " 8_192 ")).vocab()).isEqualTo(8192);
    }

    @Test
    void userTasksComeFromServiceLoader() throws IOException {
        ClassLoader loader = pluginLoader(EchoFactory.class.getName(), ImpostorFactory.class.getName());
        assertThat(Tasks.names(loader)).containsExactly("mqar", "charlm", "selective_copy", "echo");
        Task echo = Tasks.create("echo", Map.of("seq_len", "21"), loader);
        assertThat(echo.name()).isEqualTo("echo");
        assertThat(echo.seqLen()).isEqualTo(21);
        assertThat(echo.trainBatch(1, 0, 2).inputs()).hasSize(42);
        assertThatThrownBy(() -> Tasks.create("echo", Map.of("vocab", "3"), loader))
                .hasMessageContaining("valid options: seq_len");
        // A factory cannot shadow a built-in.
        assertThat(Tasks.create("mqar", Map.of(), loader)).isInstanceOf(Mqar.class);
        // The one-argument form uses the context class loader.
        Thread th = Thread.currentThread();
        ClassLoader before = th.getContextClassLoader();
        th.setContextClassLoader(loader);
        try {
            assertThat(Tasks.create("echo", new HashMap<>()).seqLen()).isEqualTo(17);
            assertThatThrownBy(() -> Tasks.create("ech", Map.of())).hasMessageContaining("selective_copy, echo");
        } finally {
            th.setContextClassLoader(before);
        }
    }

    @Test
    void aBrokenFactoryDoesNotBreakTheRegistry() throws IOException {
        ClassLoader loader = pluginLoader("com.example.Missing", EchoFactory.class.getName());
        assertThat(Tasks.create("mqar", Map.of(), loader)).isInstanceOf(Mqar.class);
        assertThat(Tasks.create("echo", Map.of(), loader).name()).isEqualTo("echo");
        assertThatThrownBy(() -> Tasks.create("other", Map.of(), loader))
                .hasMessageContaining("unknown task 'other'")
                .hasMessageContaining("failed to load")
                .hasMessageContaining("com.example.Missing");
    }
}
