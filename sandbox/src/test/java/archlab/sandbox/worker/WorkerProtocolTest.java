package archlab.sandbox.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The worker as a Slurm job would run it: requests on stdin, JSON lines on stdout, exit at the end of stdin. */
class WorkerProtocolTest {

    @Test
    void everyStdoutLineIsAProtocolMessage() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC",
                "-Dai.djl.pytorch.num_threads=1", "-cp", System.getProperty("java.class.path"),
                WorkerMain.class.getName());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        try (Writer in = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            String definition = Protocol.mapper().writeValueAsString(SandboxTest.TINY);
            // a hand-written request: a partial config is completed with the defaults
            in.write("{\"id\":\"a\",\"definition\":" + definition + ",\"file\":\"a.arch\",\"task\":\"mqar\","
                    + "\"task_options\":{\"vocab\":\"32\",\"seq_len\":\"16\",\"pairs\":\"2\"},"
                    + "\"config\":{\"steps\":3,\"batch_size\":4,\"eval_batches\":1}}\n");
            in.write("\n");
            in.write("this is not json\n");
            in.write("{\"id\":\"c\",\"definition\":" + definition + ",\"task\":\"mqar\",\"config\":{\"steps\":0}}\n");
        }
        List<Protocol.Message> messages = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                messages.add(Protocol.parse(line)); // throws on anything outside the protocol
            }
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();

        assertThat(messages.get(0)).isInstanceOf(Protocol.Ready.class);
        assertThat(((Protocol.Ready) messages.get(0)).threads()).isEqualTo(1);
        List<EvaluationResult> results = messages.stream().filter(Protocol.Result.class::isInstance)
                .map(m -> ((Protocol.Result) m).result()).toList();
        assertThat(results).hasSize(3);

        EvaluationResult a = results.get(0);
        assertThat(a.ok()).as(String.valueOf(a.failure())).isTrue();
        assertThat(a.config().batchSize()).isEqualTo(4);
        assertThat(a.config().learningRate()).isEqualTo(3e-3);
        assertThat(messages).filteredOn(Protocol.Started.class::isInstance).singleElement()
                .satisfies(m -> assertThat(((Protocol.Started) m).params()).isEqualTo(a.params()));
        assertThat(messages).filteredOn(Protocol.Progress.class::isInstance).isNotEmpty();
        assertThat(messages).filteredOn(Protocol.Eval.class::isInstance).isNotEmpty();

        assertThat(results.get(1).id()).isNull();
        assertThat(results.get(1).failureKind()).isEqualTo("internal");
        assertThat(results.get(1).failure().message()).contains("not JSON");

        assertThat(results.get(2).id()).isEqualTo("c");
        assertThat(results.get(2).failureKind()).isEqualTo("invalid_config");
        assertThat(results.get(2).failure().message()).contains("steps");
    }

    @Test
    void malformedLinesAreRejected() {
        for (String bad : List.of("hello", "[1,2]", "{\"type\":\"gossip\"}", "{\"no_type\":1}",
                "{\"type\":\"result\",\"id\":\"x\",\"status\":\"maybe\"}")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Protocol.parse(bad))
                    .as(bad).isInstanceOf(Protocol.MalformedLine.class);
        }
    }

    @Test
    void jvmNoticesOnStdoutAreRecognised() {
        assertThat(Sandbox.isJvmDiagnostic("Terminating due to java.lang.OutOfMemoryError: Java heap space")).isTrue();
        assertThat(Sandbox.isJvmDiagnostic("# A fatal error has been detected by the Java Runtime Environment:")).isTrue();
        assertThat(Sandbox.isJvmDiagnostic("hello")).isFalse();
    }
}
