package archlab.agent.cli;

import archlab.agent.campaign.CampaignEvents;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The live display of {@code archlab run}: one progress bar over the budget (experiments, or the
 * wall clock when that is the only limit) with the best fitness so far, the step of each run in
 * flight and the ETA; above it, one line per event ("e12 done: accuracy 0.91, fitness 0.83, +4 % over
 * its parent"). Every line also goes to the run folder's log with a timestamp.
 */
final class CampaignDisplay implements CampaignEvents, AutoCloseable {
    private final PrintWriter err;
    private final Writer log;
    private final ProgressBar bar;
    private final Line line;
    private final String policy;
    private final Map<String, String> running = new ConcurrentHashMap<>();
    private final Map<String, String> names = new ConcurrentHashMap<>();
    private final Instant start = Instant.now();
    private final boolean byExperiments;
    private volatile String best = "none yet";
    private volatile long done;

    CampaignDisplay(PrintWriter err, Path logFile, String policy, Integer experimentBudget, Duration wallBudget,
                    boolean progress) throws IOException {
        this.err = err;
        this.policy = policy;
        this.log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        this.byExperiments = experimentBudget != null;
        long max = experimentBudget != null ? experimentBudget : wallBudget != null ? wallBudget.toSeconds() : 0;
        this.line = new Line(err, width());
        this.bar = progress ? new ProgressBarBuilder().setTaskName(byExperiments ? "experiments" : "seconds")
                .setInitialMax(max).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                .setEtaFunction(s -> eta(s.getCurrent(), s.getMax())).setConsumer(line).build() : null;
        refresh();
    }

    private Optional<Duration> eta(long current, long max) {
        if (current <= 0 || max <= 0) {
            return Optional.empty();
        }
        long elapsed = Duration.between(start, Instant.now()).toMillis();
        return Optional.of(Duration.ofMillis(elapsed * Math.max(0, max - current) / current));
    }

    private void refresh() {
        if (bar == null) {
            return;
        }
        if (!byExperiments) {
            bar.stepTo(Duration.between(start, Instant.now()).toSeconds());
        } else {
            bar.stepTo(done);
        }
        StringBuilder s = new StringBuilder("best ").append(best);
        running.forEach((id, what) -> s.append(" · ").append(what));
        bar.setExtraMessage(s.toString());
    }

    @Override
    public void status(CampaignStatus status) {
        say("campaign " + status.name().toLowerCase(Locale.ROOT) + " (" + policy + " policy)");
    }

    @Override
    public void stage(String stage, String what) {
        say("[" + stage + "] " + what);
    }

    @Override
    public void note(String message) {
        say(message);
    }

    @Override
    public void queued(Experiment e) {
        names.put(e.id(), label(e).split("-", 2)[0]);
        say(label(e) + " queued: " + (e.hypothesis().title() == null ? "" : e.hypothesis().title()));
    }

    @Override
    public void started(String experimentId, String stage, int seed) {
        logOnly(names.getOrDefault(experimentId, experimentId) + " (" + experimentId + ") training at " + stage
                + ", seed " + seed);
        running.put(experimentId, shortId(experimentId) + " starting");
        refresh();
    }

    @Override
    public void progress(String experimentId, int step, int steps, double loss) {
        running.put(experimentId, String.format(Locale.ROOT, "%s %d/%d", shortId(experimentId), step, steps));
        refresh();
    }

    @Override
    public void finished(Experiment e) {
        running.remove(e.id());
        if (e.status() == ExperimentStatus.DONE) {
            done++;
            say(String.format(Locale.ROOT, "%s done at %s: fitness %.4f", label(e), e.stage(), e.fitness()));
        } else if (e.status() == ExperimentStatus.PARTIAL) {
            done++;
            say(label(e) + " stopped early (" + e.failureKind() + "): " + e.failureMessage());
        } else {
            done++;
            say(label(e) + " failed: " + e.failureKind() + ": " + e.failureMessage());
        }
        refresh();
    }

    /** Updates the best-so-far shown on the bar. */
    void best(String text) {
        this.best = text;
        refresh();
    }

    /** A line for campaign.log only: when each run starts, too fine-grained for the terminal. */
    private synchronized void logOnly(String message) {
        try {
            log.write(Instant.now() + " " + message + "\n");
            log.flush();
        } catch (IOException e) {
            // The log is a convenience; the store holds the record.
        }
    }

    private synchronized void say(String message) {
        if (bar != null) {
            line.clear();
        }
        err.println(message);
        err.flush();
        try {
            log.write(Instant.now() + " " + message + "\n");
            log.flush();
        } catch (IOException e) {
            // The log is a convenience; the store holds the record.
        }
        refresh();
    }

    private static String label(Experiment e) {
        return e.name() != null ? e.name() : e.id();
    }

    private String shortId(String id) {
        return names.getOrDefault(id, id.length() > 8 ? id.substring(id.length() - 6) : id);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
        try {
            log.close();
        } catch (IOException e) {
            // nothing left to lose
        }
    }

    /**
     * Whether the process's stderr is a terminal. The bar redraws itself with carriage returns, which
     * in a pipe or a log file are noise, so it is drawn only on a terminal (JLine asks the OS: isatty
     * through its native library, else {@code test -t 2}).
     */
    static boolean stderrIsTerminal() {
        for (String provider : new String[] {"jni", "exec"}) {
            try {
                return org.jline.terminal.spi.TerminalProvider.load(provider)
                        .isSystemStream(org.jline.terminal.spi.SystemStream.Error);
            } catch (Throwable e) {
                // this provider cannot tell here; try the next
            }
        }
        return false;
    }

    private static int width() {
        try {
            return Math.max(60, Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "120").trim()) - 1);
        } catch (NumberFormatException e) {
            return 119;
        }
    }

    private static final class Line implements ProgressBarConsumer {
        private final PrintWriter err;
        private final int width;

        Line(PrintWriter err, int width) {
            this.err = err;
            this.width = width;
        }

        @Override
        public int getMaxRenderedLength() {
            return width;
        }

        @Override
        public synchronized void accept(String rendered) {
            err.print('\r');
            err.print(rendered.length() > width ? rendered.substring(0, width) : rendered);
            err.flush();
        }

        @Override
        public synchronized void clear() {
            err.print('\r' + " ".repeat(width) + '\r');
            err.flush();
        }

        @Override
        public void close() {
            err.println();
            err.flush();
        }
    }
}
