package archlab.agent.browser;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Note;
import archlab.knowledge.store.Store;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HttpStatus;
import io.javalin.http.SameSite;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The experiment browser: a web UI and a JSON API over one or more campaign stores, read only.
 *
 * <pre>{@code
 * try (BrowseServer server = BrowseServer.builder().store(store).port(0).build().start()) {
 *     System.out.println("http://127.0.0.1:" + server.port() + "/");
 * }
 * }</pre>
 *
 * Pages: {@code /} (the campaigns), {@code /c/ID} (overview), {@code /c/ID/experiments} (the table),
 * {@code /c/ID/tree}, {@code /c/ID/e/EXP} (an experiment), {@code /c/ID/knowledge}, {@code /compare}.
 * The API mirrors them under {@code /api/}; docs/browser.md lists every route and parameter.
 *
 * <p>Security: it binds to 127.0.0.1 unless told otherwise, and any other address needs a token
 * ({@link Builder#token}), checked on every request in constant time. Nothing a request names is a
 * file: the only files served are the two assets below, by fixed name.
 */
public final class BrowseServer implements AutoCloseable {
    public static final String DEFAULT_BIND = "127.0.0.1";
    public static final int DEFAULT_PORT = 7070;
    /** The header, cookie and query parameter that carry the token. */
    public static final String TOKEN_HEADER = "X-Archlab-Token";
    public static final String TOKEN_COOKIE = "archlab_token";
    public static final String TOKEN_PARAM = "token";
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
            + " img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    /** The assets served from the jar, by the only names that reach them. */
    private static final Map<String, String[]> ASSETS = Map.of(
            "browser.js", new String[] {"archlab/browser/browser.js", "text/javascript; charset=utf-8"},
            "browser.css", new String[] {"archlab/browser/browser.css", "text/css; charset=utf-8"});

    private final Map<String, BrowsedCampaign> campaigns;
    private final String bind;
    private final int requestedPort;
    private final byte[] token;
    private final long pollMs;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, byte[]> assets = new LinkedHashMap<>();
    private Javalin app;
    private LiveEvents live;

    private BrowseServer(Builder b) {
        Map<String, BrowsedCampaign> byslug = new LinkedHashMap<>();
        for (Store s : b.stores) {
            for (Campaign c : s.campaigns().list()) {
                String slug = c.id();
                for (int i = 2; byslug.containsKey(slug); i++) {
                    slug = c.id() + "~" + i;   // the same campaign id in two stores (a copied run folder)
                }
                byslug.put(slug, new BrowsedCampaign(slug, s, c));
            }
        }
        this.campaigns = Collections.unmodifiableMap(byslug);
        this.bind = b.bind;
        this.requestedPort = b.port;
        this.token = b.token == null ? null : b.token.getBytes(StandardCharsets.UTF_8);
        this.pollMs = b.pollMs;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What to serve and where. */
    public static final class Builder {
        private final List<Store> stores = new ArrayList<>();
        private String bind = DEFAULT_BIND;
        private int port = DEFAULT_PORT;
        private String token;
        private long pollMs = 1000;

        /** A store to show; every campaign in it is browsable. */
        public Builder store(Store s) {
            stores.add(Objects.requireNonNull(s));
            return this;
        }

        /** The address to listen on; anything but a loopback address needs a {@link #token}. */
        public Builder bind(String v) {
            bind = Objects.requireNonNull(v);
            return this;
        }

        /** The port; 0 picks a free one ({@link BrowseServer#port()} tells which). */
        public Builder port(int v) {
            if (v < 0 || v > 65535) {
                throw new IllegalArgumentException("port must be 0 to 65535, not " + v);
            }
            port = v;
            return this;
        }

        /** A secret every request must carry (header, cookie or query parameter); null for none. */
        public Builder token(String v) {
            if (v != null && v.length() < 8) {
                throw new IllegalArgumentException("the token must be at least 8 characters long");
            }
            token = v;
            return this;
        }

        /** How often live updates look at the stores. */
        public Builder pollMillis(long v) {
            pollMs = Math.max(50, v);
            return this;
        }

        public BrowseServer build() {
            if (token == null && !isLoopback(bind)) {
                throw new IllegalArgumentException("binding to " + bind + " exposes the campaigns beyond this machine;"
                        + " give a token (--token) to do that");
            }
            return new BrowseServer(this);
        }
    }

    /** Whether an address is this machine only (127.0.0.0/8, ::1, localhost). */
    public static boolean isLoopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Reads every campaign's experiments, starts live updates, then listens. */
    public BrowseServer start() {
        for (BrowsedCampaign bc : campaigns.values()) {
            bc.load();
        }
        for (String name : ASSETS.keySet()) {
            try (InputStream in = BrowseServer.class.getClassLoader().getResourceAsStream(ASSETS.get(name)[0])) {
                if (in == null) {
                    throw new IllegalStateException("the jar lacks " + ASSETS.get(name)[0]);
                }
                assets.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + ASSETS.get(name)[0], e);
            }
        }
        live = new LiveEvents(campaigns, pollMs);
        app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.jsonMapper(new JavalinJackson(json, false));
            config.http.prefer405over404 = false;
        });
        routes(app);
        app.start(bind, requestedPort);
        return this;
    }

    public int port() {
        return app.port();
    }

    /** The campaigns served, by the id their URLs use. */
    public Map<String, BrowsedCampaign> campaigns() {
        return campaigns;
    }

    /** Looks for changes at once rather than at the next period (tests). */
    public void pollNow() {
        live.poll();
    }

    @Override
    public void close() {
        if (live != null) {
            live.close();
        }
        if (app != null) {
            app.stop();
        }
    }

    // ---- routes ----

    private void routes(Javalin app) {
        app.before(ctx -> {
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.header("Referrer-Policy", "no-referrer");
            ctx.header("Content-Security-Policy", CSP);
            if (token != null) {
                checkToken(ctx);
            }
        });
        app.get("/", ctx -> {
            if (campaigns.size() == 1) {
                ctx.redirect("/c/" + Html.url(campaigns.keySet().iterator().next()));
                return;
            }
            ctx.html(Layout.page("Campaigns", null, Layout.Tab.NONE, null, null, campaignList()));
        });
        app.get("/static/{name}", ctx -> {
            String name = ctx.pathParam("name");
            byte[] body = assets.get(name);
            if (body == null) {
                throw new NotFound("no asset named \"" + name + "\"");
            }
            ctx.contentType(ASSETS.get(name)[1]).result(body);
        });
        app.get("/c/{cid}", ctx -> {
            BrowsedCampaign bc = campaign(ctx);
            OverviewView.Overview o = OverviewView.data(bc, cost(ctx));
            ctx.html(Layout.page(bc.campaign().name(), bc, Layout.Tab.OVERVIEW, "fragment", null, OverviewView.html(bc, o)));
        });
        app.get("/c/{cid}/experiments", ctx -> {
            BrowsedCampaign bc = campaign(ctx);
            TableQuery q = TableQuery.parse(ctx.queryParamMap());
            TableQuery.Result r = q.run(bc.index());
            ctx.html(Layout.page("Experiments", bc, Layout.Tab.EXPERIMENTS, "fragment", null,
                    TableView.html(bc, q, r, TableView.Shown.parse(ctx.queryParamMap()))));
        });
        app.get("/c/{cid}/e/{eid}", ctx -> {
            BrowsedCampaign bc = campaign(ctx);
            ExperimentView.Page p = ExperimentView.data(bc, ctx.pathParam("eid"));
            boolean log = "1".equals(ctx.queryParam("log")) || "true".equals(ctx.queryParam("log"));
            // results first (fitness against the baseline, metrics per stage and seed, the curves), then the story
            String body = ExperimentView.html(bc, p) + ExperimentView.curvesHtml(bc, p, log) + ExperimentView.story(bc, p)
                    + ExperimentView.tail(bc, p);
            ctx.html(Layout.page(p.name() == null ? p.id() : p.name(), bc, Layout.Tab.EXPERIMENTS, "experiment",
                    "data-experiment=\"" + Html.esc(p.id()) + "\"", body));
        });
        // The one write: a note or a tag on an experiment, from the form on its page. Same-origin only, so
        // another site open in the same browser cannot post here (the token, when set, is checked too).
        app.post("/c/{cid}/e/{eid}/notes", ctx -> {
            BrowsedCampaign bc = campaign(ctx);
            sameOrigin(ctx);
            ExperimentRow e = bc.index().resolve(ctx.pathParam("eid"));
            if (e == null) {
                throw new NotFound(bc.index().notFound(ctx.pathParam("eid"), bc.slug()));
            }
            String kind = ctx.formParam("kind");
            String text = ctx.formParam("text");
            Note.Kind k = "tag".equals(kind) ? Note.Kind.TAG : "note".equals(kind) ? Note.Kind.NOTE : null;
            if (k == null) {
                throw new BadRequest("kind must be note or tag, was \"" + kind + "\"");
            }
            String problem = Note.problem(k, text);
            if (problem != null) {
                throw new BadRequest(problem);
            }
            bc.store().notes().add(new Note(null, e.id(), bc.campaignId(), k, text.strip(), null));
            ctx.redirect("/c/" + Html.url(bc.slug()) + "/e/" + Html.url(e.id()) + "#notes", HttpStatus.SEE_OTHER);
        });
        app.get("/c/{cid}/curves", ctx -> {
            BrowsedCampaign bc = campaign(ctx);
            OverlayView.Options o = OverlayView.Options.parse(ctx.queryParamMap());
            List<ExperimentRow> rows = OverlayView.chosen(bc, ctx.queryParamMap(), 1, OverlayView.MAX_EXPERIMENTS);
            ctx.html(Layout.page("Curves", bc, Layout.Tab.EXPERIMENTS, null, null, OverlayView.curvesPage(bc, rows, o)));
        });
        app.get("/c/{cid}/pair", ctx -> {
            BrowsedCampaign bc = campaign(ctx);
            OverlayView.Options o = OverlayView.Options.parse(ctx.queryParamMap());
            List<ExperimentRow> two = OverlayView.chosen(bc, ctx.queryParamMap(), 2, 2);
            if (two.size() < 2) {
                throw new BadRequest("e names the same experiment twice; compare two different ones");
            }
            ctx.html(Layout.page(two.get(0).label() + " against " + two.get(1).label(), bc, Layout.Tab.EXPERIMENTS, null,
                    null, OverlayView.pairPage(bc, two.get(0), two.get(1), o)));
        });
        app.get("/c/{cid}/tree", ctx -> {
            BrowsedCampaign bc = campaign(ctx);
            TreeView.Tree t = tree(ctx, bc);
            ctx.html(Layout.page("Search tree", bc, Layout.Tab.TREE, "notice", null, TreeView.html(bc, t)));
        });
        app.get("/c/{cid}/worked", ctx -> {
            BrowsedCampaign bc = campaign(ctx);
            ctx.html(Layout.page("What worked", bc, Layout.Tab.WORKED, null, null, WorkedView.html(bc, WorkedView.data(bc))));
        });
        app.get("/api/c/{cid}/worked", ctx -> ctx.json(WorkedView.data(campaign(ctx))));
        app.get("/c/{cid}/knowledge", ctx -> {
            BrowsedCampaign bc = campaign(ctx);
            ctx.html(Layout.page("Knowledge", bc, Layout.Tab.KNOWLEDGE, null, null,
                    KnowledgeView.html(bc, KnowledgeView.data(bc))));
        });
        app.get("/compare", ctx -> {
            List<String> chosen = chosen(ctx);
            List<BrowsedCampaign> sides = chosen.stream().map(campaigns::get).toList();
            ctx.html(Layout.page("Compare", null, Layout.Tab.COMPARE, null, null,
                    CompareView.html(new ArrayList<>(campaigns.values()), chosen, CompareView.data(sides))));
        });

        app.get("/api/campaigns", ctx -> ctx.json(campaigns.values().stream().map(bc -> Map.of(
                "id", bc.slug(), "name", bc.campaign().name(),
                "status", bc.campaign().status().name().toLowerCase(java.util.Locale.ROOT),
                "experiments", bc.index().size())).toList()));
        app.get("/api/c/{cid}", ctx -> ctx.json(OverviewView.data(campaign(ctx), cost(ctx))));
        app.get("/api/c/{cid}/experiments", ctx -> {
            BrowsedCampaign bc = campaign(ctx);
            TableQuery q = TableQuery.parse(ctx.queryParamMap());
            ctx.json(TableView.data(q, q.run(bc.index())));
        });
        app.get("/api/c/{cid}/experiments/{eid}", ctx -> ctx.json(ExperimentView.data(campaign(ctx), ctx.pathParam("eid"))));
        app.get("/api/c/{cid}/tree", ctx -> {
            BrowsedCampaign bc = campaign(ctx);
            ctx.json(tree(ctx, bc));
        });
        app.get("/api/c/{cid}/knowledge", ctx -> ctx.json(KnowledgeView.data(campaign(ctx))));
        app.get("/api/compare", ctx -> ctx.json(CompareView.data(chosen(ctx).stream().map(campaigns::get).toList())));
        app.sse("/api/c/{cid}/events", client -> {
            BrowsedCampaign bc = campaigns.get(client.ctx().pathParam("cid"));
            if (bc == null) {
                client.close();
                return;
            }
            live.join(bc, client);
        });

        app.exception(NotFound.class, (e, ctx) -> error(ctx, 404, e.getMessage()));
        app.exception(BadRequest.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
        app.exception(Unauthorized.class, (e, ctx) -> error(ctx, 401, e.getMessage()));
        // A path no route matches (Javalin answers those in plain text): our own 404 page.
        app.error(404, ctx -> {
            if (ctx.attribute(ERROR_SHOWN) == null) {
                error(ctx, 404, "no page at " + ctx.path());
            }
        });
        app.error(405, ctx -> error(ctx, 405, "only GET is served here (and POST of a note to an experiment)"));
    }

    /**
     * A browser says where a form came from ({@code Sec-Fetch-Site}, else {@code Origin}); a post from
     * another site is refused. A client that sends neither (curl, a script) is no browser being tricked.
     */
    private static void sameOrigin(Context ctx) {
        String site = ctx.header("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            throw new BadRequest("a note can only be posted from this browser's own pages (Sec-Fetch-Site: " + site + ")");
        }
        String origin = ctx.header("Origin");
        if (site == null && origin != null && !origin.equals("null")) {
            String host = ctx.header("Host");
            if (host == null || !(origin.equals("http://" + host) || origin.equals("https://" + host))) {
                throw new BadRequest("a note can only be posted from this browser's own pages (Origin: " + origin + ")");
            }
        }
    }

    /** Raised when a request lacks the token. */
    private static final class Unauthorized extends RuntimeException {
        Unauthorized(String m) {
            super(m);
        }
    }

    private void checkToken(Context ctx) {
        String given = ctx.header(TOKEN_HEADER);
        String auth = ctx.header("Authorization");
        if (given == null && auth != null && auth.startsWith("Bearer ")) {
            given = auth.substring(7);
        }
        boolean fromQuery = false;
        if (given == null && ctx.queryParam(TOKEN_PARAM) != null) {
            given = ctx.queryParam(TOKEN_PARAM);
            fromQuery = true;
        }
        if (given == null) {
            given = ctx.cookie(TOKEN_COOKIE);
        }
        // Constant time: how much of a wrong token matched must not show in the time to answer.
        if (given == null || !MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
            throw new Unauthorized("this browser needs its token: open the address printed by archlab browse"
                    + " (it ends in ?token=...), or send the header " + TOKEN_HEADER);
        }
        if (fromQuery) {
            // Remember it, so the links of the page work without the token in every URL.
            Cookie c = new Cookie(TOKEN_COOKIE, given);
            c.setHttpOnly(true);
            c.setSameSite(SameSite.STRICT);
            c.setPath("/");
            ctx.cookie(c);
        }
    }

    private static final String ERROR_SHOWN = "archlab.error";

    private void error(Context ctx, int status, String message) {
        ctx.attribute(ERROR_SHOWN, Boolean.TRUE);
        ctx.status(status);
        if (ctx.path().startsWith("/api/")) {
            ctx.json(Map.of("status", status, "error", message == null ? "" : message));
        } else {
            ctx.html(Layout.error(status, message));
        }
    }

    private BrowsedCampaign campaign(Context ctx) {
        String id = ctx.pathParam("cid");
        BrowsedCampaign bc = campaigns.get(id);
        if (bc == null) {
            throw new NotFound("no campaign \"" + id + "\" here (the campaigns are listed at /)");
        }
        return bc;
    }

    private static OverviewView.Cost cost(Context ctx) {
        String c = TableQuery.one(ctx.queryParamMap(), "cost");
        if (c == null || c.equals("params")) {
            return OverviewView.Cost.PARAMS;
        }
        if (c.equals("flops")) {
            return OverviewView.Cost.FLOPS;
        }
        throw new BadRequest("cost: expected params or flops, found \"" + c + "\"");
    }

    private TreeView.Tree tree(Context ctx, BrowsedCampaign bc) {
        Map<String, List<String>> p = ctx.queryParamMap();
        String focus = TableQuery.one(p, "focus");
        int width = TableQuery.integer(TableQuery.one(p, "width"), "width", 8, 1, TreeView.MAX_WIDTH);
        String depth = TableQuery.one(p, "depth");
        if (depth == null) {
            return TreeView.auto(bc, focus, width);
        }
        return TreeView.data(bc, focus, TableQuery.integer(depth, "depth", 3, 1, TreeView.MAX_DEPTH), width);
    }

    private List<String> chosen(Context ctx) {
        List<String> out = new ArrayList<>();
        for (String v : ctx.queryParams("c")) {
            for (String id : v.split(",")) {
                if (id.isBlank() || out.contains(id)) {
                    continue;
                }
                if (!campaigns.containsKey(id)) {
                    throw new NotFound("no campaign \"" + id + "\" here (the campaigns are listed at /)");
                }
                out.add(id);
            }
        }
        if (out.isEmpty() && ctx.queryParams("c").isEmpty()) {
            out.addAll(campaigns.keySet());   // nothing chosen: every campaign
        }
        return out;
    }

    private String campaignList() {
        StringBuilder h = new StringBuilder("<h1>Campaigns</h1><table class=\"grid\" id=\"campaigns\"><thead><tr>")
                .append("<th>campaign</th><th>status</th><th>policy</th><th>experiments</th></tr></thead><tbody>");
        for (BrowsedCampaign bc : campaigns.values()) {
            h.append("<tr><td><a href=\"/c/").append(Html.url(bc.slug())).append("\">").append(Html.esc(bc.campaign().name()))
                    .append("</a> <span class=\"muted\">").append(Html.esc(bc.slug())).append("</span></td><td>")
                    .append(bc.campaign().status().name().toLowerCase(java.util.Locale.ROOT)).append("</td><td>")
                    .append(Html.esc(bc.campaign().policy())).append("</td><td class=\"num\">").append(bc.index().size())
                    .append("</td></tr>");
        }
        if (campaigns.isEmpty()) {
            h.append("<tr><td colspan=\"4\">These stores hold no campaign yet.</td></tr>");
        }
        return h.append("</tbody></table>").toString();
    }
}
