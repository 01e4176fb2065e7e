package archlab.tools;

import java.util.Objects;

/**
 * One thing the numbers of a single experiment show, such as {@code diverged-after-warmup}, with the
 * evidence in a sentence ("the training loss became NaN at step 40, after warmup ended at step 30").
 * {@link Symptoms} lists the labels and the rules behind them.
 */
public record Symptom(String label, String evidence) {
    public Symptom {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(evidence, "evidence");
    }
}
