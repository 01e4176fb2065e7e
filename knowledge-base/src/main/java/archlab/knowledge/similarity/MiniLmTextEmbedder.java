package archlab.knowledge.similarity;

import archlab.knowledge.papers.Embedder;
import archlab.knowledge.papers.MiniLmEmbedder;
import java.util.List;
import java.util.Objects;

/**
 * A {@link TextEmbedder} over one of the paper index's {@link Embedder}s. The default is all-MiniLM-L6-v2
 * ({@link MiniLmEmbedder}, 384 dims), run in process by LangChain4j's ONNX runtime from a Maven artifact,
 * so it works offline; the model is loaded once per JVM and shared with paper retrieval.
 */
public final class MiniLmTextEmbedder implements TextEmbedder {
    private final Embedder embedder;

    /** all-MiniLM-L6-v2, shared with paper retrieval; loads on first use (about a second). */
    public MiniLmTextEmbedder() {
        this(MiniLmEmbedder.get());
    }

    /** Any of the paper index's embedders. */
    public MiniLmTextEmbedder(Embedder embedder) {
        this.embedder = Objects.requireNonNull(embedder, "embedder");
    }

    @Override
    public float[] embed(String text) {
        return embedder.embed(List.of(text == null ? "" : text))[0];
    }

    @Override
    public String name() {
        return embedder.id();
    }
}
