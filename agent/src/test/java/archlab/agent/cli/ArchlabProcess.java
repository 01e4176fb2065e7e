package archlab.agent.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code archlab ARGS} in a JVM of its own, as a person runs it, with its output (stdout and stderr
 * together) collected line by line as it comes. The tests that need a real process (kills, resumes,
 * environment variables, a campaign's exit code) share this one helper.
 */
final class ArchlabProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final Thread reader;

    private ArchlabProcess(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        process = pb.start();
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (Exception e) {
                // the process was killed
            }
        });
        reader.setDaemon(true);
        reader.start();
    }

    static ArchlabProcess start(String... args) throws Exception {
        return new ArchlabProcess(Map.of(), args);
    }

    static ArchlabProcess start(Map<String, String> env, String... args) throws Exception {
        return new ArchlabProcess(env, args);
    }

    /** Runs to the end (at most {@code within}) and returns the exit code; the lines stay readable. */
    static ArchlabProcess run(Map<String, String> env, Duration within, String... args) throws Exception {
        ArchlabProcess p = new ArchlabProcess(env, args);
        p.await(within);
        return p;
    }

    Process process() {
        return process;
    }

    /** The lines so far, a copy. */
    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    String output() {
        return String.join("\n", lines());
    }

    /** The last {@code n} lines, for failure messages. */
    String tail(int n) {
        List<String> all = lines();
        return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
    }

    /** Waits until a line matches; false when the process ended or {@code within} passed first. */
    boolean awaitLine(Predicate<String> line, Duration within) throws InterruptedException {
        Instant end = Instant.now().plus(within);
        while (Instant.now().isBefore(end)) {
            synchronized (lines) {
                if (lines.stream().anyMatch(line)) {
                    return true;
                }
            }
            if (!process.isAlive()) {
                reader.join(5_000);
                synchronized (lines) {
                    return lines.stream().anyMatch(line);
                }
            }
            Thread.sleep(50);
        }
        return false;
    }

    /** Waits for the end; returns the exit code, or fails the test when it did not end in time. */
    int await(Duration within) throws InterruptedException {
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("archlab did not finish within " + within + ":\n" + tail(60));
        }
        reader.join(10_000);
        return process.exitValue();
    }

    int exitValue() {
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hooks, no flush. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        reader.join(5_000);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
