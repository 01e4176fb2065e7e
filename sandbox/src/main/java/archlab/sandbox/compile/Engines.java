package archlab.sandbox.compile;

import ai.djl.engine.Engine;

/**
 * Starts DJL's PyTorch engine offline. The settings must be in place before the first call into
 * DJL, and some are read only once per process, which is one reason each evaluation gets its own
 * worker process. See docs/sandbox.md (and shared/notes/djl.md for how they were found).
 */
public final class Engines {
    private static volatile Engine engine;

    private Engines() {
    }

    /**
     * The PyTorch engine, started with {@code threads} intra-op threads on first use. Later calls
     * return the same engine whatever they ask for: the thread count is fixed per process.
     */
    public static Engine pytorch(int threads) {
        if (engine == null) {
            synchronized (Engines.class) {
                if (engine == null) {
                    setDefault("ai.djl.offline", "true");
                    setDefault("OPT_OUT_TRACKING", "true");
                    setDefault("ai.djl.default_engine", "PyTorch");
                    setDefault("PYTORCH_VERSION", "2.7.1");
                    setDefault("PYTORCH_FLAVOR", "cpu");
                    setDefault("ai.djl.pytorch.num_threads", Integer.toString(threads));
                    setDefault("ai.djl.pytorch.num_interop_threads", "1");
                    engine = Engine.getEngine("PyTorch");
                }
            }
        }
        return engine;
    }

    /** The thread count the engine runs with in this process. */
    public static int threads() {
        return Integer.parseInt(System.getProperty("ai.djl.pytorch.num_threads", "1"));
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null && System.getenv(key) == null) {
            System.setProperty(key, value);
        }
    }
}
