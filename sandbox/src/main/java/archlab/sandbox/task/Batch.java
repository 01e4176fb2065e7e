package archlab.sandbox.task;

/**
 * A batch of sequences, row-major {@code [size, seqLen]}. {@code targets[i]} is the token the model
 * should predict at position {@code i}; only positions with a non-zero weight count towards loss
 * and accuracy (MQAR scores answer positions only).
 */
public record Batch(int size, int seqLen, int[] inputs, int[] targets, float[] weights) {
    public Batch {
        int n = size * seqLen;
        if (inputs.length != n || targets.length != n || weights.length != n) {
            throw new IllegalArgumentException("batch arrays must have size*seqLen = " + n + " elements");
        }
    }
}
