package archlab.agent.browser;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.LlmCall;
import archlab.knowledge.store.Store;
import archlab.sandbox.CheckReport;
import archlab.sandbox.ModelDefinition;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * The browser's scale benchmark (not a test): builds a synthetic campaign store of 100,000
 * experiments (with definitions that check, hypotheses, metrics, curves, an evaluation each and an
 * LLM call for every tenth), serves it, and measures the latency of the table API, the table page,
 * the experiment page and the others over many requests, printing p50, p95, p99 and the maximum as a
 * Markdown table. Run it with {@code scripts/bench-browser.sh} (docs/benchmarks.md has the results).
 *
 * <p>Arguments: {@code --experiments N} (100000), {@code --requests N} (1000 per kind),
 * {@code --store DIR} (a folder to build the store in, or to reuse when it already holds one).
 */
public final class BrowseBenchmark {
    private static final String[] MOVES = {"Swap the feature map", "Add a short convolution", "Gate the output",
        "Widen the state", "Hybridise with sliding-window attention", "Apply the delta rule", "Resize layers",
        "Recombine with a reference mixer", "Change the norms", "Add a decay"};
    private static final String[] WORDS = {"recall", "state", "gating", "decay", "convolution", "feature map",
        "associative", "window", "delta rule", "normalisation"};
    private static final String[] FAILURES = {"nan_loss", "oom", "timeout", "shape_error"};

    private BrowseBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int n = Integer.parseInt(opt.getOrDefault("experiments", "100000"));
        int requests = Integer.parseInt(opt.getOrDefault("requests", "1000"));
        Path dir = opt.containsKey("store") ? Path.of(opt.get("store")) : Files.createTempDirectory("archlab-browse-bench");
        System.out.printf(Locale.ROOT, "browse benchmark: %d experiments, %d requests per kind, store %s, %d CPUs, java %s%n",
                n, requests, dir, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        try (Store store = Store.openRunFolder(dir)) {
            if (store.campaigns().list().isEmpty()) {
                long t = System.nanoTime();
                build(store, n);
                System.out.printf(Locale.ROOT, "built the store in %.1f s%n", (System.nanoTime() - t) / 1e9);
            } else {
                System.out.println("reusing the store in " + dir);
            }
            long t = System.nanoTime();
            try (BrowseServer server = BrowseServer.builder().store(store).port(0).build().start()) {
                System.out.printf(Locale.ROOT, "browser started (all experiments read into memory) in %.1f s%n",
                        (System.nanoTime() - t) / 1e9);
                measure(server, requests);
            }
        }
    }

    static void build(Store store, int n) throws Exception {
        String config = "name: bench\nstages:\n  - name: explore\n    steps: 300\n  - name: verify\n    steps: 500\n";
        Campaign c = store.campaigns().insert(Campaign.create("bench-100k", config, "offline")
                .withBudgets("{\"experiments\": " + n + "}").withSpend("{\"experiments\": " + n + "}"));
        store.campaigns().update(store.campaigns().find(c.id()).orElseThrow().withStatus(CampaignStatus.DONE));
        String base = BrowseFixture.baseDefinition();
        List<String> variants = new ArrayList<>();
        List<CheckReport> reports = new ArrayList<>();
        for (int d : new int[] {32, 48, 64, 96}) {
            for (int h : new int[] {2, 4, 8}) {
                for (int l : new int[] {1, 2, 3}) {
                    for (boolean relu : new boolean[] {false, true}) {
                        String v = BrowseFixture.variant(base, d, h, l, relu);
                        variants.add(v);
                        reports.add(ModelDefinition.check(v, "v.arch"));
                    }
                }
            }
        }
        Random rnd = new Random(42);
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        int chunk = 5000;
        for (int from = 0; from < n; from += chunk) {
            List<Experiment> batch = new ArrayList<>();
            List<Evaluation> evals = new ArrayList<>();
            for (int i = from; i < Math.min(n, from + chunk); i++) {
                int v = rnd.nextInt(variants.size());
                String id = String.format(Locale.ROOT, "bx-%06d", i);
                String move = MOVES[rnd.nextInt(MOVES.length)];
                Experiment.Builder b = Experiment.builder(id, c.id())
                        .parentId(i == 0 ? null : String.format(Locale.ROOT, "bx-%06d", i - 1 - rnd.nextInt(Math.min(i, 300))))
                        .name(String.format(Locale.ROOT, "e%d-%s", i, move.toLowerCase(Locale.ROOT).replace(' ', '-')))
                        .hypothesis(new Hypothesis(move + " in the mixer (variant " + i + ")",
                                "The parent shows " + WORDS[rnd.nextInt(WORDS.length)] + " problems at longer sequences; "
                                        + WORDS[rnd.nextInt(WORDS.length)] + " should help, as the " + WORDS[rnd.nextInt(WORDS.length)]
                                        + " literature suggests. Measured on mqar with 4 pairs over 32 positions.",
                                "accuracy rises by a few points; parameters grow by at most 10 %"))
                        .definition("# experiment " + i + "\n" + variants.get(v), "archlab", "ok", null)
                        .canonicalHash("synthetic-" + i).params(reports.get(v).params())
                        .flopsPerToken(reports.get(v).flopsPerToken())
                        .extra("{\"role\":\"child\",\"move\":\"" + move + "\"}")
                        .createdAt(t0.plusSeconds(i)).updatedAt(t0.plusSeconds(i + 30));
                double r = rnd.nextDouble();
                if (r < 0.85) {
                    double f = 0.3 + 0.5 * rnd.nextDouble();
                    String curve = curve(rnd, 2.2 - f);
                    b.status(ExperimentStatus.DONE).stage(rnd.nextDouble() < 0.1 ? "verify" : "explore").fitness(f)
                            .metrics(String.format(Locale.ROOT, "{\"mqar\":{\"accuracy\":%.4f,\"loss\":%.4f}}", f / 2, 2.2 - f))
                            .curves("{\"mqar\":" + curve + "}").wallSeconds(2 + 5 * rnd.nextDouble())
                            .analysis("The change moved accuracy by " + String.format(Locale.ROOT, "%.3f", f - 0.5) + ".");
                    evals.add(Evaluation.of(id, "explore", 0, "ok",
                            String.format(Locale.ROOT, "{\"accuracy\":%.4f,\"loss\":%.4f}", f / 2, 2.2 - f), curve, null));
                } else if (r < 0.95) {
                    b.status(ExperimentStatus.FAILED).stage("explore")
                            .failure(FAILURES[rnd.nextInt(FAILURES.length)], "the run stopped: synthetic failure " + i);
                } else {
                    b.status(rnd.nextBoolean() ? ExperimentStatus.PRUNED : ExperimentStatus.QUEUED);
                }
                batch.add(b.build());
            }
            store.experiments().insertAll(batch);
            store.evaluations().upsertAll(evals);
            for (Experiment e : batch) {
                if (Integer.parseInt(e.id().substring(3)) % 10 == 0) {
                    store.llmCalls().insert(new LlmCall(null, c.id(), e.id(), "planner", "openai", "bench-model",
                            "h" + e.id(), "Propose the next design. ".repeat(80), "{\"title\":\"" + e.id() + "\"}",
                            2000, 300, 0.002, 900, "ok", null));
                }
            }
            System.out.printf(Locale.ROOT, "  %d / %d experiments written%n", Math.min(n, from + chunk), n);
        }
    }

