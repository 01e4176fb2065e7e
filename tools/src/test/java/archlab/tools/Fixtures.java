package archlab.tools;

import archlab.knowledge.papers.MiniLmEmbedder;
import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.papers.PaperLibrary;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Ids;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Shared material for the tool tests: reference architectures, crafted experiments, the real paper index. */
final class Fixtures {
    /** Maven runs a module's tests in the module's folder. */
    static final Path ARCHITECTURES = Path.of("..", "knowledge-base", "architectures");
    static final List<String> NAMES = List.of("based", "deltanet", "gla", "hyena", "linear_attention", "mamba",
            "retnet", "transformer");

    private static PaperIndex papers;

    private Fixtures() {
    }

    static String architecture(String name) {
        try {
            return Files.readString(ARCHITECTURES.resolve(name + ".arch"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The real notes with all-MiniLM-L6-v2, embeddings cached under target/ so later runs read them back. */
    static synchronized PaperIndex papers() {
        if (papers == null) {
            papers = PaperIndex.build(PaperLibrary.fromClasspath().strict(), MiniLmEmbedder.get(),
                    Path.of("target", "paper-embeddings"));
        }
        return papers;
    }

    static Campaign campaign(archlab.knowledge.store.Store store) {
        return store.campaigns().insert(Campaign.create("c-" + Ids.next("t"), "{}", "offline"));
    }

    /** A done experiment with a definition, mqar metrics and a curve that learns. */
    static Experiment done(String campaignId, String parentId, String name, String definition, double accuracy) {
        return Experiment.builder(Ids.next("exp"), campaignId).parentId(parentId).name(name)
                .hypothesis(new Hypothesis("try " + name, "because " + name + " might recall better",
                        "higher accuracy"))
                .checkedDefinition(definition).status(ExperimentStatus.DONE).fitness(accuracy)
                .metrics(String.format(Locale.ROOT, "{\"mqar\": {\"accuracy\": %s, \"loss\": %s}}", accuracy,
                        2 * (1 - accuracy)))
                .curves(curve(40, 5.5, 0.5, 30))
                .wallSeconds(10.0).build();
    }

    /**
     * A curve of {@code points} points every 10 steps from {@code from} loss decaying toward {@code to}, the
     * learning rate warming up over the first {@code warmup} steps then decaying; held-out metrics every
     * tenth point.
     */
    static String curve(int points, double from, double to, int warmup) {
        StringBuilder b = new StringBuilder("{\"mqar\": [");
        for (int i = 0; i < points; i++) {
            int step = 10 * (i + 1);
            double loss = to + (from - to) * Math.exp(-i / 6.0);
            double lr = step <= warmup ? 0.003 * step / warmup : 0.003 * (1 - 0.5 * (step - warmup) / (10.0 * points));
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT,
                    "{\"step\": %d, \"loss\": %.5f, \"lr\": %.6f", step, loss, lr));
            if ((i + 1) % 10 == 0) {
                b.append(String.format(Locale.ROOT, ", \"eval\": {\"accuracy\": %.4f, \"loss\": %.4f}",
                        Math.min(1, 0.1 + 0.02 * i), loss * 1.05));
            }
            b.append('}');
        }
        return b.append("]}").toString();
    }
}
