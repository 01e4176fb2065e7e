package archlab.agent.report;

import archlab.agent.campaign.Standings;
import archlab.evaluators.fitness.ParetoFront;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Store;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes {@code report.md} and its figures for one campaign: the page a researcher puts in front
 * of colleagues. It reads only the store, so it can be written at any time, also mid-run.
 */
public final class CampaignReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TOP = 10;
    private static final int CURVES = 5;
    private static final int TREE_LIMIT = 40;

    private CampaignReport() {
    }

    /** Writes {@code dir/report.md} and {@code dir/figures/*.png}; returns the report's path. */
    public static Path write(Store store, String campaignId, Path dir) throws IOException {
        Standings s = Standings.read(store, campaignId);
        Path figures = dir.resolve("figures");
        Files.createDirectories(figures);
        String metric = primaryMetric(s);

        List<Figures.Point> order = new ArrayList<>();
        int i = 0;
        for (Experiment e : s.finished()) {
            i++;
            Double f = firstStageFitness(e, s.stages());
            order.add(new Figures.Point(e.id(), i, f == null ? Double.NaN : f));
        }
        Figures.bestSoFar(order, "fitness (" + s.stages().get(0) + " stage)", figures.resolve("best-so-far.png"));

        List<ParetoFront.Point> quality = new ArrayList<>();
        for (Experiment e : s.ranked()) {
            if (e.params() != null) {
                quality.add(new ParetoFront.Point(e.id(), e.fitness(), new double[] {e.params()}));
            }
        }
        List<ParetoFront.Point> front = ParetoFront.of(quality);
        Figures.pareto(quality.stream().map(p -> new Figures.Point(p.id(), p.costs()[0], p.quality())).toList(),
                front.stream().map(p -> new Figures.Point(p.id(), p.costs()[0], p.quality())).toList(),
                "parameters (log scale)", "fitness", figures.resolve("pareto.png"));

        Experiment best = s.best().orElse(null);
        Figures.tree(lineage(store, best), best == null ? "Lineage (no finished design yet)"
                : "Lineage of the best design, " + label(best), figures.resolve("lineage.png"));

        List<Figures.Line> lines = new ArrayList<>();
        for (Experiment e : s.ranked().subList(0, Math.min(CURVES, s.ranked().size()))) {
            lines.add(new Figures.Line(label(e), curve(e)));
        }
        if (s.baseline() != null && s.baseline().curves() != null) {
            lines.add(new Figures.Line("baseline", curve(s.baseline())));
        }
        Figures.curves(lines, figures.resolve("curves.png"));

        Path report = dir.resolve("report.md");
        Files.writeString(report, markdown(s, store, metric, front.size()), StandardCharsets.UTF_8);
        return report;
    }

    private static String markdown(Standings s, Store store, String metric, int frontSize) {
        StringBuilder md = new StringBuilder();
        var c = s.campaign();
        md.append("# Campaign ").append(c.name()).append("\n\n");
        md.append("- **Status**: ").append(c.status().name().toLowerCase(Locale.ROOT))
                .append(" · **policy**: ").append(c.policy()).append('\n');
        if (c.createdAt() != null && c.updatedAt() != null) {
            md.append("- **Started** ").append(c.createdAt()).append(", last update ").append(c.updatedAt())
                    .append(" (").append(human(Duration.between(c.createdAt(), c.updatedAt()))).append(")\n");
        }
        md.append("- **Experiments**: ").append(s.total()).append(" (");
        Map<String, Long> byStatus = new TreeMap<>();
        s.counts().forEach((k, v) -> byStatus.put(k.name().toLowerCase(Locale.ROOT), v));
        md.append(String.join(", ", byStatus.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList()))
                .append(")\n");
        md.append("- **Stages**: ").append(String.join(" → ", s.stages())).append('\n');
        md.append("- **Reproduce**: ").append(reproduction(c.config())).append("\n\n");

        md.append("## Winner\n\n");
        Experiment best = s.best().orElse(null);
        if (best == null) {
            md.append("No design has finished yet.\n\n");
        } else {
            JsonNode f = Standings.extra(best).path("fitness").path(best.stage());
            md.append("**").append(label(best)).append("** (`").append(best.id()).append("`), fitness ")
                    .append(fmt(best.fitness())).append(" at the ").append(best.stage()).append(" stage");
            if (f.has("value") && f.has("baseline")) {
                md.append(": ").append(metric).append(' ').append(fmt(f.get("value").asDouble()))
                        .append(" against the baseline's ").append(fmt(f.get("baseline").asDouble()))
                        .append(String.format(Locale.ROOT, " (%+.1f %%)", 100 * f.path("relative").asDouble()));
            }
            md.append(".\n\n");
            if (best.hypothesis().title() != null) {
                md.append("> ").append(best.hypothesis().title()).append('\n');
                if (best.hypothesis().motivation() != null) {
                    md.append(">\n> ").append(best.hypothesis().motivation().replace("\n", "\n> ")).append('\n');
                }
                md.append('\n');
            }
            md.append("```\n").append(best.definition() == null ? "" : best.definition().strip()).append("\n```\n\n");
        }

        md.append("## Figures\n\n");
        md.append("![Best fitness so far](figures/best-so-far.png)\n\n");
        md.append("![Quality against parameters; ").append(frontSize).append(" designs on the Pareto front](figures/pareto.png)\n\n");
        md.append("![Lineage of the best design](figures/lineage.png)\n\n");
        md.append("![Training loss of the top designs](figures/curves.png)\n\n");

        md.append("## Top designs\n\n");
        md.append("| # | experiment | stage | fitness | ").append(metric)
                .append(" | baseline at that stage | vs baseline | params | hypothesis |\n");
        md.append("|---|---|---|---|---|---|---|---|---|\n");
        int rank = 0;
        for (Experiment e : s.ranked()) {
            if (++rank > TOP) {
                break;
            }
            JsonNode f = Standings.extra(e).path("fitness").path(e.stage());
            md.append("| ").append(rank).append(" | ").append(label(e)).append(" (`").append(e.id()).append("`) | ")
                    .append(e.stage()).append(" | ").append(fmt(e.fitness())).append(" | ")
                    .append(f.has("value") ? fmt(f.get("value").asDouble()) : "").append(" | ")
                    .append(f.has("baseline") ? fmt(f.get("baseline").asDouble()) : "").append(" | ")
                    .append(f.has("relative") ? String.format(Locale.ROOT, "%+.1f %%", 100 * f.get("relative").asDouble()) : "")
                    .append(" | ").append(e.params() == null ? "" : String.format(Locale.ROOT, "%,d", e.params()))
                    .append(" | ").append(cell(e.hypothesis().title())).append(" |\n");
        }
        if (rank == 0) {
            md.append("| | none yet | | | | | | | |\n");
        }
        md.append("\nRanked as the leaderboard ranks: ").append(archlab.knowledge.store.StageScores.RULE).append(".\n\n");

        llmSection(md, s, store);

        md.append("## Failures\n\n");
        Map<String, Integer> kinds = new TreeMap<>();
        for (Experiment e : s.finished()) {
            if (e.status() == ExperimentStatus.FAILED || e.status() == ExperimentStatus.PARTIAL) {
                kinds.merge(e.failureKind() == null ? "unknown" : e.failureKind(), 1, Integer::sum);
            }
        }
        if (kinds.isEmpty()) {
            md.append("None.\n\n");
        } else {
            md.append("| kind | count |\n|---|---|\n");
            kinds.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
            md.append('\n');
        }

        md.append("## Spend\n\n");
        double wall = 0;
        for (Experiment e : s.finished()) {
            wall += e.wallSeconds() == null ? 0 : e.wallSeconds();
        }
        md.append("| what | amount |\n|---|---|\n");
        md.append("| experiments finished | ").append(s.finished().size()).append(" |\n");
        md.append("| sandbox training time | ").append(human(Duration.ofMillis((long) (wall * 1000)))).append(" |\n");
        md.append("| LLM calls | ").append(s.llm().calls()).append(" |\n");
        md.append("| LLM tokens in / out | ").append(s.llm().tokensIn()).append(" / ").append(s.llm().tokensOut()).append(" |\n");
        md.append("| LLM cost | ").append(String.format(Locale.ROOT, "%.4f", s.llm().cost())).append(" |\n");
        JsonNode plan = planOf(c);
        if (plan.hasNonNull("text")) {
            md.append("\n**Budget plan** (the last one made, from the first stage's measured run time): ")
                    .append(plan.path("text").asText()).append(".\n");
        }
        return md.toString();
    }

    private static JsonNode planOf(Campaign c) {
        try {
            return c.spend() == null ? JSON.createObjectNode() : JSON.readTree(c.spend()).path("plan");
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }

    private static List<Figures.TreeNode> lineage(Store store, Experiment best) {
        List<Figures.TreeNode> nodes = new ArrayList<>();
        if (best == null) {
            return nodes;
        }
        List<Experiment> chain = new ArrayList<>();
        Map<String, Boolean> seen = new HashMap<>();
        Experiment e = best;
        while (e != null && seen.put(e.id(), true) == null) {
            chain.add(0, e);
            e = e.parentId() == null ? null : store.experiments().find(e.parentId()).orElse(null);
        }
        Map<String, Experiment> shown = new LinkedHashMap<>();
        chain.forEach(x -> shown.put(x.id(), x));
        // The siblings along the path show what else was tried at each step.
        for (Experiment a : chain) {
            for (Experiment child : store.experiments().children(a.id())) {
                if (shown.size() >= TREE_LIMIT) {
                    break;
                }
                shown.putIfAbsent(child.id(), child);
            }
        }
        for (Experiment x : shown.values()) {
            boolean onPath = chain.contains(x);
            // The baseline scores 0.5 by definition of fitness; it is stored without one.
            Double f = Standings.isBaseline(x) ? Double.valueOf(0.5)
                    : x.status() == ExperimentStatus.DONE ? x.fitness() : null;
            nodes.add(new Figures.TreeNode(x.id(), x.parentId(), label(x), f, onPath));
        }
        return nodes;
    }

    private static List<double[]> curve(Experiment e) {
        List<double[]> points = new ArrayList<>();
        if (e.curves() == null) {
            return points;
        }
        try {
            JsonNode root = JSON.readTree(e.curves());
            JsonNode first = root.isArray() ? root : root.elements().hasNext() ? root.elements().next() : null;
            if (first != null) {
                for (JsonNode p : first) {
                    points.add(new double[] {p.path("step").asDouble(), p.path("loss").asDouble(Double.NaN)});
                }
            }
        } catch (IOException ex) {
            // An unreadable curve is drawn as no curve.
        }
        return points;
    }

    private static Double firstStageFitness(Experiment e, List<String> stages) {
        JsonNode f = Standings.extra(e).path("fitness").path(stages.get(0)).path("combined");
        if (f.isNumber()) {
            return f.asDouble();
        }
        return e.status() == ExperimentStatus.DONE ? e.fitness() : null;
    }

    private static String primaryMetric(Standings s) {
        for (Experiment e : s.ranked()) {
            JsonNode m = Standings.extra(e).path("fitness").path(e.stage()).path("metric");
            if (m.isTextual()) {
                return m.asText();
            }
        }
        return "metric";
    }

    static String label(Experiment e) {
        return e.name() != null ? e.name() : e.id();
    }

    private static String cell(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }

    private static String fmt(Double v) {
        return v == null ? "" : String.format(Locale.ROOT, "%.4f", v);
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return (s / 60) + " min " + (s % 60) + " s";
        }
        return (s / 3600) + " h " + (s % 3600 / 60) + " min";
    }

    /**
     * The facts a rerun must match to give the same numbers (docs/campaigns.md, "Reproducing a campaign"):
     * the seed, the schedule, the worker and thread layout, and the versions of Java and the engine.
     */
    static String reproduction(String frozenConfig) {
        long seed = 0;
        int workers = 1;
        String schedule = null;
        boolean experimentBudget = false;
        try {
            var root = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(frozenConfig == null ? "" : frozenConfig);
            if (root != null) {
                seed = root.path("seed").asLong(0);
                workers = Math.max(1, root.path("workers").asInt(1));
                schedule = root.hasNonNull("schedule") ? root.get("schedule").asText() : null;
                experimentBudget = root.path("budget").hasNonNull("experiments");
            }
        } catch (java.io.IOException | RuntimeException e) {
            // an imported campaign without its file: say what is known
        }
        if (schedule == null) {
            schedule = experimentBudget ? "deterministic" : "free";
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        int threads = Math.max(1, cpus / workers);
        String djl = ai.djl.Model.class.getPackage() == null ? null
                : ai.djl.Model.class.getPackage().getSpecificationVersion();
        String torch = null;
        for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            var m = java.util.regex.Pattern.compile("pytorch-native-cpu-([0-9.]+)").matcher(entry);
            if (m.find()) {
                torch = m.group(1);
            }
        }
        return String.format(Locale.ROOT, "seed %d, schedule %s, %d worker%s × %d thread%s on %d CPUs; Java %s (%s),"
                        + " DJL %s with PyTorch %s (CPU). `archlab run --verify-replay RUN` checks a rerun.",
                seed, schedule, workers, workers == 1 ? "" : "s", threads, threads == 1 ? "" : "s", cpus,
                System.getProperty("java.version"), System.getProperty("os.arch"), djl == null ? "?" : djl,
                torch == null ? "?" : torch);
    }

    /**
     * With an LLM policy: what the top designs cost (own calls plus their share of the expansion that made
     * them, docs/agents.md) and what the judge said of them.
     */
    private static void llmSection(StringBuilder md, Standings s, Store store) {
        if (s.llm() == null || s.llm().calls() == 0) {
            return;
        }
        md.append("## LLM cost and the judge\n\n");
        md.append(String.format(Locale.ROOT, "%d calls, %,d tokens, $%.4f in all. Each design carries its own calls and an"
                + " equal share of the planner's calls for the node it was made from.%n%n", s.llm().calls(),
                s.llm().tokensIn() + s.llm().tokensOut(), s.llm().cost()));
        md.append("| experiment | tokens | cost | judge: novelty | soundness | complexity (a cost) | rationale |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        int rank = 0;
        for (Experiment e : s.ranked()) {
            if (++rank > TOP) {
                break;
            }
            archlab.agent.campaign.LlmCost cost = archlab.agent.campaign.LlmCost.of(store, e);
            archlab.agent.research.JudgeScore j = archlab.agent.campaign.ResearchRecord.of(e).judge();
            md.append("| ").append(label(e)).append(" | ").append(String.format(Locale.ROOT, "%,d", cost.tokens()))
                    .append(" | ").append(String.format(Locale.ROOT, "$%.4f", cost.cost())).append(" | ")
                    .append(j == null ? "" : fmt(j.novelty())).append(" | ").append(j == null ? "" : fmt(j.soundness()))
                    .append(" | ").append(j == null ? "" : fmt(j.complexity())).append(" | ")
                    .append(j == null ? "" : cell(j.rationale())).append(" |\n");
        }
        md.append('\n');
    }
}
