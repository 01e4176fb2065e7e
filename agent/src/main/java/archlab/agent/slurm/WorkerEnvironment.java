package archlab.agent.slurm;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** How a job starts archlab on a node, and what it finds in its environment. */
public final class WorkerEnvironment {
    /** The store's JDBC URL, in the job's environment (so its password is on no command line). */
    public static final String STORE_URL = "ARCHLAB_STORE_URL";
    /** System properties a worker needs as the coordinator has them: where DJL finds PyTorch, and which build. */
    private static final List<String> PASSED = List.of("DJL_CACHE_DIR", "ENGINE_CACHE_DIR", "PYTORCH_VERSION",
            "PYTORCH_FLAVOR", "PYTORCH_LIBRARY_PATH", "ai.djl.offline");

    private WorkerEnvironment() {
    }

    /**
     * This JVM's java and class path, absolute, then {@code archlab.agent.cli.Main}: right when the
     * nodes see the same paths (a shared file system, the usual cluster set-up), which docs/scale-out.md
     * asks for.
     */
    public static List<String> workerCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the worker orchestrates one sandbox process: a serial collector adds no threads beside libtorch's
        cmd.add("-XX:+UseSerialGC");
        for (String p : PASSED) {
            String v = System.getProperty(p);
            if (v != null) {
                cmd.add("-D" + p + "=" + v);
            }
        }
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                entries.add(Path.of(e).toAbsolutePath().toString());
            }
        }
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, entries));
        cmd.add("archlab.agent.cli.Main");
        return cmd;
    }
}
