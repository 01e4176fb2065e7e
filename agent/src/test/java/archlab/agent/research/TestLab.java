package archlab.agent.research;

import archlab.knowledge.papers.MiniLmEmbedder;
import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.papers.PaperLibrary;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Ids;
import archlab.knowledge.store.Store;
import archlab.tools.ResearchTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** A store in a temporary run folder with one campaign, its tools, and helpers to fill it with experiments. */
public final class TestLab implements AutoCloseable {
    public static final Path ARCHITECTURES = Path.of("..", "knowledge-base", "architectures");
    public static final List<String> NAMES = List.of("based", "deltanet", "gla", "hyena", "linear_attention", "mamba",
            "retnet", "transformer");

    private static PaperIndex papers;

    public final Store store;
    public final Campaign campaign;
    public final ResearchTools tools;

    public TestLab(Path run) {
        store = Store.openRunFolder(run);
        campaign = store.campaigns().insert(Campaign.create("test-" + Ids.next("t"), "{}", "offline"));
        tools = ResearchTools.builder(store, campaign.id()).papers(papers()).build();
    }

    /** The real notes with all-MiniLM-L6-v2; embeddings cached under target/ so later runs read them back. */
    public static synchronized PaperIndex papers() {
        if (papers == null) {
            papers = PaperIndex.build(PaperLibrary.fromClasspath().strict(), MiniLmEmbedder.get(),
                    Path.of("target", "paper-embeddings"));
        }
        return papers;
    }

    public static String architecture(String name) {
        try {
            return Files.readString(ARCHITECTURES.resolve(name + ".arch"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String id() {
        return campaign.id();
    }

    public Experiment insert(Experiment e) {
        return store.experiments().insert(e);
    }

    /** A finished experiment with mqar metrics and a healthy curve. */
    public Experiment done(String parentId, String name, String definition, double accuracy, String title) {
        return insert(Experiment.builder(Ids.next("exp"), id()).parentId(parentId).name(name)
                .hypothesis(new Hypothesis(title, "because " + title, "higher accuracy"))
                .checkedDefinition(definition).status(ExperimentStatus.DONE).fitness(accuracy)
                .metrics(String.format(Locale.ROOT, "{\"mqar\": {\"accuracy\": %s, \"loss\": %s}}", accuracy,
                        2 * (1 - accuracy)))
                .curves(curve(20, 5.5, 0.5, 30, i -> 5.5 * Math.exp(-i / 3.0) + 0.5)).wallSeconds(10.0).build());
    }

    /** A curve of {@code n} points every 10 steps, warmup over {@code warmup} steps, loss given per index. */
    public static String curve(int n, double from, double to, int warmup, java.util.function.IntToDoubleFunction loss) {
        StringBuilder b = new StringBuilder("{\"mqar\": [");
        for (int i = 0; i < n; i++) {
            int step = 10 * (i + 1);
            double lr = step <= warmup ? 0.003 * step / warmup : 0.003 * (1 - 0.5 * (step - warmup) / (10.0 * n));
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "{\"step\": %d, \"loss\": %.5f, \"lr\": %.6f}",
                    step, loss.applyAsDouble(i), lr));
        }
        return b.append("]}").toString();
    }

    @Override
    public void close() {
        store.close();
    }
}