    private static String curve(Random rnd, double end) {
        StringBuilder b = new StringBuilder("[");
        for (int s = 0; s <= 300; s += 30) {
            double loss = end + (4 - end) * Math.exp(-s / 60.0) + 0.02 * rnd.nextDouble();
            b.append(s == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"step\":%d,\"loss\":%.4f}", Math.max(1, s), loss));
        }
        return b.append(']').toString();
    }

    static void measure(BrowseServer server, int requests) throws Exception {
        BrowsedCampaign bc = server.campaigns().values().iterator().next();
        String base = "http://127.0.0.1:" + server.port();
        String c = "/c/" + bc.slug();
        String api = "/api/c/" + bc.slug();
        int size = bc.index().size();
        HttpClient http = HttpClient.newHttpClient();
        Random rnd = new Random(1);
        String[] tableQueries = {"", "sort=fitness&dir=desc", "status=failed", "q=delta+rule", "op=relu_map&min=0.5&max=0.7",
            "stage=verify&sort=params", "sort=name&dir=asc&status=done", "q=variant+4242"};
        IntFunction<String> table = i -> "?" + tableQueries[i % tableQueries.length] + "&page=" + (1 + rnd.nextInt(20));
        IntFunction<String> exp = i -> "/e/" + bc.index().rows().get(rnd.nextInt(size)).id();
        Map<String, IntFunction<String>> kinds = new LinkedHashMap<>();
        kinds.put("table API `" + api + "/experiments`", i -> api + "/experiments" + table.apply(i));
        kinds.put("table page `" + c + "/experiments`", i -> c + "/experiments" + table.apply(i));
        kinds.put("experiment page `" + c + "/e/ID`", i -> c + exp.apply(i));
        kinds.put("experiment API `" + api + "/experiments/ID`", i -> api + "/experiments" + exp.apply(i).substring(2));
        kinds.put("overview `" + c + "`", i -> c);
        kinds.put("tree `" + c + "/tree?focus=ID`", i -> c + "/tree?focus=" + bc.index().rows().get(rnd.nextInt(size)).id());
        // Warm-up: class loading, JIT, the per-column sort orders of the snapshot.
        for (int i = 0; i < 200; i++) {
            for (IntFunction<String> k : kinds.values()) {
                if (i < 20 || !k.apply(0).equals(c)) {
                    get(http, base + k.apply(i));
                }
            }
        }
        System.out.println();
        System.out.println("| request | n | p50 ms | p95 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|");
        for (Map.Entry<String, IntFunction<String>> k : kinds.entrySet()) {
            int count = k.getKey().startsWith("overview") || k.getKey().startsWith("tree") ? Math.max(20, requests / 10) : requests;
            double[] ms = new double[count];
            for (int i = 0; i < count; i++) {
                String path = k.getValue().apply(i);
                long t = System.nanoTime();
                int status = get(http, base + path);
                ms[i] = (System.nanoTime() - t) / 1e6;
                if (status != 200) {
                    throw new IllegalStateException(path + " answered " + status);
                }
            }
            Arrays.sort(ms);
            System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.1f |%n", k.getKey(), count, pct(ms, 50),
                    pct(ms, 95), pct(ms, 99), ms[ms.length - 1]);
        }
    }

    private static int get(HttpClient http, String url) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
        return r.statusCode();
    }

    private static double pct(double[] sorted, double p) {
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
