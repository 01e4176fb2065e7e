package archlab.agent.llm;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.LlmCall;
import archlab.knowledge.store.Store;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * "No LLM call billed twice" under SIGKILL: a process asks a sequence of prompts through the real LLM
 * layer (ledger and replay cache in an H2 run folder) of a provider speaking the OpenAI wire format
 * (WireMock, 150-400 ms per reply), and is killed at random moments and restarted until it has asked
 * them all. The provider must have been asked each prompt once, except a prompt in flight at a kill,
 * whose reply never reached the ledger: at most one such repeat per kill, and each is counted.
 */
@Tag("slow")
class LedgerChaosTest extends WireMockLlmTest {
    static final int PROMPTS = 40;

    /** The process under chaos: asks prompts 0..n-1 in order, then prints "all asked". */
    public static void main(String[] args) {
        Path run = Path.of(args[0]);
        String baseUrl = args[1];
        try (Store store = Store.openRunFolder(run)) {
            String campaign = store.campaigns().list().get(0).id();
            LlmConfig config = LlmConfig.builder().defaults(ModelSettings.builder().provider(Provider.OPENAI)
                    .baseUrl(baseUrl).model(OPENAI_MODEL).apiKeyEnv("TEST_OPENAI_KEY").maxTokens(512)
                    .timeout(Duration.ofSeconds(10)).build()).retries(2)
                    .backoff(new LlmConfig.Backoff(Duration.ofMillis(10), Duration.ofMillis(50), 2.0, 0.5)).build();
            LlmLayer llm = Llms.builder(config).ledger(store.llmCalls()).campaign(campaign)
                    .prompts(Path.of("src/test/resources/llm-prompts")).prices(PRICES).environment(ENV::get).build();
            for (int i = 0; i < PROMPTS; i++) {
                llm.ask(new LlmRequest(Role.PLANNER, "hypotheses", Map.of("count", "1", "task", "mqar-" + i,
                        "parent", "model(tokens):\n    return linear(embed(tokens, 64), vocab)"), HYPOTHESES_SCHEMA,
                        null, null, "exp-" + i));
                System.out.println("asked " + i);
            }
            System.out.println("all asked");
        }
    }

    @Test
    void killedAtRandomItPaysForEachPromptOnceBarTheOnesInFlight() throws Exception {
        wm.stubFor(post(urlEqualTo(OPENAI_PATH)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody(Wire.openAiCompletion(OPENAI_MODEL, GOOD_HYPOTHESES, 600, 80))
                .withUniformRandomDelay(150, 400)));
        store.close();   // the child process owns the store while it runs
        int kills = Integer.getInteger("archlab.chaos.llm.kills", 8);
        long seed = Long.getLong("archlab.chaos.seed", System.nanoTime());
        Random random = new Random(seed);
        int killed = 0;
        boolean done = false;
        List<String> lines = new ArrayList<>();
        while (!done) {
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), LedgerChaosTest.class.getName(), runDir.toString(), baseUrl());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String l;
                    while ((l = r.readLine()) != null) {
                        synchronized (lines) {
                            lines.add(l);
                        }
                    }
                } catch (Exception e) {
                    // killed
                }
            });
            reader.setDaemon(true);
            reader.start();
            if (killed < kills && !p.waitFor(1000 + random.nextInt(2500), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                killed++;
            } else {
                assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
                reader.join(5000);
                assertThat(p.exitValue()).as(String.join("\n", lines)).isZero();
                synchronized (lines) {
                    done = lines.contains("all asked");
                }
            }
        }

        Map<String, Integer> asked = new HashMap<>();
        for (LoggedRequest r : received(OPENAI_PATH)) {
            String task = body(r).toString().replaceAll(".*(mqar-\\d+).*", "$1");
            asked.merge(task, 1, Integer::sum);
        }
        int repeats = asked.values().stream().mapToInt(n -> n - 1).sum();
        assertThat(asked).as("every prompt reached the provider").hasSize(PROMPTS);
        assertThat(repeats).as("repeats only for prompts in flight at a kill").isLessThanOrEqualTo(killed);
        try (Store s = Store.openRunFolder(runDir)) {
            List<LlmCall> rows = s.llmCalls().forCampaign(s.campaigns().list().get(0).id());
            // A reply lost with its process never reached the ledger; every other paid request is one row.
            // A restarted process asks its earlier prompts again: the replay cache answers, at no cost.
            List<LlmCall> paid = rows.stream().filter(r -> r.outcome().equals("ok")).toList();
            List<LlmCall> replayed = rows.stream().filter(r -> r.outcome().equals("replayed")).toList();
            assertThat(paid.size() + replayed.size()).as("only paid and replayed rows").isEqualTo(rows.size());
            assertThat(paid.size()).as("paid ledger rows").isBetween(PROMPTS, received(OPENAI_PATH).size());
            assertThat(replayed).allSatisfy(r -> assertThat(r.cost()).isZero());
            System.out.printf("llm chaos: seed %d, %d kills, %d prompts, %d requests to the provider, %d repeated"
                    + " (in flight at a kill), %d paid ledger rows, %d answered from the replay cache%n", seed, killed,
                    PROMPTS, received(OPENAI_PATH).size(), repeats, paid.size(), replayed.size());
        }
    }
}
