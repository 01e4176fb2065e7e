package archlab.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Store;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code archlab browse}: what it refuses, and that it serves a run folder. */
class BrowseCommandTest {
    @TempDir
    Path dir;

    private Path runWithCampaign() {
        Path run = dir.resolve("run");
        try (Store s = Store.openRunFolder(run)) {
            s.campaigns().insert(Campaign.create("cli-browse", "name: cli-browse\n", "offline"));
        }
        return run;
    }

    @Test
    void anAddressBeyondLoopbackWithoutATokenIsAUsageError() {
        MainTest.Result r = MainTest.run("browse", runWithCampaign().toString(), "--bind", "0.0.0.0", "--port", "0");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--token");
        MainTest.Result shortToken = MainTest.run("browse", dir.toString(), "--token", "abc", "--port", "0");
        assertThat(shortToken.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(shortToken.err()).contains("8 characters");
        assertThat(MainTest.run("browse", dir.toString(), "--port", "70000").exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void aFolderWithoutAStoreIsInvalidInput() {
        MainTest.Result r = MainTest.run("browse", dir.resolve("nothing-here").toString(), "--port", "0");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("no archlab store");
    }

    @Test
    void servesARunFolderAndPrintsItsAddress() throws Exception {
        Path run = runWithCampaign();
        StringWriter out = new StringWriter();
        Thread t = new Thread(() -> Main.newCommandLine(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true))
                .execute("browse", run.toString(), "--port", "0"), "browse-command-test");
        t.setDaemon(true);   // the command serves until the JVM stops; the test JVM's end stops it
        t.start();
        Matcher m = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/").matcher("");
        for (int i = 0; i < 200 && !m.reset(out.toString()).find(); i++) {
            Thread.sleep(100);
        }
        assertThat(m.reset(out.toString()).find()).as(out.toString()).isTrue();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + m.group(1) + "/api/campaigns")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("cli-browse");
    }
}
