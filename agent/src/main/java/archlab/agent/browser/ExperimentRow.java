package archlab.agent.browser;

import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.ExperimentSummary;
import archlab.knowledge.store.StageScores;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One experiment as the browser keeps it in memory: what the table, the tree, the overview and the
 * filters need, and nothing larger. The definition itself is not kept, only the names it calls.
 *
 * @param calls      the blocks and ops the definition calls ({@code linear}, {@code mlp}, a mined
 *                   subroutine's name, ...): the "op or subroutine used" filter
 * @param searchText the hypothesis (title, motivation, expected effect) and the name, lower case:
 *                   full-text search is a substring match over it
 * @param baseline   the campaign's baseline, which is not ranked
 * @param metric     the task's primary metric at the stage reached (the value fitness rests on), or null
 * @param wallSeconds the sandbox training time over its stages and seeds, or null
 * @param move       the search's design move that made it (its {@code extra.move}), or null
 * @param fitnessByStage the fitness at each stage it reached ({@link StageScores}): charts of progress
 *                   draw the first stage, the one every design passes
 */
public record ExperimentRow(String id, String parentId, String name, String title, ExperimentStatus status,
                            String stage, Double fitness, Long params, Double flopsPerToken, String failureKind,
                            String definitionCheck, Set<String> calls, String searchText, boolean baseline,
                            Map<String, Double> fitnessByStage, String move, Double metric, Double wallSeconds,
                            Instant createdAt, Instant updatedAt) {

    /** A call in a definition: a name followed by an opening parenthesis. */
    private static final Pattern CALL = Pattern.compile("\\b([A-Za-z_][A-Za-z0-9_]*)\\s*\\(");
    /** Names that are syntax rather than building blocks. */
    private static final Set<String> NOT_BLOCKS = Set.of("model", "block", "if", "return");

    static ExperimentRow of(ExperimentSummary s) {
        Set<String> calls = new TreeSet<>();
        if (s.definition() != null) {
            Matcher m = CALL.matcher(stripComments(s.definition()));
            while (m.find()) {
                calls.add(m.group(1));
            }
            calls.removeAll(NOT_BLOCKS);
            // A block's own name appears as "block name(" in its header; it is defined here, not used.
            Matcher def = Pattern.compile("\\bblock\\s+([A-Za-z_][A-Za-z0-9_]*)").matcher(s.definition());
            while (def.find()) {
                calls.remove(def.group(1));
            }
        }
        StringBuilder text = new StringBuilder();
        for (String part : new String[] {s.hypothesis().title(), s.hypothesis().motivation(),
                s.hypothesis().expectedEffect(), s.name()}) {
            if (part != null) {
                text.append(part.toLowerCase(Locale.ROOT)).append('\n');
            }
        }
        Double fitness = s.fitness() != null && Double.isFinite(s.fitness()) ? s.fitness() : null;
        boolean baseline = s.extra() != null && s.extra().contains("\"baseline\"")
                && s.extra().matches("(?s).*\"role\"\\s*:\\s*\"baseline\".*");
        return new ExperimentRow(s.id(), s.parentId(), s.name(), s.hypothesis().title(), s.status(), s.stage(),
                fitness, s.params(), s.flopsPerToken(), s.failureKind(), s.definitionCheck(), Set.copyOf(calls),
                text.toString(), baseline, fitnessByStage(s), move(s.extra()), metric(s), s.wallSeconds(), s.createdAt(),
                s.updatedAt());
    }

    private static final Pattern MOVE = Pattern.compile("\"move\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private static Double metric(ExperimentSummary s) {
        StageScores.Score score = s.stage() == null ? null : StageScores.of(s.extra()).get(s.stage());
        return score == null ? null : score.value();
    }

    private static String move(String extra) {
        if (extra == null || !extra.contains("\"move\"")) {
            return null;
        }
        Matcher m = MOVE.matcher(extra);
        return m.find() ? m.group(1) : null;
    }

    private static Map<String, Double> fitnessByStage(ExperimentSummary s) {
        Map<String, Double> out = new java.util.HashMap<>();
        StageScores.of(s.extra()).forEach((stage, score) -> {
            if (score.combined() != null && Double.isFinite(score.combined())) {
                out.put(stage, score.combined());
            }
        });
        if (s.stage() != null && s.fitness() != null && Double.isFinite(s.fitness())) {
            out.putIfAbsent(s.stage(), s.fitness());
        }
        return out.isEmpty() ? Map.of() : Map.copyOf(out);
    }

    /**
     * The fitness progress charts draw: at the campaign's first stage ({@code stages} in order); an
     * imported campaign without stages has only the fitness it came with.
     */
    public Double progressFitness(java.util.List<String> stages) {
        return stages.isEmpty() ? fitness : fitnessAt(stages.get(0));
    }

    /** The fitness at {@code stage}, or null when it was not scored there. */
    public Double fitnessAt(String stage) {
        return stage == null ? null : fitnessByStage.get(stage);
    }

    private static String stripComments(String source) {
        return source.replaceAll("#[^\n]*", "");
    }

    long paramsOrZero() {
        return params == null ? 0 : params;
    }

    /** The name, else the id: what a person calls it. */
    public String label() {
        return name != null && !name.isBlank() ? name : id;
    }

    /** Done, with a finite fitness, and not the baseline: it takes part in rankings and the Pareto front. */
    public boolean ranked() {
        return status == ExperimentStatus.DONE && fitness != null && !baseline;
    }
}
