package archlab.sandbox.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of a process from {@code /proc/<pid>/status} (Linux); 0 where it cannot be read. */
final class ProcessMemory {
    private ProcessMemory() {
    }

    /** VmRSS in kB: the process's resident pages, heap and native alike. */
    static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux, or the process is gone
        }
        return 0;
    }
}
