package archlab.agent.browser;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Insight;
import archlab.knowledge.store.LlmCall;
import archlab.knowledge.store.Store;
import archlab.knowledge.store.Subroutine;
import archlab.knowledge.transfer.JsonlImport;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Campaign stores for the browser's tests: a native one written through the store API, shaped like a
 * short real run (a baseline, design edits of linear attention that really check, evaluations with
 * curves, a failure, an LLM call, an insight, a subroutine), and an imported JSONL campaign of a few
 * thousand experiments.
 */
final class BrowseFixture {
    static final String XSS = "<script>alert('x')</script>";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a test needs to find in the native campaign. */
    record Native(Store store, String campaignId, String baselineId, String bestId, String bestParentId,
                  String failedId, String xssId, List<String> ids) {
    }

    private BrowseFixture() {
    }

    static String baseDefinition() throws IOException {
        // From the agent module (tests) or the repository root (the benchmark script).
        Path rel = Path.of("knowledge-base", "architectures", "linear_attention.arch");
        return Files.readString(Files.exists(rel) ? rel : Path.of("..").resolve(rel));
    }

    /** The linear-attention definition with other sizes, or relu features instead of elu + 1. */
    static String variant(String base, int d, int heads, int layers, boolean relu) {
        String s = base.replace("param d = 64", "param d = " + d).replace("param heads = 4", "param heads = " + heads)
                .replace("param layers = 2", "param layers = " + layers);
        return relu ? s.replace("elu1(", "relu_map(") : s;
    }

    static Native nativeCampaign(Path dir) throws IOException {
        Store store = Store.openRunFolder(dir);
        String config = "name: fixture\nstages:\n  - name: explore\n    steps: 100\n  - name: verify\n    steps: 200\n";
        Campaign c = store.campaigns().insert(Campaign.create("fixture", config, "offline")
                .withBudgets("{\"experiments\": 40, \"wall_s\": 600}").withSpend("{\"experiments\": 12, \"wall_s\": 95.5}"));
        store.campaigns().update(store.campaigns().find(c.id()).orElseThrow().withStatus(CampaignStatus.RUNNING));
        String base = baseDefinition();
        Random rnd = new Random(7);
        List<String> ids = new ArrayList<>();
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

        Experiment baseline = Experiment.builder("fx-baseline", c.id()).name("e1-baseline")
                .hypothesis(new Hypothesis("The baseline: linear attention", "Where the campaign starts.", null))
                .checkedDefinition(base).status(ExperimentStatus.DONE).stage("verify")
                .metrics("{\"mqar\":{\"accuracy\":0.27,\"loss\":1.73}}").curves(curvesJson(4.0, 1.73, rnd))
                .extra("{\"role\":\"baseline\"}").wallSeconds(4.2).createdAt(t0).updatedAt(t0).build();
        store.experiments().insert(baseline);
        ids.add(baseline.id());
        int[] ds = {32, 48, 96};
        int[] hs = {2, 4, 8};
        int[] ls = {1, 2, 3};
        int n = 0;
        String best = null;
        String bestParent = null;
        double bestFitness = -1;
        String failed = null;
        String xss = null;
        String parent = baseline.id();
        for (int d : ds) {
            for (int h : hs) {
                for (int l : ls) {
                    if (n >= 12) {
                        break;
                    }
                    n++;
                    boolean relu = n % 3 == 0;
                    String id = String.format(Locale.ROOT, "fx-%02d", n);
                    Instant t = t0.plusSeconds(60L * n);
                    // A chain and some branches: every third experiment continues from the one before.
                    String par = n % 3 == 1 ? baseline.id() : parent;
                    Experiment.Builder b = Experiment.builder(id, c.id()).parentId(par)
                            .name(String.format(Locale.ROOT, "e%d-d%d-h%d-l%d%s", n + 1, d, h, l, relu ? "-relu" : ""))
                            .hypothesis(new Hypothesis("Resize to d " + d + ", " + h + " heads, " + l + " layers"
                                    + (relu ? " with a relu feature map" : ""),
                                    "Size is the first thing to rule out: recall may need a larger state.",
                                    "accuracy on mqar rises with the state size"))
                            .checkedDefinition(variant(base, d, h, l, relu)).createdAt(t).updatedAt(t)
                            .extra("{\"role\":\"child\",\"move\":\"resize\"}");
                    if (n == 5) {
                        b.status(ExperimentStatus.FAILED).stage("explore").failure("nan_loss",
                                "the loss became NaN at step 40: the learning rate is too high for this size");
                        failed = id;
                    } else {
                        double f = 0.45 + 0.1 * rnd.nextDouble() + (n == 8 ? 0.1 : 0);
                        String stage = n == 8 ? "verify" : "explore";
                        double accuracy = 0.2 + f / 3;
                        // the fitness parts a campaign keeps: the metric against the baseline at the same stage
                        b.extra(String.format(Locale.ROOT, "{\"role\":\"child\",\"move\":\"resize\",\"fitness\":{"
                                + "\"%s\":{\"metric\":\"accuracy\",\"value\":%.4f,\"baseline\":0.27,"
                                + "\"relative\":%.4f,\"combined\":%.6f}}}", stage, accuracy, accuracy / 0.27 - 1, f));
                        b.status(ExperimentStatus.DONE).stage(stage).fitness(f)
                                .metrics(String.format(Locale.ROOT, "{\"mqar\":{\"accuracy\":%.4f,\"loss\":%.4f}}",
                                        0.2 + f / 3, 2.2 - f))
                                .curves(curvesJson(4.0, 2.2 - f, rnd)).wallSeconds(3 + rnd.nextDouble() * 4)
                                .analysis(n == 8 ? "{\"results\":\"The larger state recalls more pairs.\",\"insight\":\"state size matters\"}"
                                        : "More heads did not help.");
                        if (f > bestFitness) {
                            bestFitness = f;
                            best = id;
                            bestParent = par;
                        }
                    }
                    if (n == 4) {
                        b.hypothesis(new Hypothesis("Escaping check " + XSS, "motivation " + XSS, XSS));
                        xss = id;
                    }
                    Experiment e = store.experiments().insert(b.build());
                    ids.add(e.id());
                    if (e.status() == ExperimentStatus.DONE) {
                        store.evaluations().upsert(Evaluation.of(id, "explore", 0, "ok", e.metrics().replaceAll(
                                "^\\{\"mqar\":|\\}$", ""), curve(4.0, 2.2 - e.fitness(), rnd), null));
                    }
                    parent = id;
                }
            }
        }
        store.evaluations().upsert(Evaluation.of(baseline.id(), "explore", 0, "ok", "{\"accuracy\":0.27,\"loss\":1.76}",
                curve(4.0, 1.76, rnd), null));
        store.llmCalls().insert(new LlmCall(null, c.id(), best, "planner", "openai", "qwen-test", "hash-1",
                "Propose a change to " + XSS, "{\"title\":\"resize\"}", 1200, 340, 0.0021, 850, "ok", null));
        store.insights().insert(Insight.of(c.id(), "A larger state helps recall on mqar.", List.of(best),
                List.of("zoology")));
        store.subroutines().upsert(new Subroutine("sub-1", c.id(), "relu_map",
                "block relu_feature(x):\n    return relu(x)\n", 4, 0.52, 0.49, 2, null, null, null));
        return new Native(store, c.id(), baseline.id(), best, bestParent, failed, xss, ids);
    }

