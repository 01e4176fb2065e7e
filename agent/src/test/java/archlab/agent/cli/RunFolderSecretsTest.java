package archlab.agent.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An API key given to a real LLM campaign (its own JVM, the key in its environment) reaches the
 * provider and nothing else: not one file of the run folder (store, log, report, figures), not the
 * JSONL export, not the console's output, even though the provider echoes the key in every error.
 */
@Tag("slow")
class RunFolderSecretsTest {
    static final String KEY = "sk-proj-S3cr3tK3yN0tF0rD1sk-7f1c2a9b0e4d6c8a1b3d5f7e9a0c2e4b";

    @TempDir
    Path dir;

    @Test
    void theKeyIsInNoFileTheCampaignWrites() throws Exception {
        WireMockServer wm = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        wm.start();
        try {
            wm.stubFor(post(urlEqualTo("/v1/chat/completions")).willReturn(aResponse().withStatus(401)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + ".\",\"type\":"
                            + "\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}")));
            Path base = Path.of("../knowledge-base/architectures/linear_attention.arch").toAbsolutePath().normalize();
            Path file = dir.resolve("secret.yaml");
            Files.writeString(file, """
                    name: secret
                    task: {name: mqar, options: {vocab: 16, seq_len: 24, pairs: 3}}
                    baseline: %s
                    budget: {experiments: 3, wall_clock: 4m}
                    policy: llm
                    llm:
                      provider: openai
                      base_url: %s/v1
                      model: gpt-4o-mini
                      api_key_env: ARCHLAB_TEST_SECRET_KEY
                      retries: 0
                    stages:
                      - {name: explore, steps: 20, batch_size: 16, params: {d: 16}}
                    output: %s
                    """.formatted(base, wm.baseUrl(), dir.resolve("runs")));
            List<String> out = new ArrayList<>();
            assertThat(run(out, "run", file.toString(), "--no-progress")).as(String.join("\n", out)).isZero();
            Path run = CampaignRunTest.onlyRun(dir);
            assertThat(run(out, "export", run.toString(), "--out", dir.resolve("export.jsonl").toString()))
                    .as(String.join("\n", out)).isZero();
            assertThat(wm.getAllServeEvents()).as("the provider was asked, with the key").isNotEmpty()
                    .allSatisfy(e -> assertThat(e.getRequest().getHeader("Authorization")).isEqualTo("Bearer " + KEY));

            byte[] key = KEY.getBytes(StandardCharsets.UTF_8);
            List<Path> files;
            try (Stream<Path> s = Files.walk(dir)) {
                files = s.filter(Files::isRegularFile).toList();
            }
            assertThat(files).as("the run folder, its store, log and report, and the export")
                    .anyMatch(p -> p.getFileName().toString().equals("archlab.mv.db"))
                    .anyMatch(p -> p.getFileName().toString().equals("export.jsonl"));
            for (Path f : files) {
                assertThat(indexOf(Files.readAllBytes(f), key)).as("the key in " + f).isEqualTo(-1);
            }
            assertThat(String.join("\n", out)).doesNotContain(KEY).contains("ARCHLAB_TEST_SECRET_KEY");
        } finally {
            wm.stop();
        }
    }

    private int run(List<String> out, String... args) throws Exception {
        ArchlabProcess p = ArchlabProcess.run(Map.of("ARCHLAB_TEST_SECRET_KEY", KEY), Duration.ofMinutes(8), args);
        out.addAll(p.lines());
        return p.exitValue();
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
