package archlab.agent.llm;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * LangChain4j's HTTP client, keeping what its stock JDK client drops: the {@code Retry-After} header
 * of a refused request, which the retry policy must honour. An error status becomes a
 * {@link ProviderHttpException}; LangChain4j's exception mapper keeps it as the cause of the
 * {@code RateLimitException} (or other) it throws, where {@link Failures} finds it.
 */
final class ProviderHttpClient implements HttpClient {

    /** An error status from the provider, with its {@code Retry-After} header when it sent one. */
    static final class ProviderHttpException extends HttpException {
        private final String retryAfter;

        ProviderHttpException(int statusCode, String body, String retryAfter) {
            super(statusCode, body);
            this.retryAfter = retryAfter;
        }

        Optional<String> retryAfter() {
            return Optional.ofNullable(retryAfter);
        }
    }

    static final class Builder implements HttpClientBuilder {
        private Duration connectTimeout;
        private Duration readTimeout;

        @Override
        public Duration connectTimeout() {
            return connectTimeout;
        }

        @Override
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        @Override
        public Duration readTimeout() {
            return readTimeout;
        }

        @Override
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = timeout;
            return this;
        }

        @Override
        public ProviderHttpClient build() {
            return new ProviderHttpClient(connectTimeout, readTimeout);
        }
    }

    private final java.net.http.HttpClient http;
    private final Duration readTimeout;
    // Streaming and multipart requests, which archlab does not send itself, go through the stock client.
    private final JdkHttpClient stock;

    private ProviderHttpClient(Duration connectTimeout, Duration readTimeout) {
        java.net.http.HttpClient.Builder b = java.net.http.HttpClient.newBuilder();
        if (connectTimeout != null) {
            b.connectTimeout(connectTimeout);
        }
        this.http = b.build();
        this.readTimeout = readTimeout;
        this.stock = JdkHttpClient.builder().connectTimeout(connectTimeout).readTimeout(readTimeout).build();
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) throws HttpException {
        if (!request.formDataFields().isEmpty() || !request.formDataFiles().isEmpty()) {
            return stock.execute(request);
        }
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder().uri(URI.create(request.url()));
        request.headers().forEach((name, values) -> {
            if (values != null) {
                values.forEach(v -> b.header(name, v));
            }
        });
        b.method(request.method().name(), request.body() == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                : java.net.http.HttpRequest.BodyPublishers.ofString(request.body()));
        if (readTimeout != null) {
            b.timeout(readTimeout);
        }
        java.net.http.HttpResponse<byte[]> response;
        try {
            response = http.send(b.build(), BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            throw new TimeoutException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + request.url(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach " + request.url() + ": " + e, e);
        }
        int status = response.statusCode();
        if (status < 200 || status >= 300) {
            throw new ProviderHttpException(status, new String(response.body(), StandardCharsets.UTF_8),
                    response.headers().firstValue("Retry-After").orElse(null));
        }
        return SuccessfulHttpResponse.builder().statusCode(status).headers(response.headers().map())
                .body(response.body()).build();
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        stock.execute(request, parser, listener);
    }
}
