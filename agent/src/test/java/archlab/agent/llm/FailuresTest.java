package archlab.agent.llm;

import archlab.agent.llm.ProviderHttpClient.ProviderHttpException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.TimeoutException;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading what went wrong: kinds, retriability, and Retry-After in both of its forms. */
class FailuresTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void retryAfterIsReadAsSecondsOrAsAnHttpDate() {
        assertThat(Failures.retryAfter(rateLimited("7"), CLOCK)).contains(Duration.ofSeconds(7));
        assertThat(Failures.retryAfter(rateLimited("0.5"), CLOCK)).contains(Duration.ofMillis(500));
        assertThat(Failures.retryAfter(rateLimited("Sun, 01 Mar 2026 10:00:30 GMT"), CLOCK))
                .contains(Duration.ofSeconds(30));
        assertThat(Failures.retryAfter(rateLimited("Sun, 01 Mar 2026 09:00:00 GMT"), CLOCK)).contains(Duration.ZERO);
        assertThat(Failures.retryAfter(rateLimited("soon"), CLOCK)).isEmpty();
        assertThat(Failures.retryAfter(rateLimited(null), CLOCK)).isEmpty();
        assertThat(Failures.retryAfter(new TimeoutException("slow"), CLOCK)).isEmpty();
    }

    @Test
    void kindsDecideRetriesAndTheCircuitBreaker() {
        assertThat(Failures.kind(rateLimited("1"))).isEqualTo(Failures.Kind.RATE_LIMITED);
        assertThat(Failures.retriable(rateLimited("1"))).isTrue();
        assertThat(Failures.providerDown(rateLimited("1"))).isFalse();
        assertThat(Failures.kind(http(503))).isEqualTo(Failures.Kind.SERVER_ERROR);
        assertThat(Failures.providerDown(http(529))).isTrue();
        assertThat(Failures.kind(http(408))).isEqualTo(Failures.Kind.TIMEOUT);
        assertThat(Failures.kind(http(401))).isEqualTo(Failures.Kind.REFUSED);
        assertThat(Failures.retriable(http(400))).isFalse();
        assertThat(Failures.kind(new TimeoutException("read timed out"))).isEqualTo(Failures.Kind.TIMEOUT);
        assertThat(Failures.kind(new UncheckedIOException("cannot reach x", new ConnectException())))
                .isEqualTo(Failures.Kind.UNREACHABLE);
        assertThat(Failures.kind(new IllegalStateException("bug"))).isEqualTo(Failures.Kind.OTHER);
        assertThat(Failures.retriable(new IllegalStateException("bug"))).isFalse();
    }

    @Test
    void describeQuotesTheProvidersOwnMessage() {
        assertThat(Failures.describe(http(500, "{\"error\": {\"message\": \"boom\", \"type\": \"server_error\"}}")))
                .isEqualTo("HTTP 500: server_error: boom");
        assertThat(Failures.describe(http(502, "<html>Bad gateway</html>"))).isEqualTo("HTTP 502: <html>Bad gateway</html>");
        assertThat(Failures.describe(http(500, ""))).isEqualTo("HTTP 500: (empty body)");
    }

    private static RuntimeException rateLimited(String retryAfter) {
        return new RateLimitException(new ProviderHttpException(429, "{}", retryAfter));
    }

    private static RuntimeException http(int status) {
        return http(status, "{}");
    }

    private static RuntimeException http(int status, String body) {
        return new ProviderHttpException(status, body, null);
    }
}
