package archlab.agent.slurm;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what the Slurm commands print, in the machine-readable forms archlab asks for: {@code sbatch
 * --parsable}, {@code squeue --noheader --format=%i|%T|%r|%N}, {@code scontrol show job -o} and
 * {@code sacct -n -P -X -o JobID,State,Reason,ExitCode,NodeList}.
 */
final class SlurmOutput {
    static final String SQUEUE_FORMAT = "%i|%T|%r|%N";
    static final String SACCT_FIELDS = "JobID,State,Reason,ExitCode,NodeList";
    private static final Pattern JOB_ID = Pattern.compile("\\d+");
    private static final Pattern PAIR = Pattern.compile("(?:^|\\s)([A-Za-z][A-Za-z/:_]*)=(\\S*)");

    private SlurmOutput() {
    }

    /** {@code 1234} or {@code 1234;cluster} (a federation names the cluster) to the job id. */
    static String jobId(String sbatchParsable) {
        String line = sbatchParsable == null ? "" : sbatchParsable.strip();
        // sbatch may print warnings first; the id is on the last line
        int nl = line.lastIndexOf('\n');
        line = line.substring(nl + 1).strip();
        int semi = line.indexOf(';');
        String id = semi >= 0 ? line.substring(0, semi) : line;
        if (!JOB_ID.matcher(id).matches()) {
            throw new SlurmException("sbatch --parsable printed \"" + sbatchParsable.strip() + "\", not a job id");
        }
        return id;
    }

    /** Lines of {@code squeue --noheader --format=%i|%T|%r|%N}, by job id; odd lines are skipped. */
    static Map<String, JobState> squeue(String out) {
        Map<String, JobState> states = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.strip().split("\\|", -1);
            if (f.length < 2 || !JOB_ID.matcher(f[0]).matches() || f[1].isBlank()) {
                continue;
            }
            states.put(f[0], new JobState(f[0], f[1], f.length > 2 ? f[2] : null, null, f.length > 3 ? f[3] : null));
        }
        return states;
    }

    /** {@code scontrol show job -o ID}: one line of {@code Key=Value} pairs. */
    static Optional<JobState> scontrol(String jobId, String out) {
        Map<String, String> pairs = new LinkedHashMap<>();
        Matcher m = PAIR.matcher(out);
        while (m.find()) {
            pairs.putIfAbsent(m.group(1), m.group(2));
        }
        String state = pairs.get("JobState");
        if (state == null || !jobId.equals(pairs.get("JobId"))) {
            return Optional.empty();
        }
        return Optional.of(new JobState(jobId, state, pairs.get("Reason"), pairs.get("ExitCode"),
                pairs.get("NodeList")));
    }

    /**
     * {@code sacct -n -P -X -o JobID,State,Reason,ExitCode,NodeList -j ID}: the allocation's line (a
     * requeued job has one line per run; the last is the newest).
     */
    static Optional<JobState> sacct(String jobId, String out) {
        JobState found = null;
        for (String line : out.split("\n")) {
            String[] f = line.strip().split("\\|", -1);
            if (f.length >= 2 && f[0].equals(jobId) && !f[1].isBlank()) {
                found = new JobState(jobId, f[1], f.length > 2 ? f[2] : null, f.length > 3 ? f[3] : null,
                        f.length > 4 ? f[4] : null);
            }
        }
        return Optional.ofNullable(found);
    }
}
