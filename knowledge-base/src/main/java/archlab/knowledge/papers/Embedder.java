package archlab.knowledge.papers;

import java.util.List;

/** Turns texts into unit-length vectors. {@link MiniLmEmbedder} is the one archlab uses; tests wrap it. */
public interface Embedder {

    /**
     * Names the model and its version. It is part of the embedding cache's key, so a different model never
     * reads another model's vectors.
     */
    String id();

    /** One L2-normalised vector per text, in order. */
    float[][] embed(List<String> texts);
}
