package archlab.sandbox.worker;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What one evaluation may use. A zero field means "not set": {@link Sandbox} fills it from its
 * default limits ({@link #orDefaults}).
 *
 * @param wallSeconds wall-clock seconds for the whole evaluation as the parent sees it, worker start
 *                    included for a cold worker; on expiry the worker's process tree is killed
 *                    ({@code timeout})
 * @param heapMb      the worker JVM's {@code -Xmx}; running out of it is an {@code oom}
 * @param rssMb       resident memory of the worker's whole process tree (Java heap and native memory,
 *                    libtorch's tensors included); above it the tree is killed ({@code oom})
 * @param maxSteps    the most training steps a request may ask for; more is an {@code invalid_config}
 */
public record Limits(@JsonProperty("wall_s") double wallSeconds, @JsonProperty("heap_mb") int heapMb,
                     @JsonProperty("rss_mb") int rssMb, @JsonProperty("max_steps") int maxSteps) {

    /** One hour, a 1 GB heap, 4 GB resident in all, 100 000 steps. */
    public static final Limits DEFAULT = new Limits(3600, 1024, 4096, 100_000);

    /** Every field unset: the sandbox's defaults apply. */
    public static final Limits UNSET = new Limits(0, 0, 0, 0);

    public Limits {
        if (!(wallSeconds >= 0) || Double.isInfinite(wallSeconds)) {
            throw new IllegalArgumentException("wall_s must be a finite number >= 0 (0: the default), got " + wallSeconds);
        }
        if (heapMb < 0 || rssMb < 0 || maxSteps < 0) {
            throw new IllegalArgumentException("heap_mb, rss_mb and max_steps must be >= 0 (0: the default), got "
                    + heapMb + ", " + rssMb + ", " + maxSteps);
        }
        if (heapMb > 0 && heapMb < 16) {
            throw new IllegalArgumentException("heap_mb must be at least 16, got " + heapMb);
        }
    }

    /** These limits with each unset (zero) field taken from {@code defaults}. */
    public Limits orDefaults(Limits defaults) {
        return new Limits(wallSeconds > 0 ? wallSeconds : defaults.wallSeconds,
                heapMb > 0 ? heapMb : defaults.heapMb,
                rssMb > 0 ? rssMb : defaults.rssMb,
                maxSteps > 0 ? maxSteps : defaults.maxSteps);
    }

    public Limits withWallSeconds(double v) {
        return new Limits(v, heapMb, rssMb, maxSteps);
    }

    public Limits withHeapMb(int v) {
        return new Limits(wallSeconds, v, rssMb, maxSteps);
    }

    public Limits withRssMb(int v) {
        return new Limits(wallSeconds, heapMb, v, maxSteps);
    }

    public Limits withMaxSteps(int v) {
        return new Limits(wallSeconds, heapMb, rssMb, v);
    }
}
