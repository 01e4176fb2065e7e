package archlab.knowledge.similarity;

/**
 * Turns text into a vector whose cosine with another text's vector says how alike their meanings are.
 * The similarity index compares motivations with it. {@link MiniLmTextEmbedder} is the in-process
 * default; the paper-retrieval model, or any other, plugs in through this interface.
 */
@FunctionalInterface
public interface TextEmbedder {
    /** The embedding of {@code text}; every call returns a vector of the same length. */
    float[] embed(String text);

    /** A name for reports and caches, such as {@code all-MiniLM-L6-v2}. */
    default String name() {
        return getClass().getSimpleName();
    }
}
