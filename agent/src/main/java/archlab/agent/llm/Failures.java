package archlab.agent.llm;

import archlab.agent.llm.ProviderHttpClient.ProviderHttpException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.exception.UnresolvedModelServerException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** What went wrong with one attempt, read from the exception LangChain4j threw. */
final class Failures {
    private static final ObjectMapper JSON = new ObjectMapper();

    enum Kind {
        RATE_LIMITED("rate-limited", true, false),
        SERVER_ERROR("error", true, true),
        TIMEOUT("timeout", true, true),
        UNREACHABLE("error", true, true),
        REFUSED("refused", false, false),
        OTHER("error", false, false);

        /** The ledger outcome and the {@link LlmException#kind()}. */
        final String outcome;
        final boolean retriable;
        /** Whether it says the provider is down (counts toward the circuit breaker). */
        final boolean providerDown;

        Kind(String outcome, boolean retriable, boolean providerDown) {
            this.outcome = outcome;
            this.retriable = retriable;
            this.providerDown = providerDown;
        }
    }

    private Failures() {
    }

    static Kind kind(Throwable t) {
        Optional<ProviderHttpException> http = find(t, ProviderHttpException.class);
        if (http.isPresent()) {
            int status = http.get().statusCode();
            if (status == 429) {
                return Kind.RATE_LIMITED;
            }
            if (status == 408) {
                return Kind.TIMEOUT;
            }
            if (status >= 500) {
                return Kind.SERVER_ERROR; // includes Anthropic's 529 "overloaded"
            }
            return status >= 400 ? Kind.REFUSED : Kind.OTHER;
        }
        if (find(t, TimeoutException.class).isPresent() || find(t, HttpTimeoutException.class).isPresent()) {
            return Kind.TIMEOUT;
        }
        // The model declined (OpenAI's refusal field, a content filter): asking again the same way is no use.
        if (find(t, dev.langchain4j.exception.ContentFilteredException.class).isPresent()) {
            return Kind.REFUSED;
        }
        if (find(t, UnresolvedModelServerException.class).isPresent() || find(t, IOException.class).isPresent()
                || find(t, UncheckedIOException.class).isPresent()) {
            return Kind.UNREACHABLE;
        }
        return Kind.OTHER;
    }

    static boolean retriable(Throwable t) {
        return kind(t).retriable;
    }

    static boolean providerDown(Throwable t) {
        return kind(t).providerDown;
    }

    /**
     * How long the server asked us to wait: {@code Retry-After} as seconds or as an HTTP date. A date
     * in the past means no wait.
     */
    static Optional<Duration> retryAfter(Throwable t, Clock clock) {
        return find(t, ProviderHttpException.class).flatMap(ProviderHttpException::retryAfter).flatMap(v -> {
            String value = v.trim();
            try {
                double seconds = Double.parseDouble(value);
                return seconds >= 0 && Double.isFinite(seconds)
                        ? Optional.of(Duration.ofMillis(Math.round(seconds * 1000))) : Optional.empty();
            } catch (NumberFormatException notSeconds) {
                try {
                    ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
                    Duration wait = Duration.between(clock.instant(), at.toInstant());
                    return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
                } catch (DateTimeParseException notADate) {
                    return Optional.empty();
                }
            }
        });
    }

    /** One line for the ledger and for messages: the status and the provider's own error message. */
    static String describe(Throwable t) {
        Optional<ProviderHttpException> http = find(t, ProviderHttpException.class);
        if (http.isPresent()) {
            return "HTTP " + http.get().statusCode() + ": " + providerMessage(http.get().getMessage());
        }
        Kind kind = kind(t);
        if (kind == Kind.TIMEOUT) {
            return "timed out: " + rootMessage(t);
        }
        if (kind == Kind.UNREACHABLE) {
            // ProviderHttpClient's message names the URL; the JDK's own often has none.
            return "unreachable: " + find(t, UncheckedIOException.class).map(Throwable::getMessage)
                    .orElseGet(() -> rootMessage(t));
        }
        return t.getClass().getSimpleName() + ": " + rootMessage(t);
    }

    // OpenAI: {"error": {"message": ...}}; Anthropic: {"type": "error", "error": {"type": ..., "message": ...}}.
    private static String providerMessage(String body) {
        if (body == null || body.isBlank()) {
            return "(empty body)";
        }
        try {
            JsonNode error = JSON.readTree(body).path("error");
            if (error.isTextual()) {
                return error.asText();
            }
            if (error.path("message").isTextual()) {
                String type = error.path("type").asText("");
                return (type.isEmpty() ? "" : type + ": ") + error.path("message").asText();
            }
        } catch (IOException | RuntimeException notJson) {
            // fall through to the raw body
        }
        return abbreviate(body.strip(), 500);
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return abbreviate(m == null ? root.getClass().getSimpleName() : m, 500);
    }

    static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    private static <T extends Throwable> Optional<T> find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return Optional.of(type.cast(c));
            }
        }
        return Optional.empty();
    }
}
