package archlab.knowledge.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Names people use for experiments, how they resolve, and the numbers and budgets the front ends print. */
class ExperimentHandlesTest {
    record Named(String id, String name) {
    }

    private static final List<Named> ALL = List.of(new Named("exp-a", "e1-baseline"),
            new Named("exp-b", "e7-swap-the-feature-map"), new Named("exp-c", "e17"), new Named("exp-d", null),
            new Named("e7", "e70-named-like-an-id"));
    private static final Function<Named, String> ID = Named::id;
    private static final Function<Named, String> NAME = Named::name;

    private static String resolve(String handle) {
        return ExperimentHandles.resolve(handle, ALL, ID, NAME).map(Named::id).orElse(null);
    }

    @Test
    void idsFullNamesAndShortNamesAllResolve() {
        assertThat(resolve("exp-b")).isEqualTo("exp-b");
        assertThat(resolve("e7-swap-the-feature-map")).isEqualTo("exp-b");
        assertThat(resolve("e1")).isEqualTo("exp-a");
        assertThat(resolve(" #17 ")).isEqualTo("exp-c");
        assertThat(resolve("17")).isEqualTo("exp-c");
        assertThat(resolve("e017")).isEqualTo("exp-c");
        assertThat(resolve("exp-d")).isEqualTo("exp-d");
        // an exact id wins over a short name that happens to look the same
        assertThat(resolve("e7")).isEqualTo("e7");
        assertThat(resolve("e70")).isEqualTo("e7");
    }

    @Test
    void numbersTooLargeForALongAreSimplyNotFound() {
        assertThat(resolve("99999999999999999999")).isNull();
        assertThat(resolve("e99999999999999999999")).isNull();
        assertThat(resolve("")).isNull();
        assertThat(resolve(null)).isNull();
        assertThat(ExperimentHandles.notFound("e99999999999999999999", "demo", ALL, NAME))
                .isEqualTo("campaign demo has no experiment e99999999999999999999;"
                        + " give an id, a full name or a short name e1 to e70");
    }

    @Test
    void shortNames() {
        assertThat(ExperimentHandles.shortName("e12-delta-rule")).isEqualTo("e12");
        assertThat(ExperimentHandles.shortName("e12")).isEqualTo("e12");
        assertThat(ExperimentHandles.shortName("baseline")).isNull();
        assertThat(ExperimentHandles.shortName(null)).isNull();
    }

    @Test
    void metricsReadAsPeopleReadThem() {
        assertThat(StageScores.number(6.656693440163508E-4)).isEqualTo("6.657e-04");
        assertThat(StageScores.number(0.93212)).isEqualTo("0.9321");
        assertThat(StageScores.number(0.0)).isEqualTo("0.0000");
        assertThat(StageScores.number(Double.NaN)).isEqualTo("NaN");
        assertThat(StageScores.number(null)).isEqualTo("-");
    }

    @Test
    void scoresComeWithTheirStageAndTheBaselineOfThatStage() {
        var scores = StageScores.of("{\"role\": \"child\", \"fitness\": {\"explore\": {\"metric\": \"accuracy\","
                + " \"value\": 1.0, \"baseline\": 0.2957, \"relative\": 2.3818, \"combined\": 0.99},"
                + " \"verify\": {\"metric\": \"accuracy\", \"value\": 1.0, \"baseline\": 0.2803, \"relative\": 2.5676,"
                + " \"combined\": 0.9916}}}");
        assertThat(scores).containsOnlyKeys("explore", "verify");
        assertThat(scores.get("explore").againstBaseline())
                .isEqualTo("accuracy 1.0000 against the baseline's 0.2957 at explore (+238.2 %)");
        assertThat(scores.get("verify").againstBaseline())
                .isEqualTo("accuracy 1.0000 against the baseline's 0.2803 at verify (+256.8 %)");
        assertThat(StageScores.fitnessAt("explore", "{}", "explore", 0.5)).isEqualTo(0.5);
        assertThat(StageScores.fitnessAt("explore", "{}", "verify", 0.5)).isNull();
    }

    @Test
    void aLaterStageOutranksAHigherFitnessAtAnEarlierOne() {
        record Row(String id, String stage, Double fitness) {
        }
        List<Row> rows = new java.util.ArrayList<>(List.of(new Row("a", "explore", 0.9942),
                new Row("b", "verify", 0.9916), new Row("c", "explore", null), new Row("d", "verify", 0.95)));
        rows.sort(StageScores.ranking(List.of("explore", "verify"), Row::stage, Row::fitness, Row::id));
        assertThat(rows).extracting(Row::id).containsExactly("b", "d", "a", "c");
    }

    @Test
    void budgetsInWordsWithOverspendCalledOut() {
        List<BudgetUse.Line> lines = BudgetUse.of("{\"experiments\":40,\"wall_s\":540}",
                "{\"wall_s\":618.2,\"experiments\":40}");
        assertThat(lines).extracting(BudgetUse.Line::text).containsExactly("40 of 40 experiments (100 %)",
                "618 s of 540 s wall clock: OVER by 78 s (+14 %)");
        assertThat(lines.get(1).over()).isTrue();
        assertThat(BudgetUse.of(null, "{\"tokens\": 1200}")).extracting(BudgetUse.Line::text)
                .containsExactly("1,200 LLM tokens (no limit)");
    }
}
