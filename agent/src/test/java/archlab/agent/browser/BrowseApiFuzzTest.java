package archlab.agent.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The browser's routes and API parameters under generated input: any path and query gives 200, 302,
 * 400 or 404 with a clean message, never a 500, a stack trace or text from the request echoed as
 * markup. The number of tries is jqwik's default ({@code jqwik.tries.default}; scripts/fuzz.sh raises it).
 */
class BrowseApiFuzzTest {
    static BrowseFixture.Native fx;
    static BrowseServer server;
    static HttpClient http;
    static String base;

    @BeforeContainer
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("browse-fuzz");
        fx = BrowseFixture.nativeCampaign(dir.resolve("run"));
        server = BrowseServer.builder().store(fx.store()).port(0).pollMillis(60_000).build().start();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterContainer
    static void stop() {
        if (server != null) {
            server.close();
            fx.store().close();
        }
    }

    static final List<String> ROUTES = List.of("/c/{c}", "/c/{c}/experiments", "/c/{c}/e/{e}", "/c/{c}/tree",
            "/c/{c}/knowledge", "/compare", "/api/campaigns", "/api/c/{c}", "/api/c/{c}/experiments",
            "/api/c/{c}/experiments/{e}", "/api/c/{c}/tree", "/api/c/{c}/knowledge", "/api/compare", "/static/{e}",
            "/{e}", "/api/{e}", "/c/{c}/{e}");
    static final List<String> PARAMS = List.of("status", "stage", "op", "subroutine", "min", "max", "q", "sort", "dir",
            "page", "size", "cost", "focus", "depth", "c", "token", "x");
    static final String MARK = "<b id=fuzzmark>";

    @Provide
    Arbitrary<String> ids() {
        return Arbitraries.oneOf(Arbitraries.of("{valid}", "{best}", "", "..", "../../pom.xml", "%2e%2e%2fpom.xml",
                        "browser.js", "browser.css", "exp-nope", "cmp-nope", MARK, "%00", "a".repeat(3000)),
                Arbitraries.strings().all().ofMaxLength(30));
    }

    @Provide
    Arbitrary<String> values() {
        return Arbitraries.oneOf(Arbitraries.of("", "done", "failed", "explore", "linear", "0", "-1", "1e309", "NaN",
                        "999999999999", "0.5", "asc", "desc", "fitness", "name", "params", "flops", MARK, "' OR 1=1 --",
                        "%", "_", "\u0000"),
                Arbitraries.strings().all().ofMaxLength(40), Arbitraries.integers().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf));
    }

    @Provide
    Arbitrary<String> requests() {
        Arbitrary<String> query = Combinators.combine(Arbitraries.of(PARAMS), values()).as((k, v) -> k + "=" + enc(v))
                .list().ofMaxSize(5).map(l -> l.isEmpty() ? "" : "?" + String.join("&", l));
        return Combinators.combine(Arbitraries.of(ROUTES), ids(), ids(), query).as((r, c, e, q) ->
                r.replace("{c}", enc(c.equals("{valid}") || c.equals("{best}") ? fx.campaignId() : c))
                        .replace("{e}", enc(e.equals("{valid}") ? fx.baselineId() : e.equals("{best}") ? fx.bestId() : e))
                        + q);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/");
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void anyRequestGetsACleanAnswer(@ForAll("requests") String path) throws Exception {
        URI uri;
        try {
            uri = URI.create(base + path);
        } catch (IllegalArgumentException notAUri) {
            return;   // the client cannot even send it
        }
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + " -> " + r.body()).isIn(200, 302, 400, 404);
        assertThat(r.body()).as(path).doesNotContain("\tat archlab", "Exception:");
        String type = r.headers().firstValue("Content-Type").orElse("");
        if (type.startsWith("text/html")) {
            assertThat(r.body()).as("markup from the request is escaped in " + path).doesNotContain(MARK);
        }
        // JSON (and the two assets) carry request text as data, never rendered as a page.
    }
}
