package archlab.agent.report;

import archlab.agent.campaign.Standings;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

class CampaignReportTest {
    @TempDir
    Path dir;

    private static String fitnessExtra(String stage, double value, double baseline, double combined) {
        double rel = (value - baseline) / baseline;
        return String.format(Locale.ROOT, "{\"fitness\": {\"%s\": {\"metric\": \"accuracy\", \"value\": %f, "
                + "\"baseline\": %f, \"relative\": %f, \"combined\": %f}}}", stage, value, baseline, rel, combined);
    }

    private static String curve(double start) {
        StringBuilder s = new StringBuilder("{\"mqar\": [");
        for (int i = 0; i <= 10; i++) {
            s.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"step\": %d, \"loss\": %f}", i * 20, start / (1 + i)));
        }
        return s.append("]}").toString();
    }

    @Test
    void writesTheReportWithItsFiguresAndRanksLaterStagesFirst() throws Exception {
        try (Store store = Store.openRunFolder(dir)) {
            Campaign c = store.campaigns().insert(Campaign.create("demo",
                    "name: demo\nstages:\n  - {name: explore, steps: 10}\n  - {name: verify, steps: 20, promote: {top: 1}}\n",
                    "offline"));
            String id = c.id();
            store.experiments().insert(Experiment.builder("base", id).name("transformer").status(ExperimentStatus.DONE)
                    .stage("verify").fitness(0.5).params(50_000L).curves(curve(3.0))
                    .extra("{\"role\": \"baseline\"}").build());
            store.experiments().insert(Experiment.builder("e1", id).name("gla").status(ExperimentStatus.DONE)
                    .stage("explore").fitness(0.80).params(40_000L).curves(curve(2.5))
                    .hypothesis(Hypothesis.titled("gated decay | helps recall"))
                    .extra(fitnessExtra("explore", 0.9, 0.8, 0.80)).build());
            store.experiments().insert(Experiment.builder("e2", id).parentId("e1").name("gla-conv")
                    .status(ExperimentStatus.DONE).stage("verify").fitness(0.70).params(42_000L).curves(curve(2.0))
                    .definition("arch gla_conv\n", "archlab", "ok", null)
                    .hypothesis(new Hypothesis("short conv before q/k", "local context sharpens keys", "accuracy up"))
                    .extra(fitnessExtra("verify", 0.95, 0.8, 0.70)).build());
            store.experiments().insert(Experiment.builder("e3", id).parentId("e1").name("gla-wide")
                    .status(ExperimentStatus.FAILED).failure("diverged", "loss NaN at step 40").build());

            Standings s = Standings.read(store, id);
            assertThat(s.baseline().id()).isEqualTo("base");
            assertThat(s.ranked()).extracting(Experiment::id).containsExactly("e2", "e1");
            assertThat(s.stages()).containsExactly("explore", "verify");

            Path report = CampaignReport.write(store, id, dir);
            String md = Files.readString(report);
            assertThat(md).contains("# Campaign demo")
                    .contains("**gla-conv** (`e2`), fitness 0.7000 at the verify stage: accuracy 0.9500 against the baseline's 0.8000 (+18.8 %)")
                    .contains("> short conv before q/k")
                    .contains("| 1 | gla-conv (`e2`) | verify | 0.7000 | 0.9500 | 0.8000 | +18.8 % | 42,000 | short conv before q/k |")
                    .contains("Ranked as the leaderboard ranks: ranked by the latest stage reached")
                    .contains("| 2 | gla (`e1`) | explore |")
                    .contains("gated decay \\| helps recall")
                    .contains("| diverged | 1 |")
                    .contains("![Best fitness so far](figures/best-so-far.png)");
            for (String f : new String[] {"best-so-far", "pareto", "lineage", "curves"}) {
                BufferedImage img = ImageIO.read(dir.resolve("figures/" + f + ".png").toFile());
                assertThat(img).as(f).isNotNull();
                assertThat(img.getWidth()).as(f).isGreaterThanOrEqualTo(400);
            }
        }
    }

    @Test
    void anEmptyCampaignStillGetsAReport() throws Exception {
        try (Store store = Store.openRunFolder(dir)) {
            Campaign c = store.campaigns().insert(Campaign.create("empty", "", "offline"));
            String md = Files.readString(CampaignReport.write(store, c.id(), dir));
            assertThat(md).contains("No design has finished yet.").contains("| | none yet |");
            assertThat(dir.resolve("figures/lineage.png")).exists();
        }
    }
}
