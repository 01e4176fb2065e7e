package archlab.agent.llm;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Retries and circuit breakers, from resilience4j. Each attempt runs inside the provider's circuit
 * breaker, and the retry wraps both: exponential backoff with jitter, except that a server's
 * {@code Retry-After} sets the wait (up to {@code llm.retry_after_cap}). A breaker opens after
 * {@code llm.circuit_breaker.failures} attempts in a row that say the provider is down (5xx,
 * timeouts, lost connections; never 4xx or rate limits), refuses calls for
 * {@code llm.circuit_breaker.open_for}, then lets one call through to test the provider again.
 * LangChain4j's own retries are off ({@code maxRetries(0)}), so attempts are not multiplied.
 */
final class Resilience {
    private static final Logger LOG = LoggerFactory.getLogger(Resilience.class);

    private final LlmConfig config;
    private final Clock clock;
    private final Secrets secrets;
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final Map<String, Retry> retries = new ConcurrentHashMap<>();
    private final Map<String, String> lastFailure = new ConcurrentHashMap<>();
    private final Map<String, Instant> pausedUntil = new ConcurrentHashMap<>();

    Resilience(LlmConfig config, Clock clock, Secrets secrets) {
        this.config = config;
        this.clock = clock;
        this.secrets = secrets;
    }

    /** Runs {@code attempt} under the breaker of {@code provider} (a provider and server), retrying as configured. */
    <T> T call(String provider, Supplier<T> attempt) {
        CircuitBreaker breaker = breakers.computeIfAbsent(provider, this::newBreaker);
        Retry retry = retries.computeIfAbsent(provider, this::newRetry);
        return Retry.decorateSupplier(retry, CircuitBreaker.decorateSupplier(breaker, attempt)).get();
    }

    /** What {@link LlmException} says when the breaker refuses a call. */
    String downMessage(String provider, CallNotPermittedException e) {
        Instant until = pausedUntil.get(provider);
        return "provider " + provider + " is down: " + lastFailure.getOrDefault(provider, e.getMessage())
                + " (" + config.breaker().failures() + " failed attempts in a row). LLM work paused until "
                + (until != null ? until : "the circuit breaker closes")
                + "; then one call tests the provider again.";
    }

    Optional<Instant> pausedUntil(String provider) {
        CircuitBreaker b = breakers.get(provider);
        if (b == null || b.getState() != CircuitBreaker.State.OPEN) {
            return Optional.empty();
        }
        return Optional.ofNullable(pausedUntil.get(provider));
    }

    private CircuitBreaker newBreaker(String provider) {
        int failures = config.breaker().failures();
        CircuitBreaker breaker = CircuitBreaker.of(provider, CircuitBreakerConfig.custom()
                // A window of the last N attempts at a 100% failure threshold: N failures in a row.
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(failures)
                .minimumNumberOfCalls(failures)
                .failureRateThreshold(100f)
                .waitDurationInOpenState(config.breaker().openFor())
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(Failures::providerDown)
                .ignoreException(t -> !Failures.providerDown(t))
                .clock(clock)
                .build());
        breaker.getEventPublisher()
                .onError(e -> lastFailure.put(provider, Failures.describe(e.getThrowable())))
                .onStateTransition(e -> {
                    if (e.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                        pausedUntil.put(provider, clock.instant().plus(config.breaker().openFor()));
                    }
                });
        return breaker;
    }

    private Retry newRetry(String provider) {
        LlmConfig.Backoff b = config.backoff();
        IntervalFunction backoff = IntervalFunction.ofExponentialRandomBackoff(b.initial().toMillis(), b.multiplier(),
                b.jitter(), b.max().toMillis());
        IntervalBiFunction<Object> wait = (attempt, outcome) -> {
            if (outcome.isLeft()) {
                Optional<Duration> asked = Failures.retryAfter(outcome.getLeft(), clock);
                if (asked.isPresent() && !asked.get().isZero()) {
                    return Math.min(asked.get().toMillis(), config.retryAfterCap().toMillis());
                }
            }
            return backoff.apply(attempt);
        };
        Retry retry = Retry.of(provider, RetryConfig.custom()
                .maxAttempts(config.retries() + 1)
                .retryOnException(Failures::retriable)
                .intervalBiFunction(wait)
                .build());
        retry.getEventPublisher().onRetry(e -> LOG.warn("{}: {}; retry {} of {} in {} ms", provider,
                secrets.redact(Failures.describe(e.getLastThrowable())), e.getNumberOfRetryAttempts(),
                config.retries(), e.getWaitInterval().toMillis()));
        return retry;
    }
}
