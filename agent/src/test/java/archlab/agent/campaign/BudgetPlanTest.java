package archlab.agent.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What a budget affords, and the later stages scaled down when they would swallow exploration. */
class BudgetPlanTest {
    private static CampaignConfig campaign(String budget, String verify) throws Exception {
        Path base = Path.of("../knowledge-base/architectures/linear_attention.arch").toAbsolutePath().normalize();
        return CampaignFile.parse("""
                name: plan
                task: {name: mqar}
                baseline: %s
                budget: %s
                stages:
                  - {name: explore, steps: 600}
                  - %s
                workers: 2
                """.formatted(base, budget, verify), Path.of("plan.yaml"));
    }

    @Test
    void aBudgetThatAffordsEverythingIsNotScaled() throws Exception {
        CampaignConfig c = campaign("{wall_clock: 2h}", "{name: verify, steps: 1200, seeds: 2, promote: {top: 3}}");
        BudgetPlan p = BudgetPlan.of(c, 42, 2, 300, 0, 60);

        assertThat(p.isScaled()).isFalse();
        // verify: 1.25 × 42 s × 1200/600 steps × (3 + 1) designs × 2 seeds / 2 slots = 420 s
        assertThat(p.later()).singleElement().satisfies(l -> assertThat(l.seconds()).isCloseTo(420, org.assertj.core.data.Offset.offset(1e-6)));
        // (7200 - 60 - 420) s × 2 slots / 42 s
        assertThat(p.exploreRuns()).isEqualTo(320);
        assertThat(p.text("explore")).startsWith("at the measured 42 s per explore run (2 slots), the budget affords about 320 more explore runs")
                .contains("then verify (3 designs + the baseline × 2 seeds × 1,200 steps ≈ 7.0 min)")
                .doesNotContain("scaled");
    }

    @Test
    void aVerifyStageThatWouldSwallowTheBudgetIsScaledAndSaysWhatWouldKeepIt() throws Exception {
        // the campaign: a slow first run, and verify 3 designs × 2 seeds × 1200 steps in 45 minutes
        CampaignConfig c = campaign("{wall_clock: 45m}", "{name: verify, steps: 1200, seeds: 2, promote: {top: 3}}");
        BudgetPlan p = BudgetPlan.of(c, 330, 2, 300, 0, 330);

        assertThat(p.isScaled()).isTrue();
        CampaignConfig.Stage verify = p.stages().get(0);
        // promotion goes first: top 3 → 2 still does not fit (2,475 s of 2,370 left), top 1 does (1,650 s)
        assertThat(BudgetPlan.top(verify)).isEqualTo(1);
        assertThat(verify.seeds()).as("seeds are kept once it fits").isEqualTo(2);
        assertThat(verify.steps()).isEqualTo(1200);
        assertThat(p.exploreRuns()).as("(2,700 - 330 - 1,650) s × 2 slots / 330 s").isEqualTo(4);
        assertThat(p.text("explore")).contains("scaled down", "verify had top 3 × 2 seeds × 1,200 steps",
                "raise budget.wall_clock to about");
        assertThat(p.keepBudget()).as("330 s spent + 3,300 s of verify + 4 children × 330 s / 2 slots")
                .isCloseTo(4290, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(p.text("explore")).contains("to about 1h12m");
    }

    @Test
    void scalingStopsAtTheSmallestStageAndAnExperimentBudgetStillCounts() throws Exception {
        CampaignConfig tight = campaign("{wall_clock: 5m}", "{name: verify, steps: 600, seeds: 1, promote: {top: 1}}");
        BudgetPlan p = BudgetPlan.of(tight, 200, 2, 300, 0, 30);
        assertThat(p.isScaled()).as("nothing smaller to go to").isFalse();
        assertThat(p.exploreRuns()).isZero();

        CampaignConfig both = campaign("{wall_clock: 2h, experiments: 10}", "{name: verify, steps: 1200, promote: {top: 3}}");
        assertThat(BudgetPlan.of(both, 10, 2, 300, 7, 100).exploreRuns()).as("10 experiments, 7 trained").isEqualTo(3);

        CampaignConfig count = campaign("{experiments: 40}", "{name: verify, steps: 1200, promote: {top: 3}}");
        BudgetPlan byCount = BudgetPlan.of(count, 10, 2, 300, 12, 100);
        assertThat(byCount.exploreRuns()).isEqualTo(28);
        assertThat(byCount.isScaled()).isFalse();
    }

    @Test
    void durationsReadAsPeopleWriteThem() {
        assertThat(CampaignSpend.text(java.time.Duration.ofSeconds(45))).isEqualTo("45s");
        assertThat(CampaignSpend.text(java.time.Duration.ofMinutes(9))).isEqualTo("9m");
        assertThat(CampaignSpend.text(java.time.Duration.ofMinutes(90))).isEqualTo("1h30m");
        assertThat(CampaignSpend.text(java.time.Duration.ofHours(2))).isEqualTo("2h");
    }
}
