package archlab.agent.campaign;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The campaign file's {@code executor: {type: slurm, ...}} section, validated by {@link CampaignFile}.
 * docs/scale-out.md documents each field; null means "not set" (the cluster's default applies).
 *
 * @param partition   {@code --partition}
 * @param account     {@code --account}
 * @param time        {@code --time}, as Slurm writes it ({@code 00:10:00}, {@code 1-00:00:00})
 * @param cpus        {@code --cpus-per-task}; also the sandbox's training threads on the node
 * @param memory      {@code --mem} ({@code 2G}, {@code 500M})
 * @param gres        {@code --gres}, such as {@code gpu:1}
 * @param sbatchFlags further sbatch options, passed as written
 * @param setup       shell lines the batch script runs before the worker ({@code module load java/17})
 * @param maxInFlight the most jobs queued or running at once: the campaign's slots
 * @param retries     resubmissions of an evaluation whose job ended without a result
 * @param poll        how often the job states are read ({@code squeue}) and the store is checked
 */
public record SlurmSettings(String partition, String account, String time, int cpus, String memory, String gres,
                            List<String> sbatchFlags, List<String> setup, int maxInFlight, int retries, Duration poll) {
    public static final int DEFAULT_MAX_IN_FLIGHT = 4;
    public static final int DEFAULT_RETRIES = 2;
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(5);

    public SlurmSettings {
        sbatchFlags = List.copyOf(sbatchFlags);
        setup = List.copyOf(setup);
        Objects.requireNonNull(poll, "poll");
        if (cpus < 1 || maxInFlight < 1 || retries < 0) {
            throw new IllegalArgumentException("cpus and max_in_flight must be >= 1, retries >= 0");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The sbatch options these settings stand for, in a fixed order. */
    public List<String> sbatchOptions() {
        List<String> o = new ArrayList<>();
        if (partition != null) {
            o.add("--partition=" + partition);
        }
        if (account != null) {
            o.add("--account=" + account);
        }
        if (time != null) {
            o.add("--time=" + time);
        }
        o.add("--cpus-per-task=" + cpus);
        o.add("--ntasks=1");
        if (memory != null) {
            o.add("--mem=" + memory);
        }
        if (gres != null) {
            o.add("--gres=" + gres);
        }
        o.addAll(sbatchFlags);
        return o;
    }

    /** Builds {@link SlurmSettings}; every field starts at the documented default. */
    public static final class Builder {
        private String partition;
        private String account;
        private String time;
        private int cpus = 1;
        private String memory;
        private String gres;
        private List<String> sbatchFlags = List.of();
        private List<String> setup = List.of();
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private int retries = DEFAULT_RETRIES;
        private Duration poll = DEFAULT_POLL;

        private Builder() {
        }

        public Builder partition(String v) {
            partition = v;
            return this;
        }

        public Builder account(String v) {
            account = v;
            return this;
        }

        public Builder time(String v) {
            time = v;
            return this;
        }

        public Builder cpus(int v) {
            cpus = v;
            return this;
        }

        public Builder memory(String v) {
            memory = v;
            return this;
        }

        public Builder gres(String v) {
            gres = v;
            return this;
        }

        public Builder sbatchFlags(List<String> v) {
            sbatchFlags = v;
            return this;
        }

        public Builder setup(List<String> v) {
            setup = v;
            return this;
        }

        public Builder maxInFlight(int v) {
            maxInFlight = v;
            return this;
        }

        public Builder retries(int v) {
            retries = v;
            return this;
        }

        public Builder poll(Duration v) {
            poll = v;
            return this;
        }

        public SlurmSettings build() {
            return new SlurmSettings(partition, account, time, cpus, memory, gres, sbatchFlags, setup, maxInFlight,
                    retries, poll);
        }
    }
}
