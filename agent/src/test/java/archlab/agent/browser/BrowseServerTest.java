package archlab.agent.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.knowledge.store.Store;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The browser over HTTP, without a web browser: every page and API route answers, filters and sorts
 * do what they say, bad input gets a 400 that names it, unknown ids a 404, nothing outside the two
 * assets is served, text from the store is escaped, live updates arrive, and the token is enforced.
 */
class BrowseServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static BrowseFixture.Native fx;
    static BrowseServer server;
    static HttpClient http;
    static String base;
    static String c;

    @BeforeAll
    static void start() throws Exception {
        fx = BrowseFixture.nativeCampaign(dir.resolve("run"));
        server = BrowseServer.builder().store(fx.store()).port(0).pollMillis(60_000).build().start();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        base = "http://127.0.0.1:" + server.port();
        c = fx.campaignId();
    }

    @AfterAll
    static void stop() {
        server.close();
        fx.store().close();
    }

    static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode api(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void everyPageAnswers() throws Exception {
        for (String p : List.of("/c/" + c, "/c/" + c + "/experiments", "/c/" + c + "/tree", "/c/" + c + "/knowledge",
                "/c/" + c + "/e/" + fx.bestId(), "/c/" + c + "/tree?focus=" + fx.bestId(), "/compare", "/compare?c=" + c)) {
            HttpResponse<String> r = get(p);
            assertThat(r.statusCode()).as(p).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).as(p).startsWith("text/html");
            assertThat(r.headers().firstValue("Content-Security-Policy").orElse("")).contains("script-src 'self'");
        }
        assertThat(get("/").statusCode()).isEqualTo(302);   // one campaign: straight to it
    }

    @Test
    void overviewShowsTheBestThePointsOfTheParetoFrontAndTheCounts() throws Exception {
        String html = get("/c/" + c).body();
        assertThat(html).contains("id=\"best-so-far\"", "id=\"pareto\"", "id=\"status-counts\"", "id=\"failure-counts\"",
                "nan_loss", "/c/" + c + "/e/" + fx.bestId());
        JsonNode o = api("/api/c/" + c);
        assertThat(o.path("best").path("id").asText()).isEqualTo(fx.bestId());
        assertThat(o.path("byStatus").path("failed").asInt()).isEqualTo(1);
        assertThat(o.path("experiments").asInt()).isEqualTo(fx.ids().size());
        assertThat(o.path("paretoFront").size()).isPositive();
        assertThat(api("/api/c/" + c + "?cost=flops").path("paretoCost").asText()).isEqualTo("flops");
    }

    @Test
    void tableFiltersSortsAndPages() throws Exception {
        JsonNode all = api("/api/c/" + c + "/experiments?size=500");
        assertThat(all.path("total").asInt()).isEqualTo(fx.ids().size());

        JsonNode failed = api("/api/c/" + c + "/experiments?status=failed");
        assertThat(failed.path("total").asInt()).isEqualTo(1);
        assertThat(failed.path("rows").get(0).path("id").asText()).isEqualTo(fx.failedId());

        JsonNode byFitness = api("/api/c/" + c + "/experiments?sort=fitness&dir=desc&size=3");
        assertThat(byFitness.path("rows").get(0).path("id").asText()).isEqualTo(fx.bestId());
        List<Double> f = new ArrayList<>();
        byFitness.path("rows").forEach(r -> f.add(r.path("fitness").asDouble()));
        assertThat(f).isSortedAccordingTo((a, b) -> Double.compare(b, a));

        JsonNode relu = api("/api/c/" + c + "/experiments?op=relu_map&size=500");
        assertThat(relu.path("total").asInt()).isPositive().isLessThan(fx.ids().size());
        relu.path("rows").forEach(r -> assertThat(r.path("name").asText()).endsWith("-relu"));

        JsonNode text = api("/api/c/" + c + "/experiments?q=RELU+FEATURE");
        assertThat(text.path("total").asInt()).isEqualTo(relu.path("total").asInt());

        JsonNode range = api("/api/c/" + c + "/experiments?min=0.5&max=0.9&stage=explore&size=500");
        range.path("rows").forEach(r -> {
            assertThat(r.path("fitness").asDouble()).isBetween(0.5, 0.9);
            assertThat(r.path("stage").asText()).isEqualTo("explore");
        });

        JsonNode page2 = api("/api/c/" + c + "/experiments?size=5&page=2");
        assertThat(page2.path("rows").size()).isEqualTo(5);
        assertThat(page2.path("rows").get(0).path("id").asText()).isEqualTo(all.path("rows").get(5).path("id").asText());
        assertThat(api("/api/c/" + c + "/experiments?page=99").path("rows").size()).isZero();

        String html = get("/c/" + c + "/experiments?status=failed").body();
        assertThat(html).contains("data-id=\"" + fx.failedId() + "\"").doesNotContain("data-id=\"" + fx.bestId() + "\"");
    }

    @Test
    void badInputIsA400ThatSaysWhatIsWrong() throws Exception {
        for (String[] bad : new String[][] {
            {"page=0", "page"}, {"size=100000", "size"}, {"sort=secret", "sort"}, {"dir=up", "dir"},
            {"status=exploded", "status"}, {"min=abc", "min"}, {"min=NaN", "min"}, {"min=0.9&max=0.1", "larger"},
            {"stage=../../etc", "stage"}, {"op=%3Cscript%3E", "op"}, {"page=1&page=2", "once"}}) {
            HttpResponse<String> r = get("/api/c/" + c + "/experiments?" + bad[0]);
            assertThat(r.statusCode()).as(bad[0]).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).path("error").asText()).as(bad[0]).contains(bad[1]);
            HttpResponse<String> page = get("/c/" + c + "/experiments?" + bad[0]);
            assertThat(page.statusCode()).isEqualTo(400);
            assertThat(page.body()).contains("Bad request").doesNotContain("<script>");
        }
        assertThat(get("/c/" + c + "/tree?depth=99").statusCode()).isEqualTo(400);
        assertThat(get("/c/" + c + "?cost=dollars").statusCode()).isEqualTo(400);
    }

    @Test
    void unknownIdsAreA404PageAndNoFileOutsideTheAssetsIsServed() throws Exception {
        for (String p : List.of("/c/nope", "/c/" + c + "/e/nope", "/c/" + c + "/tree?focus=nope", "/nowhere",
                "/compare?c=nope", "/static/app.js", "/static/..%2F..%2Fpom.xml", "/static/%2e%2e/pom.xml",
                "/static/../../pom.xml", "/c/" + c + "/e/..%2F..%2Fpom.xml")) {
            HttpResponse<String> r = get(p);
            assertThat(r.statusCode()).as(p).isIn(400, 404);
            assertThat(r.body()).as(p).doesNotContain("<artifactId>");
        }
        HttpResponse<String> nowhere = get("/nowhere/at/all");
        assertThat(nowhere.statusCode()).isEqualTo(404);
        assertThat(nowhere.body()).contains("Not found", "no page at /nowhere/at/all");
        HttpResponse<String> page = get("/c/" + c + "/e/%3Cscript%3Ealert(1)%3C%2Fscript%3E");
        assertThat(page.statusCode()).isEqualTo(404);
        assertThat(page.body()).contains("Not found").doesNotContain("<script>alert(1)");
        HttpResponse<String> apiMiss = get("/api/c/" + c + "/experiments/nope");
        assertThat(apiMiss.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(apiMiss.body()).path("error").asText()).contains("nope");
        HttpResponse<String> js = get("/static/browser.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
    }

    @Test
    void shortNamesAndFullNamesWorkInUrlsAsIdsDo() throws Exception {
        // fx-01 is named e2-d32-h2-l1 (the baseline is e1)
        for (String handle : List.of("fx-01", "e2-d32-h2-l1", "e2", "2")) {
            assertThat(api("/api/c/" + c + "/experiments/" + handle).path("id").asText()).as(handle).isEqualTo("fx-01");
            HttpResponse<String> page = get("/c/" + c + "/e/" + handle);
            assertThat(page.statusCode()).as(handle).isEqualTo(200);
            assertThat(page.body()).contains("data-experiment=\"fx-01\"");
            assertThat(get("/c/" + c + "/tree?focus=" + handle).body()).contains("e2-d32-h2-l1");
        }
        HttpResponse<String> miss = get("/api/c/" + c + "/experiments/e99999999999999999999");
        assertThat(miss.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(miss.body()).path("error").asText())
                .contains("no experiment e99999999999999999999", "short name e1 to e13");
    }

    @Test
    void theExperimentPageLeadsWithResultsAndDrawsBlocksNotAFlatGraph() throws Exception {
        String html = get("/c/" + c + "/e/" + fx.bestId()).body();
        List<String> order = List.of("id=\"results\"", "id=\"stage-scores\"", "id=\"evaluations\"", "id=\"curves\"",
                "id=\"held-out-curve\"", "id=\"hypothesis\"", "id=\"graph-section\"", "id=\"definition-section\"",
                "id=\"diff-section\"");
        int at = -1;
        for (String mark : order) {
            int next = html.indexOf(mark);
            assertThat(next).as(mark + " after the one before").isGreaterThan(at);
            at = next;
        }
        assertThat(html).contains("Held-out accuracy during training", "baseline at this stage", "id=\"log-scale\"");
        // the block outline: the model, its layers folded into one box, constants folded into their users
        assertThat(html).contains("id=\"block-outline\"", "<b>layer</b> <span class=\"copies\">×", "<b>mixer</b>",
                "<span class=\"const\">1</span>").doesNotContain("<code>const");
        assertThat(html.indexOf("id=\"block-outline\"")).isLessThan(html.indexOf("id=\"op-graph\""));
        String log = get("/c/" + c + "/e/" + fx.bestId() + "?log=1").body();
        assertThat(log).contains("held-out accuracy (log scale)", "loss (log scale)", "id=\"linear-scale\"");
    }

    @Test
    void theOverviewLabelsItsStagesAndComparesWithTheBaselineAtTheSameStage() throws Exception {
        String html = get("/c/" + c).body();
        assertThat(html).contains("Best fitness so far at the explore stage", "ranked by the latest stage reached",
                "against the baseline at the same stage");
        assertThat(html).contains("at the verify stage");   // the best card: fx-08 was verified
        assertThat(html).contains("12 of 40 experiments (30 %)", "1.6 min of 10.0 min wall clock (16 %)").doesNotContain("wall_s");
        assertThat(html).containsPattern("accuracy 0\\.\\d{4} against the baseline&#39;s 0\\.2700 at verify \\(\\+");
    }

    @Test
    void curvesOfAnyExperimentsOverlayAndTwoCompareSideBySide() throws Exception {
        String curves = get("/c/" + c + "/curves?e=e2&e=e9&e=" + fx.bestParentId() + "&smooth=0.6&log=1").body();
        assertThat(curves).contains("Curves of 3 experiments", "id=\"overlay-held-out\"", "id=\"overlay-loss\"",
                "smoothed 0.60", "(log scale)", "e2-d32-h2-l1 · explore", "e9-d32-h8-l2 · explore");
        assertThat(curves.split("class=\"series-line\"", -1).length - 1).isEqualTo(6);   // 3 held-out, 3 loss

        String pair = get("/c/" + c + "/pair?e=e2&e=" + fx.bestId()).body();
        assertThat(pair).contains("e2-d32-h2-l1 against e9-d32-h8-l2", "id=\"pair-table\"", "fitness at explore",
                "fitness at verify", "against the baseline&#39;s", "id=\"pair-graph-diff\"", "id=\"pair-diff\"",
                "id=\"pair-curves-held-out\"");

        for (String[] bad : new String[][] {{"/c/" + c + "/pair?e=e2", "exactly 2"}, {"/c/" + c + "/curves", "from 1 to 12"},
                {"/c/" + c + "/curves?e=e2&smooth=2", "smooth must be"}, {"/c/" + c + "/curves?e=e2&seeds=some", "seeds must"},
                {"/c/" + c + "/pair?e=e2&e=fx-01", "the same experiment twice"}}) {
            HttpResponse<String> r = get(bad[0]);
            assertThat(r.statusCode()).as(bad[0]).isEqualTo(400);
            assertThat(r.body()).as(bad[0]).contains(bad[1]);
        }
        assertThat(get("/c/" + c + "/curves?e=e404").statusCode()).isEqualTo(404);
        // the table offers both, on the experiments a person ticks
        assertThat(get("/c/" + c + "/experiments").body()).contains("id=\"overlay-picked\"", "id=\"pair-picked\"",
                "name=\"e\" value=\"fx-01\"");
    }

    @Test
    void whatWorkedTalliesMovesAndOpsAgainstTheParent() throws Exception {
        String html = get("/c/" + c + "/worked").body();
        assertThat(html).contains("id=\"worked-moves\"", "id=\"worked-ops\"", "<td>resize</td>", "relu_map",
                "id=\"slice-params\"", "id=\"slice-flops\"");
        JsonNode w = api("/api/c/" + c + "/worked");
        JsonNode resize = null;
        for (JsonNode m : w.path("moves")) {
            if (m.path("name").asText().equals("resize")) {
                resize = m;
            }
        }
        assertThat(resize).isNotNull();
        assertThat(resize.path("count").asInt()).isEqualTo(12);       // every fixture child, the failed one too
        // a change is measured where the child has an explore-stage fitness and so has its parent (the
        // baseline counts as 0.5, its fitness by definition): not under the failed fx-05, not for fx-08
        // (scored at verify only) nor under it
        assertThat(resize.path("finished").asInt()).isEqualTo(8);
        assertThat(resize.path("improved").asInt()).isBetween(1, 8);
        // relu_map came in with the edits that swapped the feature map (every third child)
        JsonNode relu = null;
        for (JsonNode o : w.path("ops")) {
            if (o.path("name").asText().equals("relu_map")) {
                relu = o;
            }
        }
        assertThat(relu).isNotNull();
        assertThat(relu.path("count").asInt()).isPositive();
    }

    @Test
    void theTableShowsTheColumnsAskedFor() throws Exception {
        String html = get("/c/" + c + "/experiments?cols=metric,move,parent,wall&sort=fitness").body();
        String head = html.substring(html.indexOf("<thead>"), html.indexOf("</thead>"));
        assertThat(head).contains("primary metric", "design move", "parent", "wall time")
                .doesNotContain("hypothesis", "FLOPs");
        assertThat(html).containsPattern("<td class=\"num\">[3-7]\\.\\d s</td>");
        // sorting and paging keep the choice
        assertThat(head).contains("cols=metric%2Cwall%2Cmove%2Cparent");
        assertThat(html).contains("<td>resize</td>", "value=\"metric\" checked");
        assertThat(html).containsPattern("<td class=\"num\">0\\.\\d{4}</td>");
        HttpResponse<String> bad = get("/c/" + c + "/experiments?cols=nope");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("cols: unknown column &quot;nope&quot;", "metric");
    }

    @Test
    void notesAndTagsArePostedFromTheExperimentPageAndOnlyFromIt(@TempDir Path own) throws Exception {
        BrowseFixture.Native f = BrowseFixture.nativeCampaign(own.resolve("run"));
        try (BrowseServer s = BrowseServer.builder().store(f.store()).port(0).pollMillis(60_000).build().start()) {
            String at = "http://127.0.0.1:" + s.port();
            java.util.function.BiFunction<String, String, HttpResponse<String>> post = (form, site) -> {
                try {
                    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(at + "/c/" + f.campaignId() + "/e/e2/notes"))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString(form));
                    if (site != null) {
                        b.header("Sec-Fetch-Site", site);
                    }
                    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            HttpResponse<String> tag = post.apply("kind=tag&text=keep", "same-origin");
            assertThat(tag.statusCode()).isEqualTo(303);
            assertThat(tag.headers().firstValue("Location").orElse("")).endsWith("/e/fx-01#notes");
            assertThat(post.apply("kind=note&text=recall+jumps+late", "same-origin").statusCode()).isEqualTo(303);
            assertThat(post.apply("kind=tag&text=two+words", "same-origin").statusCode()).isEqualTo(400);
            assertThat(post.apply("kind=other&text=x", "same-origin").statusCode()).isEqualTo(400);
            HttpResponse<String> cross = post.apply("kind=tag&text=evil", "cross-site");
            assertThat(cross.statusCode()).isEqualTo(400);
            assertThat(cross.body()).contains("only be posted from this browser");
            String page = http.send(HttpRequest.newBuilder(URI.create(at + "/c/" + f.campaignId() + "/e/e2")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(page).contains("<span class=\"tag\">keep</span>", "recall jumps late", "id=\"note-form\"")
                    .doesNotContain("evil");
            String table = http.send(HttpRequest.newBuilder(URI.create(at + "/c/" + f.campaignId()
                    + "/experiments?cols=tags")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(table).contains("<span class=\"tag\">keep</span>");
        } finally {
            f.store().close();
        }
    }

    @Test
    void theTreesFirstViewShowsTheWinningLineage(@TempDir Path own) throws Exception {
        BrowseFixture.Native f = BrowseFixture.nativeCampaign(own.resolve("run"));
        // an explore-only design above the verified winner: ordering by fitness alone would lead away from fx-08
        BrowseFixture.addExperiment(f.store(), f.campaignId(), "fx-10", "fx-explore-high", 0.99);
        try (BrowseServer s = BrowseServer.builder().store(f.store()).port(0).pollMillis(60_000).build().start()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port()
                    + "/api/c/" + f.campaignId() + "/tree?width=1&depth=1")).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode tree = JSON.readTree(r.body());
            List<String> ids = new ArrayList<>();
            tree.path("nodes").forEach(n -> ids.add(n.path("id").asText()));
            assertThat(ids).contains(f.baselineId(), "fx-07", "fx-08");
        } finally {
            f.store().close();
        }
    }

    @Test
    void twoCampaignsOfTheSameNameGetLegendsThatTellThemApart(@TempDir Path own) throws Exception {
        try (Store other = Store.openRunFolder(own.resolve("other"))) {
            other.campaigns().insert(archlab.knowledge.store.Campaign.create("fixture",
                    "name: fixture\nstages:\n  - name: explore\n", "offline"));
            String second = other.campaigns().list().get(0).id();
            try (BrowseServer two = BrowseServer.builder().store(fx.store()).store(other).port(0).pollMillis(60_000)
                    .build().start()) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + two.port()
                        + "/compare?c=" + c + "&c=" + second)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains("fixture (started ", ", " + c + ")", ", " + second + ")");
            }
        }
    }

    @Test
    void experimentPageShowsHypothesisDefinitionDiffGraphCurvesCallsAndFamily() throws Exception {
        String html = get("/c/" + c + "/e/" + fx.bestId()).body();
        assertThat(html).contains("id=\"hypothesis\"", "Expected effect", "id=\"definition\"", "<span class=\"k\">param</span>",
                "id=\"diff\"", "class=\"add\"", "id=\"graph-diff\"", "id=\"arch-graph\"", "id=\"curves\"",
                "id=\"evaluations\"", "id=\"llm-calls\"", "qwen-test", "1200 / 340", "id=\"parent-link\"",
                "id=\"similar\"", "A larger state helps recall");
        // Curves: this experiment's evaluation and the parent's, overlaid, held-out and training loss.
        assertThat(html.split("class=\"series-line\"", -1).length - 1).isEqualTo(4);
        assertThat(html).contains("/c/" + c + "/e/" + fx.bestParentId());

        JsonNode e = api("/api/c/" + c + "/experiments/" + fx.bestId());
        assertThat(e.path("parent").path("id").asText()).isEqualTo(fx.bestParentId());
        assertThat(e.path("llmCalls").get(0).path("tokensIn").asLong()).isEqualTo(1200);
        assertThat(e.path("diff").size()).isPositive();
        assertThat(e.path("similar").size()).isPositive();

        String failed = get("/c/" + c + "/e/" + fx.failedId()).body();
        assertThat(failed).contains("id=\"failure\"", "nan_loss", "the loss became NaN");
    }

    @Test
    void textFromTheStoreIsEscaped() throws Exception {
        for (String p : List.of("/c/" + c + "/e/" + fx.xssId(), "/c/" + c + "/experiments?q=escaping",
                "/c/" + c + "/e/" + fx.bestId())) {
            String html = get(p).body();
            assertThat(html).as(p).doesNotContain("<script>alert").contains("&lt;script&gt;alert(");
        }
    }

    @Test
    void treeFocusesOnANeighbourhoodAndCountsWhatItHides() throws Exception {
        JsonNode roots = api("/api/c/" + c + "/tree?depth=1&width=2");
        JsonNode first = roots.path("nodes").get(0);
        assertThat(first.path("id").asText()).isEqualTo(fx.baselineId());
        assertThat(first.path("hiddenChildren").asInt()).isPositive();
        // the root, its two best children, and the winner below one of them (its lineage stays in view)
        assertThat(roots.path("nodes").size()).isEqualTo(4);
        assertThat(roots.path("nodes").get(3).path("id").asText()).isEqualTo(fx.bestId());

        JsonNode around = api("/api/c/" + c + "/tree?focus=" + fx.bestId() + "&depth=2");
        assertThat(around.path("focus").asText()).isEqualTo(fx.bestId());
        List<String> ids = new ArrayList<>();
        around.path("nodes").forEach(n -> ids.add(n.path("id").asText()));
        assertThat(ids).contains(fx.baselineId(), fx.bestParentId(), fx.bestId());
        String html = get("/c/" + c + "/tree?focus=" + fx.bestId()).body();
        assertThat(html).contains("id=\"search-tree\"", "node focus", "/c/" + c + "/e/" + fx.bestId());
    }

    @Test
    void knowledgeListsSubroutinesWithUsageAndPaperNotes() throws Exception {
        JsonNode k = api("/api/c/" + c + "/knowledge");
        JsonNode sub = k.path("subroutines").get(0);
        assertThat(sub.path("name").asText()).isEqualTo("relu_map");
        assertThat(sub.path("inCampaign").path("experiments").asInt()).isPositive();
        assertThat(k.path("papers").size()).isPositive();
        JsonNode top = k.path("papers").get(0);
        assertThat(top.path("paper").path("id").asText()).isEqualTo("zoology");
        assertThat(top.path("citations").asInt()).isEqualTo(1);
    }

    @Test
    void liveUpdatesPushANewExperimentOverServerSentEvents(@TempDir Path own) throws Exception {
        // Its own store and server: the other tests count this campaign's experiments.
        BrowseFixture.Native live = BrowseFixture.nativeCampaign(own.resolve("run"));
        try (BrowseServer s = BrowseServer.builder().store(live.store()).port(0).pollMillis(60_000).build().start()) {
            String at = "http://127.0.0.1:" + s.port();
            String lc = live.campaignId();
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(at + "/api/c/" + lc + "/events"))
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
                try {
                    String line;
                    String event = null;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("event:")) {
                            event = line.substring(6).strip();
                        } else if (line.startsWith("data:") && "experiments".equals(event)) {
                            return line.substring(5).strip();
                        }
                    }
                    return null;
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(300);
            BrowseFixture.addExperiment(live.store(), lc, live.bestId(), "fx-live-sse", 0.61);
            s.pollNow();
            JsonNode event = JSON.readTree(seen.get(20, TimeUnit.SECONDS));
            assertThat(event.path("changed").get(0).path("id").asText()).isEqualTo("fx-live-sse");
            assertThat(event.path("total").asInt()).isEqualTo(live.ids().size() + 1);
            HttpResponse<String> found = http.send(HttpRequest.newBuilder(URI.create(at + "/api/c/" + lc
                    + "/experiments?q=live+addition")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(JSON.readTree(found.body()).path("total").asInt()).isEqualTo(1);
            r.body().close();
        } finally {
            live.store().close();
        }
    }

    @Test
    void anAddressBeyondLoopbackNeedsAToken() {
        assertThatThrownBy(() -> BrowseServer.builder().store(fx.store()).bind("0.0.0.0").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token");
        assertThatThrownBy(() -> BrowseServer.builder().token("short")).hasMessageContaining("8 characters");
    }

    @Test
    void theTokenIsRequiredOnEveryRouteAndRememberedInACookie() throws Exception {
        String token = "s3cret-token-for-tests";
        try (BrowseServer guarded = BrowseServer.builder().store(fx.store()).port(0).token(token).build().start()) {
            String at = "http://127.0.0.1:" + guarded.port();
            for (String p : List.of("/", "/c/" + c, "/api/c/" + c + "/experiments", "/static/browser.js",
                    "/api/c/" + c + "/events")) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(at + p)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(p).isEqualTo(401);
            }
            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(at + "/c/" + c))
                    .header(BrowseServer.TOKEN_HEADER, "s3cret-token-for-tesTS").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).isEqualTo(401);
            HttpResponse<String> header = http.send(HttpRequest.newBuilder(URI.create(at + "/api/c/" + c + "/experiments"))
                    .header(BrowseServer.TOKEN_HEADER, token).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(header.statusCode()).isEqualTo(200);
            HttpResponse<String> bearer = http.send(HttpRequest.newBuilder(URI.create(at + "/c/" + c))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(bearer.statusCode()).isEqualTo(200);
            HttpResponse<String> query = http.send(HttpRequest.newBuilder(URI.create(at + "/c/" + c + "?token=" + token))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(query.statusCode()).isEqualTo(200);
            String cookie = query.headers().firstValue("Set-Cookie").orElse("");
            assertThat(cookie).startsWith(BrowseServer.TOKEN_COOKIE + "=").containsIgnoringCase("HttpOnly")
                    .containsIgnoringCase("SameSite=Strict");
            HttpResponse<String> withCookie = http.send(HttpRequest.newBuilder(URI.create(at + "/c/" + c + "/tree"))
                    .header("Cookie", cookie.split(";")[0]).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(withCookie.statusCode()).isEqualTo(200);
        }
    }
}
