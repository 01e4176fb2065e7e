package archlab.agent.research;

import archlab.knowledge.similarity.TextEmbedder;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.Experiments;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a campaign from trying the same idea twice, as ASI-Arch's deduplication step does, at two
 * points:
 * <ul>
 *   <li><b>hypotheses</b> ({@link #screen}): a proposal whose motivation is too close to one already in
 *       the campaign (cosine of the text embeddings at or above the threshold, or the same text), or to
 *       one accepted earlier in the same batch, is rejected with the reason and the experiment it
 *       repeats. The research step sends rejected ones back to the planner once, reasons quoted;</li>
 *   <li><b>definitions</b> ({@link #duplicateOf}): a definition whose canonical hash an experiment of
 *       the campaign already has is the same computation; the coding gate sends it back to the coder.</li>
 * </ul>
 * Without an embedder only identical motivations (ignoring case and spacing) count as repeats.
 * Embeddings are cached by text, so each past motivation is embedded once per gate.
 */
public final class NoveltyGate {
    /**
     * Measured with all-MiniLM-L6-v2 (docs/agents-roles.md): a reworded motivation scores 0.98, distinct
     * ideas on one topic 0.33 to 0.85 (a fixed against a data-dependent decay: 0.85). The same idea in
     * quite other words can score as low as 0.75, so this gate catches rewordings, not every paraphrase;
     * the canonical-hash check stops such a repeat if it yields the same definition.
     */
    public static final double DEFAULT_THRESHOLD = 0.9;

    /** One hypothesis turned away: why, and what it repeats (an experiment id, or null for one of its own batch). */
    public record Rejection(Proposal proposal, String reason, String repeats, double similarity) {
    }

    /** The proposals that passed, in their order, and those turned away. */
    public record Screening(List<Proposal> accepted, List<Rejection> rejected) {
        public Screening {
            accepted = List.copyOf(accepted);
            rejected = List.copyOf(rejected);
        }
    }

    private final Experiments experiments;
    private final TextEmbedder embedder;
    private final double threshold;
    private final Map<String, float[]> embeddings = new ConcurrentHashMap<>();

    /**
     * @param embedder  null to compare motivations by exact text only
     * @param threshold the cosine at or above which two motivations are one idea, in (0, 1]
     */
    public NoveltyGate(Experiments experiments, TextEmbedder embedder, double threshold) {
        this.experiments = Objects.requireNonNull(experiments, "experiments");
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("the novelty threshold must be in (0, 1], got " + threshold);
        }
        this.embedder = embedder;
        this.threshold = threshold;
    }

    /** Screens a batch of proposals against the campaign's past hypotheses and against each other. */
    public Screening screen(String campaignId, List<Proposal> proposals) {
        record Known(String experimentId, String title, String text, String outcome) {
        }
        List<Known> known = new ArrayList<>();
        for (Experiment e : experiments.list(ExperimentQuery.campaign(campaignId))) {
            String text = idea(e.hypothesis().title(), e.hypothesis().motivation());
            if (!text.isEmpty()) {
                known.add(new Known(e.id(), e.hypothesis().title(), text, outcome(e)));
            }
        }
        List<Proposal> accepted = new ArrayList<>();
        List<Rejection> rejected = new ArrayList<>();
        for (Proposal p : proposals) {
            String text = idea(p.title(), p.motivation());
            Rejection found = null;
            for (Known k : known) {
                double sim = similarity(text, k.text());
                if (sim >= threshold) {
                    found = new Rejection(p, String.format(Locale.ROOT,
                            "repeats experiment %s \"%s\" (motivation similarity %.2f >= %.2f; %s)",
                            k.experimentId(), k.title(), sim, threshold, k.outcome()), k.experimentId(), sim);
                    break;
                }
            }
            for (int i = 0; found == null && i < accepted.size(); i++) {
                Proposal a = accepted.get(i);
                double sim = similarity(text, idea(a.title(), a.motivation()));
                if (sim >= threshold) {
                    found = new Rejection(p, String.format(Locale.ROOT,
                            "repeats hypothesis \"%s\" of the same batch (motivation similarity %.2f >= %.2f)",
                            a.title(), sim, threshold), null, sim);
                }
            }
            if (found == null) {
                accepted.add(p);
            } else {
                rejected.add(found);
            }
        }
        return new Screening(accepted, rejected);
    }

    /** The campaign's experiment with this canonical hash, if there is one: the definition is not new. */
    public Optional<Experiment> duplicateOf(String campaignId, String canonicalHash) {
        if (canonicalHash == null) {
            return Optional.empty();
        }
        return experiments.findByHash(campaignId, canonicalHash);
    }

    /** The text that stands for a hypothesis's idea: its motivation, or its title when it has none. */
    private static String idea(String title, String motivation) {
        String m = motivation == null ? "" : motivation.strip();
        return m.isEmpty() ? (title == null ? "" : title.strip()) : m;
    }

    private double similarity(String a, String b) {
        if (a.isEmpty() || b.isEmpty()) {
            return 0;
        }
        if (normalise(a).equals(normalise(b))) {
            return 1;
        }
        if (embedder == null) {
            return 0;
        }
        return cosine(embeddings.computeIfAbsent(a, embedder::embed), embeddings.computeIfAbsent(b, embedder::embed));
    }

    private static String normalise(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").strip();
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    private static String outcome(Experiment e) {
        StringBuilder s = new StringBuilder(e.status().dbValue());
        if (e.fitness() != null) {
            s.append(String.format(Locale.ROOT, ", fitness %.3f", e.fitness()));
        }
        if (e.failureKind() != null) {
            s.append(", failed: ").append(e.failureKind());
        }
        return s.toString();
    }
}