    /** A child of {@code parent} written now, as a running campaign would. */
    static Experiment addExperiment(Store store, String campaignId, String parent, String id, double fitness)
            throws IOException {
        Experiment e = Experiment.builder(id, campaignId).parentId(parent).name("live-" + id)
                .hypothesis(new Hypothesis("A live addition", "added while the browser watches", null))
                .checkedDefinition(variant(baseDefinition(), 128, 4, 2, true)).status(ExperimentStatus.DONE)
                .stage("explore").fitness(fitness).build();
        return store.experiments().insert(e);
    }

    /**
     * A JSONL file of {@code n} experiments from another system: a tree where each experiment has
     * one of the earlier ones as parent, PyTorch source (kept to read), metrics, curves on some,
     * failures on some.
     */
    static Path importedJsonl(Path dir, int n) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("external.jsonl");
        Random rnd = new Random(11);
        String[] words = {"gating", "state expansion", "short convolution", "delta rule", "sliding window", "decay"};
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < n; i++) {
                ObjectNode o = JSON.createObjectNode();
                o.put("id", "ext-" + i);
                if (i == 0) {
                    o.put("campaign", "external");
                } else {
                    o.put("parent", "ext-" + rnd.nextInt(Math.max(1, Math.min(i, 50 + i / 3))));
                }
                o.put("name", "ext" + i + "-" + words[i % words.length].replace(' ', '-'));
                ObjectNode hyp = o.putObject("hypothesis");
                hyp.put("title", "Try " + words[i % words.length] + " variant " + i);
                hyp.put("motivation", "Imported from another search; " + words[(i + 2) % words.length] + " seemed promising.");
                o.put("definition", "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                        + "        self.proj = nn.Linear(" + (64 + i % 7 * 16) + ", 64)\n");
                o.put("definition_language", "pytorch");
                boolean failed = i % 17 == 5;
                o.put("status", failed ? "failed" : "completed");
                o.put("stage", i % 10 == 0 ? "full" : "proxy");
                o.put("params", 100_000 + rnd.nextInt(900_000));
                o.put("flops_per_token", 2e5 + rnd.nextInt(2_000_000));
                if (failed) {
                    o.putObject("failure").put("kind", i % 2 == 0 ? "oom" : "diverged").put("message", "out of range");
                } else {
                    double f = 0.3 + 0.6 * rnd.nextDouble();
                    o.put("fitness", f);
                    o.putObject("metrics").putObject("lm").put("ppl", 30 - 20 * f);
                    if (i % 5 == 0) {
                        o.set("curves", JSON.readTree(curvesJson(5.0, 3.0 - f, rnd)));
                    }
                }
                o.put("created_at", Instant.parse("2025-06-01T00:00:00Z").plusSeconds(i * 30L).toString());
                w.write(JSON.writeValueAsString(o));
                w.write('\n');
            }
        }
        return file;
    }

    static Store importedCampaign(Path dir, int n) throws Exception {
        Path file = importedJsonl(dir, n);
        Store store = Store.openRunFolder(dir.resolve("run"));
        JsonlImport.importFile(store, file, "external");
        return store;
    }

    private static String curvesJson(double start, double end, Random rnd) {
        return "{\"mqar\":" + curve(start, end, rnd) + "}";
    }

    private static String curve(double start, double end, Random rnd) {
        StringBuilder b = new StringBuilder("[");
        for (int s = 0; s <= 100; s += 10) {
            double loss = end + (start - end) * Math.exp(-s / 25.0) + 0.02 * rnd.nextDouble();
            b.append(s == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"step\":%d,\"loss\":%.4f", Math.max(1, s), loss));
            if (s > 0 && s % 20 == 0) {
                // held-out points every 20 steps, as the trainer records them
                b.append(String.format(Locale.ROOT, ",\"eval\":{\"loss\":%.4f,\"accuracy\":%.4f}", loss + 0.05,
                        Math.min(1, 0.1 + s / 150.0)));
            }
            b.append('}');
        }
        return b.append(']').toString();
    }
}
