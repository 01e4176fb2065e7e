package archlab.agent.console;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The chat-style terminal front end of a {@link ConsoleSession}, on JLine: a prompt with history and
 * completion of the slash commands and of experiment names where a command takes one, and the campaign's news printed above the prompt as it lands.
 */
public final class Console {
    static final List<String> COMMANDS = List.of("/best", "/show", "/why", "/compare", "/tried", "/status",
            "/budget", "/directives", "/note", "/tag", "/untag", "/focus", "/avoid", "/prune", "/pin", "/unpin", "/inject", "/try", "/workers",
            "/seeds", "/pause", "/resume", "/stop", "/revoke", "/help", "/quit");

    private Console() {
    }

    /**
     * Runs the conversation until /quit or end of input. With {@code every} set, the campaign's news is
     * printed above the prompt at that interval.
     */
    public static void run(ConsoleSession session, Terminal terminal, String greeting, LiveFeedSource feed,
                           Duration every) {
        LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("archlab")
                .completer(new ConsoleCompleter(COMMANDS, session::experimentNames)).build();
        ScheduledExecutorService ticker = null;
        if (feed != null && every != null) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "archlab-console-feed");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleWithFixedDelay(() -> {
                try {
                    for (String line : feed.news()) {
                        reader.printAbove(line);
                    }
                } catch (RuntimeException e) {
                    reader.printAbove("(could not read the campaign's news: " + e.getMessage() + ")");
                }
            }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        }
        try {
            terminal.writer().println(greeting);
            terminal.flush();
            boolean asking = false;
            while (!session.over()) {
                String line;
                try {
                    line = reader.readLine(asking ? "apply? [y/N] " : "archlab> ");
                } catch (UserInterruptException e) {
                    asking = false;
                    continue;
                } catch (EndOfFileException e) {
                    break;
                }
                ConsoleSession.Reply reply = session.handle(line);
                asking = reply.asking();
                if (!reply.text().isEmpty()) {
                    terminal.writer().println(reply.text().stripTrailing());
                    terminal.flush();
                }
            }
        } finally {
            if (ticker != null) {
                ticker.shutdownNow();
            }
        }
    }

    /** Where the news comes from; the store-backed feed in use, a list in tests. */
    public interface LiveFeedSource {
        List<String> news();
    }

    /** The campaign's news from its store. */
    public static LiveFeedSource feed(archlab.knowledge.store.Store store, String campaignId) {
        NewsFeed f = new NewsFeed(store, campaignId);
        return f::poll;
    }
}
