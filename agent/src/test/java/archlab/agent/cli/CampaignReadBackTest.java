package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a researcher reads back from a real campaign's run folder (a small MQAR campaign, trained
 * once for the class): the export → import → export round trip, names that paste back into every
 * command, and output without internals (no carriage returns in a piped stderr, no raw JSON).
 */
class CampaignReadBackTest {
    @TempDir
    static Path dir;
    static Path run;
    static MainTest.Result campaign;

    @BeforeAll
    static void runACampaign() throws Exception {
        Path file = dir.resolve("tiny.yaml");
        Files.writeString(file, CampaignRunTest.campaign(dir, 4, 30));
        // no --no-progress: stderr is not a terminal here, so the bar must not be drawn
        campaign = MainTest.run("run", file.toString());
        assertThat(campaign.exitCode()).as(campaign.err()).isZero();
        run = CampaignRunTest.onlyRun(dir);
    }

    @Test
    void aPipedStderrGetsLinesWithoutCarriageReturns() {
        assertThat(campaign.err()).contains("done at explore").doesNotContain("\r");
        assertThat(run.resolve("campaign.log")).content().doesNotContain("\r");
    }

    @Test
    void exportImportExportIsLossless() throws Exception {
        Path first = dir.resolve("first.jsonl");
        Path second = dir.resolve("second.jsonl");
        Path copy = dir.resolve("imported");
        // notes and tags travel too
        try (archlab.knowledge.store.Store store = archlab.knowledge.store.Store.openRunFolder(run)) {
            var c = store.campaigns().list().get(0);
            var e = store.experiments().list(archlab.knowledge.store.ExperimentQuery.campaign(c.id())).get(1);
            store.notes().add(archlab.knowledge.store.Note.tag(e.id(), c.id(), "keep"));
            store.notes().add(archlab.knowledge.store.Note.note(e.id(), c.id(), "recall jumps late; give it more steps"));
        }
        assertThat(MainTest.run("export", run.toString(), "--format", "jsonl", "--out", first.toString()).exitCode())
                .isZero();
        MainTest.Result imported = MainTest.run("import", first.toString(), "--out", copy.toString());
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(MainTest.run("export", copy.toString(), "--format", "jsonl", "--out", second.toString()).exitCode())
                .isZero();

        List<JsonNode> a = lines(first);
        List<JsonNode> b = lines(second);
        assertThat(b).hasSameSizeAs(a);
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i)).as("line " + (i + 1)).isEqualTo(a.get(i));
        }
        // the per-stage fitness travels as its own field, and the stage order with the first line
        assertThat(a.stream().filter(l -> l.has("fitness_by_stage"))).isNotEmpty()
                .allSatisfy(l -> assertThat(l.get("fitness").isNumber()).isTrue());
        assertThat(a.get(0).path("campaign_stages").toString()).isEqualTo("[\"explore\",\"verify\"]");
        assertThat(a.get(1).path("tags").toString()).isEqualTo("[\"keep\"]");
        assertThat(a.get(1).path("notes").get(0).path("text").asText()).isEqualTo("recall jumps late; give it more steps");
        String shown = MainTest.run("show", copy.toString(), a.get(1).path("id").asText()).out();
        assertThat(shown).contains("tags       keep", "note       recall jumps late; give it more steps");

        // what the copy shows is what the original shows: the same ranking, metric column and winner
        String original = MainTest.run("leaderboard", run.toString()).out();
        assertThat(MainTest.run("leaderboard", copy.toString()).out()).isEqualTo(original);
        assertThat(original).contains("-- at verify");
        JsonNode best = MainTest.JSON.readTree(MainTest.run("status", run.toString(), "--json").out()).path("best");
        JsonNode copied = MainTest.JSON.readTree(MainTest.run("status", copy.toString(), "--json").out()).path("best");
        assertThat(copied.path("id").asText()).isEqualTo(best.path("id").asText());
        assertThat(copied.path("stage").asText()).isEqualTo("verify");
        assertThat(copied.path("fitness_parts")).isEqualTo(best.path("fitness_parts"));
    }

    @Test
    void everyNameTheToolsPrintPastesBackIntoShow() throws Exception {
        String board = MainTest.run("leaderboard", run.toString()).out();
        String log = Files.readString(run.resolve("campaign.log"));
        Matcher m = Pattern.compile("\\b(e\\d+)(-[a-z0-9-]+)?\\b").matcher(board);
        assertThat(m.find()).as(board).isTrue();
        String fullName = m.group();
        String shortName = m.group(1);
        assertThat(log).contains(fullName);
        JsonNode byFull = MainTest.JSON.readTree(MainTest.run("show", run.toString(), fullName, "--json").out());
        String id = byFull.path("id").asText();
        for (String handle : List.of(shortName, "#" + shortName.substring(1), shortName.substring(1), fullName, id)) {
            MainTest.Result shown = MainTest.run("show", run.toString(), handle);
            assertThat(shown.exitCode()).as(handle + ": " + shown.err()).isZero();
            assertThat(shown.out()).startsWith("experiment " + id + " (" + fullName + ")");
        }
        MainTest.Result missing = MainTest.run("show", run.toString(), "e99999999999999999999");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("has no experiment e99999999999999999999", "short name e1 to e")
                .doesNotContain("For input string");
    }

    @Test
    void statusAndShowSpeakInWordsNotJson() {
        MainTest.Result status = MainTest.run("status", run.toString());
        assertThat(status.out()).contains("of 4 experiments", "wall clock").doesNotContain("{\"");
        assertThat(status.out()).containsPattern("against the baseline's [0-9.]+ at (explore|verify) \\([+-]");

        String board = MainTest.run("leaderboard", run.toString()).out();
        Matcher m = Pattern.compile("\\b(e\\d+)(-[a-z0-9-]+)?\\b").matcher(board);
        assertThat(m.find()).isTrue();
        MainTest.Result show = MainTest.run("show", run.toString(), m.group(1));
        assertThat(show.out()).contains("analysis\n    ", "results: ").doesNotContain("{\"", "\"results\"");
        // metrics per stage and seed as people read them, not 6.656693440163508E-4
        assertThat(show.out().lines().filter(l -> l.matches("  (explore|verify) +seed .*")))
                .isNotEmpty().allSatisfy(l -> assertThat(l).matches(".* ok +loss [0-9.e+-]+, accuracy [0-9.]+")
                        .doesNotContainPattern("\\d\\.\\d{5,}|E-"));
        assertThat(show.out()).containsPattern("fitness +[0-9.]+ at (explore|verify): accuracy");
    }

    private static List<JsonNode> lines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(MainTest.JSON.readTree(line));
        }
        return out;
    }
}
