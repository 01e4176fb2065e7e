package archlab.agent.console;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.research.TestLab;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Directive;
import archlab.knowledge.store.DirectiveStatus;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Hypothesis;
import archlab.knowledge.store.Ids;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's answers and commands over a store of finished experiments, without a terminal and through JLine. */
class ConsoleSessionTest {
    @TempDir
    Path dir;
    TestLab lab;
    ConsoleSession session;
    Experiment base;
    Experiment good;
    Experiment broken;

    @BeforeEach
    void fill() {
        lab = new TestLab(dir.resolve("run"));
        lab.store.campaigns().updateStatus(lab.id(), CampaignStatus.RUNNING);
        base = lab.done(null, "e1-baseline", TestLab.architecture("linear_attention"), 0.30, "baseline: linear attention");
        good = lab.done(base.id(), "e2-data-dependent-decay", TestLab.architecture("gla"), 0.81,
                "Data-dependent decay gates on the state");
        broken = lab.insert(Experiment.builder(Ids.next("exp"), lab.id()).parentId(base.id()).name("e3-delta-rule")
                .hypothesis(new Hypothesis("Delta rule with a wide state", "erase before write", "better recall"))
                .checkedDefinition(TestLab.architecture("deltanet")).status(ExperimentStatus.FAILED)
                .failure("diverged", "loss became NaN at step 120 (after warm-up)").build());
        session = new ConsoleSession(lab.store, lab.id(), null, null, dir);
    }

    @AfterEach
    void close() {
        lab.close();
    }

    @Test
    void answersTheQuestionsPeopleAsk() {
        assertThat(session.handle("/show 2").text()).contains("e2-data-dependent-decay", "Data-dependent decay");
        assertThat(session.handle("/why e3").text()).contains("e3-delta-rule", "failed", "diverged",
                "loss became NaN at step 120", "erase before write");
        assertThat(session.handle("/compare 1 2").text()).contains("e1-baseline", "e2-data-dependent-decay",
                "fitness", "0.3", "0.81", "definition diff");
        assertThat(session.handle("/tried decay").text()).contains("1 experiment mention \"decay\"",
                "e2-data-dependent-decay");
        assertThat(session.handle("/tried \"delta rule\"").text()).contains("e3-delta-rule", "failed");
        assertThat(session.handle("/tried transformers").text()).contains("Nothing tried mentions");
        assertThat(session.handle("/status").text()).contains("running", "3 experiments", "1 failed",
                "nothing is training now");
        assertThat(session.handle("/budget").text()).contains("experiments", "wall clock", "LLM tokens");
        assertThat(session.handle("/directives").text()).contains("No directives yet");
        assertThat(session.handle("/help").text()).contains("/avoid IDEA", "/inject FILE");
    }

    @Test
    void badInputGetsAHelpfulMessageNeverAStackTrace() {
        List<String> bad = List.of("/nonsense", "/show", "/show 99", "/why e", "/compare 1", "/prune 77",
                "/workers many", "/workers 0", "/seeds verify", "/avoid", "/avoid rm -rf /; x", "/inject /no/such/file.arch",
                "/budget experiments=ten", "/budget wall_clock=soon", "/budget tokens=5", "/tried", "/revoke x",
                "/focus \"unbalanced", "hello there");
        for (String line : bad) {
            String reply = session.handle(line).text();
            assertThat(reply).as(line).isNotBlank().doesNotContain("Exception", "\tat ", "NullPointer");
        }
        assertThat(session.handle("/show 99").text()).contains("no experiment 99", "e1 to e3");
        assertThat(session.handle("/nonsense").text()).contains("unknown command /nonsense", "/help");
        assertThat(session.handle("hello there").text()).contains("slash commands");
        assertThat(lab.store.directives().list(lab.id())).as("nothing bad was stored").isEmpty();
    }

