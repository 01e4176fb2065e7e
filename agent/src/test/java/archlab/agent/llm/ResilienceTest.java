package archlab.agent.llm;

import archlab.knowledge.store.LlmCall;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Rate limits, server errors, timeouts, dead servers and the circuit breaker, against a fake server. */
class ResilienceTest extends WireMockLlmTest {

    @Test
    void a429WithRetryAfterIsWaitedOutThenTheCallSucceeds() {
        respond(OPENAI_PATH,
                status(429, Wire.openAiError("Rate limit reached for gpt-4o-mini in organization org-abc on requests"
                        + " per min (RPM): Limit 3, Used 3, Requested 1.", "requests", "rate_limit_exceeded"))
                        .withHeader("Retry-After", "1"),
                ok(Wire.openAiCompletion(OPENAI_MODEL, GOOD_HYPOTHESES, 800, 96)));
        LlmLayer llm = layer(openAi().build());

        LlmReply reply = llm.ask(hypotheses(Role.PLANNER));

        assertThat(reply.json()).isNotNull();
        List<LoggedRequest> sent = received(OPENAI_PATH);
        assertThat(sent).hasSize(2);
        // Backoff alone waits 10-50 ms here; the server asked for a second.
        long gap = sent.get(1).getLoggedDate().getTime() - sent.get(0).getLoggedDate().getTime();
        assertThat(gap).isBetween(950L, 3_000L);

        List<LlmCall> rows = ledger();
        assertThat(rows).extracting(LlmCall::outcome).containsExactly("rate-limited", "ok");
        assertThat(rows.get(0).response()).startsWith("HTTP 429: requests: Rate limit reached for gpt-4o-mini");
        assertThat(rows.get(0).tokensIn()).isZero();
        assertThat(rows.get(0).cost()).isZero();
        assertThat(rows.get(0).promptHash()).isEqualTo(rows.get(1).promptHash());
    }

    @Test
    void aRetryAfterLongerThanTheCapWaitsOnlyTheCap() {
        respond(ANTHROPIC_PATH,
                status(429, Wire.anthropicError("rate_limit_error", "Number of request tokens has exceeded your"
                        + " per-minute rate limit")).withHeader("retry-after", "3600"),
                ok(Wire.anthropicMessage(ANTHROPIC_MODEL, GOOD_HYPOTHESES, 700, 90)));
        LlmLayer llm = layer(anthropic().retryAfterCap(Duration.ofMillis(200)).build());

        llm.ask(hypotheses(Role.PLANNER));

        List<LoggedRequest> sent = received(ANTHROPIC_PATH);
        long gap = sent.get(1).getLoggedDate().getTime() - sent.get(0).getLoggedDate().getTime();
        assertThat(gap).isBetween(150L, 2_000L);
        assertThat(ledger().get(0).response()).isEqualTo("HTTP 429: rate_limit_error: Number of request tokens has"
                + " exceeded your per-minute rate limit");
    }

    @Test
    void serverErrorsAreRetriedUntilTheCallSucceeds() {
        respond(ANTHROPIC_PATH,
                status(500, Wire.anthropicError("api_error", "Internal server error")),
                status(529, Wire.anthropicError("overloaded_error", "Overloaded")),
                ok(Wire.anthropicMessage(ANTHROPIC_MODEL, GOOD_HYPOTHESES, 700, 90)));
        LlmLayer llm = layer(anthropic().build());

        LlmReply reply = llm.ask(hypotheses(Role.ANALYST));

        assertThat(reply.tokensIn()).isEqualTo(700);
        assertThat(received(ANTHROPIC_PATH)).hasSize(3);
        List<LlmCall> rows = ledger();
        assertThat(rows).extracting(LlmCall::outcome).containsExactly("error", "error", "ok");
        assertThat(rows.get(0).response()).isEqualTo("HTTP 500: api_error: Internal server error");
        assertThat(rows.get(1).response()).isEqualTo("HTTP 529: overloaded_error: Overloaded");
    }

