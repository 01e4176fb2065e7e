package archlab.agent.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.knowledge.store.Evaluation;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The watchdog's leak sign: held-out loss far below the training loss at the end of a run. */
class WatchdogTest {
    private static Evaluation run(double trainLoss, double heldOutLoss) {
        return Evaluation.of("e1", "explore", 0, "ok", "{\"loss\": " + heldOutLoss + ", \"accuracy\": 0.9}",
                "[{\"step\": 10, \"loss\": " + trainLoss + "}, {\"step\": 15, \"loss\": " + trainLoss + "}, {\"step\": 20, \"loss\": " + trainLoss + "}]", "{}");
    }

    @Test
    void heldOutFarBelowTrainingIsFlagged() {
        String sign = StageResults.leakSign(List.of(run(1.2, 0.3)));
        assertThat(sign).contains("suspiciously low held-out loss 0.3000 against training loss 1.2000")
                .contains("leaked");
    }

    @Test
    void ordinaryGapsAndConvergedRunsAreNot() {
        assertThat(StageResults.leakSign(List.of(run(1.2, 1.1)))).isNull();
        assertThat(StageResults.leakSign(List.of(run(0.01, 0.001)))).as("both near zero: a solved task").isNull();
        assertThat(StageResults.leakSign(List.of(run(0.084, 0.042)))).as("the quickstart's false alarm").isNull();
    }
}