    @Test
    void aHugeNumberIsAnExperimentThatDoesNotExistNotAParseError() {
        for (String line : List.of("/why 99999999999999999999", "/show e99999999999999999999", "/prune #99999999999999999999")) {
            assertThat(session.handle(line).text()).as(line).contains("no experiment", "e1 to e3")
                    .doesNotContain("For input string");
        }
        // ids, full names and short names all name the same experiment
        for (String handle : List.of(good.id(), "e2-data-dependent-decay", "e2", "#2", "2", "e02")) {
            assertThat(session.handle("/show " + handle).text()).as(handle).contains("e2-data-dependent-decay");
        }
    }

    @Test
    void whyReadsTheAnalystsFieldsAndComparesAtTheSameStage() {
        lab.store.experiments().update(good.toBuilder().stage("explore")
                .analysis("{\"expectationVsReality\": \"recall rose as expected\", \"explanation\": \"gates forget\"}")
                .extra("{\"fitness\": {\"explore\": {\"metric\": \"accuracy\", \"value\": 0.9, \"baseline\": 0.3,"
                        + " \"relative\": 2.0, \"combined\": 0.81}}}").build());
        assertThat(session.handle("/why e2").text()).contains("expectation vs reality: recall rose as expected",
                "explanation: gates forget", "accuracy 0.9000 against the baseline's 0.3000 at explore (+200.0 %)");
    }

    @Test
    void notesAndTagsAreStoredAndShown() {
        assertThat(session.handle("/note e2 recall jumps after step 300").text()).contains("noted on e2-data-dependent-decay");
        assertThat(session.handle("/tag 2 keep").text()).contains("tagged: keep");
        assertThat(session.handle("/tag e2 keep").text()).contains("tagged: keep").doesNotContain("keep, keep");
        assertThat(session.handle("/tag e2 \"two words\"").text()).contains("one word");
        assertThat(session.handle("/note e2").text()).contains("usage: /note N TEXT");
        assertThat(session.handle("/show e2").text()).contains("tags: keep", "recall jumps after step 300");
        assertThat(session.handle("/untag e2 keep").text()).contains("removed tag keep");
        assertThat(session.handle("/untag e2 keep").text()).contains("has no tag keep");
        assertThat(lab.store.notes().forExperiment(good.id())).hasSize(1);
        // notes are not steering: a finished campaign takes them too
        lab.store.campaigns().updateStatus(lab.id(), CampaignStatus.DONE);
        assertThat(session.handle("/tag e3 diverged-early").text()).contains("e3-delta-rule", "tagged: diverged-early");
    }

    @Test
    void tabCompletionOffersExperimentsWhereACommandTakesOne() {
        ConsoleCompleter c = new ConsoleCompleter(Console.COMMANDS, session::experimentNames);
        assertThat(c.candidates(List.of(""), 0)).extracting(org.jline.reader.Candidate::value).contains("/why", "/show");
        List<String> forWhy = c.candidates(List.of("/why", ""), 1).stream().map(org.jline.reader.Candidate::value).toList();
        assertThat(forWhy).contains("e2", "e2-data-dependent-decay", "e3-delta-rule").doesNotContain("/why", "/show");
        assertThat(c.candidates(List.of("/compare", "e1", ""), 2)).extracting(org.jline.reader.Candidate::value)
                .contains("e3", "e3-delta-rule");
        assertThat(c.candidates(List.of("/try", "gates", "under", ""), 3)).extracting(org.jline.reader.Candidate::value)
                .contains("e1");
        // an idea is free text: nothing to offer, and certainly not the commands
        assertThat(c.candidates(List.of("/avoid", ""), 1)).isEmpty();
        // /tag takes an experiment, then a word of its own
        assertThat(c.candidates(List.of("/tag", ""), 1)).extracting(org.jline.reader.Candidate::value).contains("e2");
        assertThat(c.candidates(List.of("/tag", "e2", ""), 2)).isEmpty();
    }