    @Test
    void aServerSlowerThanTheTimeoutIsRetriedThenFailsAsTimeout() {
        respond(OPENAI_PATH, ok(Wire.openAiCompletion(OPENAI_MODEL, GOOD_HYPOTHESES, 800, 96))
                .withFixedDelay(1_500));
        LlmConfig config = openAi().retries(1).build();
        config = config.toBuilder().defaults(config.defaults().toBuilder().timeout(Duration.ofMillis(250)).build())
                .build();
        LlmLayer llm = layer(config);

        assertThatThrownBy(() -> llm.ask(hypotheses(Role.CODER)))
                .isInstanceOfSatisfying(LlmException.class, e -> {
                    assertThat(e.kind()).isEqualTo("timeout");
                    assertThat(e.getMessage()).contains("coder (openai/gpt-4o-mini): timeout after 2 attempt(s)");
                });
        assertThat(received(OPENAI_PATH)).hasSize(2);
        List<LlmCall> rows = ledger();
        assertThat(rows).extracting(LlmCall::outcome).containsExactly("timeout", "timeout");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.latencyMs()).isBetween(200L, 1_400L);
            assertThat(r.response()).startsWith("timed out");
        });
    }

    @Test
    void aServerThatIsNotThereFailsAsAnErrorAfterTheRetries() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        LlmConfig config = openAi().retries(2).build();
        config = config.toBuilder().defaults(config.defaults().toBuilder()
                .baseUrl("http://127.0.0.1:" + closedPort + "/v1").build()).build();
        LlmLayer llm = layer(config);

        assertThatThrownBy(() -> llm.ask(hypotheses(Role.PLANNER)))
                .isInstanceOfSatisfying(LlmException.class, e -> {
                    assertThat(e.kind()).isEqualTo("error");
                    assertThat(e.getMessage()).contains("after 3 attempt(s): unreachable: cannot reach"
                            + " http://127.0.0.1:" + closedPort + "/v1/chat/completions");
                });
        assertThat(outcomes()).containsExactly("error", "error", "error");
    }

    @Test
    void aRefusedRequestIsNotRetried() {
        respond(OPENAI_PATH, status(404, Wire.openAiError("The model `gpt-9` does not exist or you do not have"
                + " access to it.", "invalid_request_error", "model_not_found")));
        LlmLayer llm = layer(openAi().build());

        assertThatThrownBy(() -> llm.ask(hypotheses(Role.PLANNER)))
                .isInstanceOfSatisfying(LlmException.class, e -> assertThat(e.kind()).isEqualTo("refused"));
        assertThat(received(OPENAI_PATH)).hasSize(1);
        assertThat(ledger().get(0).response()).isEqualTo("HTTP 404: invalid_request_error: The model `gpt-9` does"
                + " not exist or you do not have access to it.");
    }

    @Test
    void theCircuitBreakerOpensAfterConsecutiveFailuresPausesWorkAndTestsTheProviderAgainLater() {
        respond(OPENAI_PATH, status(503, Wire.openAiError("The server is overloaded or not ready yet.",
                "server_error", null)));
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        LlmConfig config = openAi().retries(1).breaker(new LlmConfig.Breaker(3, Duration.ofMinutes(5))).build();
        LlmLayer llm = Llms.builder(config).ledger(store.llmCalls()).campaign(campaign).prompts(PROMPTS)
                .prices(PRICES).environment(ENV::get).clock(clock).build();

        // Two attempts fail: the breaker has seen 2 of the 3 failures it tolerates.
        assertThatThrownBy(() -> llm.ask(hypotheses(Role.PLANNER)))
                .isInstanceOfSatisfying(LlmException.class, e -> assertThat(e.kind()).isEqualTo("error"));
        // The third failure opens it; the retry is refused without reaching the server.
        assertThatThrownBy(() -> llm.ask(hypotheses(Role.PLANNER)))
                .isInstanceOfSatisfying(LlmException.class, e -> {
                    assertThat(e.kind()).isEqualTo("unavailable");
                    assertThat(e.getMessage()).contains("provider openai at " + baseUrl() + " is down: HTTP 503:"
                            + " server_error: The server is overloaded or not ready yet. (3 failed attempts in a row)."
                            + " LLM work paused until 2026-03-01T10:05:00Z");
                });
        assertThat(received(OPENAI_PATH)).hasSize(3);
        assertThat(llm.pausedUntil(Role.CODER)).contains(Instant.parse("2026-03-01T10:05:00Z"));

        // Every role on that provider is paused, with no request sent.
        assertThatThrownBy(() -> llm.ask(hypotheses(Role.ANALYST)))
                .isInstanceOfSatisfying(LlmException.class, e -> assertThat(e.kind()).isEqualTo("unavailable"));
        assertThat(received(OPENAI_PATH)).hasSize(3);

        // After open_for, one call goes through; the provider is back, so the breaker closes.
        wm.resetAll();
        respond(OPENAI_PATH, ok(Wire.openAiCompletion(OPENAI_MODEL, GOOD_HYPOTHESES, 800, 96)));
        clock.advance(Duration.ofMinutes(6));
        assertThat(llm.ask(hypotheses(Role.PLANNER)).json()).isNotNull();
        assertThat(llm.pausedUntil(Role.PLANNER)).isEmpty();

        assertThat(outcomes()).containsExactly("error", "error", "error", "unavailable", "unavailable", "ok");
        assertThat(ledger().get(3).response()).contains("LLM work paused until 2026-03-01T10:05:00Z");
    }

    /** A clock the test moves by hand: the breaker's open state ends when it says so. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
