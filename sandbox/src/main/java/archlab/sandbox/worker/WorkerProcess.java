package archlab.sandbox.worker;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/** One worker JVM as the parent sees it: its pipes, its stderr tail, and how to kill its process tree. */
final class WorkerProcess {
    /** Why the parent killed a worker; null while nobody has. */
    enum KillReason { TIMEOUT, RSS, PROTOCOL, CLOSED, RETIRED }

    /** Workers are reused only by requests that need the same JVM: thread count and heap are fixed per process. */
    record Key(int threads, int heapMb) {
    }

    static final int STDERR_LINES = 40;
    private static final int MAX_STDERR_LINE = 2000;
    /** The longest protocol line accepted; a result with a long curve is a few hundred KB. */
    static final int MAX_LINE = 32 << 20;

    final Process process;
    final Key key;
    final long startedNanos;
    private final Writer stdin;
    private final Reader stdout;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Thread stderrReader;
    private final AtomicReference<KillReason> killReason = new AtomicReference<>();
    /** The descendants the watchdog saw last: after the worker dies they are no longer its descendants. */
    private volatile List<ProcessHandle> tree = List.of();
    volatile boolean ready;
    volatile double startSeconds;
    /** Resident memory of the tree when the watchdog killed it for exceeding rss_mb. */
    volatile double rssAtKillMb;
    int requests;

    /** A line longer than {@link #MAX_LINE}. */
    static final class LineTooLong extends Exception {
        final String head;

        LineTooLong(String head) {
            super("line too long", null, false, false);
            this.head = head;
        }
    }

    WorkerProcess(Process process, Key key, long startedNanos, Consumer<String> stderrSink) {
        this.process = process;
        this.key = key;
        this.startedNanos = startedNanos;
        this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8), 1 << 16);
        long pid = process.pid();
        this.stderrReader = new Thread(() -> readStderr(stderrSink, pid), "archlab-worker-" + pid + "-stderr");
        stderrReader.setDaemon(true);
        stderrReader.start();
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    KillReason killReason() {
        return killReason.get();
    }

    void send(String line) throws IOException {
        stdin.write(line);
        stdin.write('\n');
        stdin.flush();
    }

    /** The next line of stdout, or null at the end; a partial line cut off by the process's death is dropped. */
    String readLine() throws IOException, LineTooLong {
        StringBuilder sb = new StringBuilder(256);
        int c;
        while ((c = stdout.read()) != -1) {
            if (c == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            if (sb.length() >= MAX_LINE) {
                throw new LineTooLong(sb.substring(0, 300));
            }
            sb.append((char) c);
        }
        return null;
    }

    void rememberTree(List<ProcessHandle> descendants) {
        tree = descendants;
    }

    /**
     * Kills the process tree: the descendants first (those alive now and those the watchdog saw), then
     * the worker, all with SIGKILL. Returns at once; {@link #killAndWait} also waits. The first reason wins.
     */
    void kill(KillReason reason) {
        killReason.compareAndSet(null, reason);
        List<ProcessHandle> all = new ArrayList<>(tree);
        try {
            process.descendants().forEach(all::add);
        } catch (RuntimeException ignored) {
            // the process may be gone already
        }
        tree = List.copyOf(all);
        all.forEach(ProcessHandle::destroyForcibly);
        // through the handle: Process.destroyForcibly would also close the pipes, and the stderr
        // reader would lose what the worker wrote last, which is what a crash report needs
        process.toHandle().destroyForcibly();
    }

    /** Kills the tree and waits until every process in it has exited (at most {@code wait}). */
    void killAndWait(KillReason reason, Duration wait) {
        kill(reason);
        awaitExit(wait);
    }

    /** Waits for the worker and the descendants it was last seen with; true when all are gone. */
    boolean awaitExit(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            if (!process.waitFor(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS)) {
                return false;
            }
            for (ProcessHandle h : tree) {
                long left = deadline - System.nanoTime();
                if (h.isAlive()) {
                    try {
                        h.onExit().get(Math.max(1, left), TimeUnit.NANOSECONDS);
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                        return false;
                    }
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The last lines of stderr; waits briefly for the reader to drain a dead process's pipe. */
    String stderrTail() {
        if (!process.isAlive()) {
            try {
                stderrReader.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (stderrTail) {
            return String.join("\n", stderrTail);
        }
    }

    /** The JVM's crash log for this worker, when it wrote one (see {@code -XX:ErrorFile} in {@link Sandbox}). */
    Path crashLog(Path dir) {
        Path p = dir.resolve("archlab-worker-hs_err_pid" + pid() + ".log");
        return Files.exists(p) ? p : null;
    }

    /** A line the JVM wrote natively to stdout (see {@link Sandbox#isJvmDiagnostic}); kept with the stderr tail. */
    void noteStdoutLine(String line) {
        remember("[stdout] " + line);
    }

    private void remember(String line) {
        String kept = line.length() > MAX_STDERR_LINE ? line.substring(0, MAX_STDERR_LINE) + " ..." : line;
        synchronized (stderrTail) {
            if (stderrTail.size() == STDERR_LINES) {
                stderrTail.removeFirst();
            }
            stderrTail.addLast(kept);
        }
    }

    private void readStderr(Consumer<String> sink, long pid) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                remember(line);
                if (sink != null) {
                    try {
                        sink.accept("[worker " + pid + "] " + line);
                    } catch (RuntimeException ignored) {
                        // a broken sink must not stop the drain, or the worker blocks on a full pipe
                    }
                }
            }
        } catch (IOException ignored) {
            // the pipe closed: the worker is gone
        }
    }

    void closePipes() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already closed
        }
        try {
            stdout.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