    @Test
    void steeringCommandsBecomeStoredDirectives() throws Exception {
        assertThat(session.handle("/avoid short_conv").text()).contains("directive #1 stored: avoid short_conv",
                "next step boundary");
        assertThat(session.handle("/prune 3").text()).contains("#2", "prune the branch under e3-delta-rule");
        assertThat(session.handle("/try a gated delta rule under e2").text()).contains("#3", "try \"a gated delta rule\"");
        assertThat(session.handle("/budget experiments=60 wall_clock=30m").text())
                .contains("experiments 60, wall clock 30 min");
        Path file = dir.resolve("mine.arch");
        Files.writeString(file, TestLab.architecture("based"));
        assertThat(session.handle("/inject mine.arch under 2 as my based variant").text())
                .contains("#5", "inject \"my based variant\"");
        Path typo = dir.resolve("typo.arch");
        Files.writeString(typo, "model(tokens):\n    return lm_head(embed(tokenz, 16))\n");
        assertThat(session.handle("/inject typo.arch").text()).contains("typo.arch does not check", "typo.arch:");

        List<Directive> stored = lab.store.directives().list(lab.id());
        assertThat(stored).extracting(Directive::status).containsOnly(DirectiveStatus.PENDING);
        assertThat(stored).extracting(Directive::structured).satisfiesExactly(
                s -> assertThat(s).contains("\"kind\":\"avoid\"", "short_conv"),
                s -> assertThat(s).contains("\"kind\":\"prune\"", broken.id()),
                s -> assertThat(s).contains("\"kind\":\"idea\"", good.id()),
                s -> assertThat(s).contains("\"kind\":\"budget\"", "1800"),
                s -> assertThat(s).contains("\"kind\":\"inject\"", good.id(), "my based variant"));
        assertThat(session.handle("/status").text()).contains("5 directives waiting");
        assertThat(session.handle("/directives").text()).contains("#1", "pending", "/avoid short_conv");
    }

    @Test
    void aFinishedCampaignIsReadOnly() {
        lab.store.campaigns().updateStatus(lab.id(), CampaignStatus.DONE);
        assertThat(session.handle("/best").text()).contains("Best so far: e2-data-dependent-decay");
        assertThat(session.handle("/avoid softmax").text()).contains("the campaign is done", "read-only");
        assertThat(lab.store.directives().list(lab.id())).isEmpty();
        lab.store.campaigns().updateStatus(lab.id(), CampaignStatus.STOPPED);
        assertThat(session.handle("/avoid softmax").text()).contains("applies when the campaign is resumed");
    }

    @Test
    void theJLineConsoleTalksAndShowsTheCampaignsNews() throws Exception {
        byte[] typed = "/best\n/why 3\n/bogus\n/quit\n".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream shown = new ByteArrayOutputStream();
        try (Terminal t = new DumbTerminal("test", "dumb", new ByteArrayInputStream(typed), shown,
                StandardCharsets.UTF_8)) {
            Console.run(session, t, "hello researcher", () -> List.of(), null);
        }
        String out = shown.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("hello researcher", "Best so far: e2-data-dependent-decay", "loss became NaN",
                "unknown command /bogus", "bye");

        NewsFeed feed = new NewsFeed(lab.store, lab.id());
        assertThat(feed.poll()).as("what was there before attaching is not news").isEmpty();
        lab.done(good.id(), "e4-wider-state", TestLab.architecture("hyena"), 0.9, "wider state");
        Directive d = lab.store.directives().add(lab.id(), "/pause", "{\"kind\":\"pause\"}");
        lab.store.directives().resolve(d.id(), DirectiveStatus.APPLIED, d.structured(), "paused");
        lab.store.campaigns().updateStatus(lab.id(), CampaignStatus.PAUSED);
        assertThat(feed.poll()).containsExactly("e4-wider-state done (fitness 0.900)", "directive #1 applied: paused",
                "campaign is now paused");
    }
}
