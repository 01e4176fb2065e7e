package archlab.agent.research.offline;

import archlab.agent.research.ResearchPolicy;
import archlab.agent.research.SmokeTrainer;
import archlab.tools.ResearchTools;
import java.util.Objects;

/**
 * The research policy that runs with no LLM: a symbolic planner over a catalogue of design moves, a coder
 * that applies them to the syntax tree and runs the gates, and a rule-based analyst (docs/offline-policy.md).
 * It has no judge.
 *
 * <pre>{@code
 * ResearchPolicy offline = OfflinePolicy.builder(tools).smokeTrainer(smoke).seed(7).build();
 * Direction d = offline.planner().direct(context, Move.REFINE);
 * }</pre>
 */
public final class OfflinePolicy {
    public static final String NAME = "offline";

    private OfflinePolicy() {
    }

    /** The offline policy with the default attempt limit (3). */
    public static ResearchPolicy create(ResearchTools tools, SmokeTrainer smoke, long seed) {
        return builder(tools).smokeTrainer(smoke).seed(seed).build();
    }

    public static Builder builder(ResearchTools tools) {
        return new Builder(tools);
    }

    /** Configures the offline policy; only the tools are required. */
    public static final class Builder {
        private final ResearchTools tools;
        private SmokeTrainer smoke = SmokeTrainer.SKIP;
        private long seed = 0;
        private int maxAttempts = 3;

        private Builder(ResearchTools tools) {
            this.tools = Objects.requireNonNull(tools, "tools");
        }

        /** The coder's last gate (default: none, every definition passes). */
        public Builder smokeTrainer(SmokeTrainer s) {
            this.smoke = Objects.requireNonNull(s, "smokeTrainer");
            return this;
        }

        /** The planner's draws depend on this seed, the node and the move only. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Coding attempts per proposal, each a further variant of its design move (default 3). */
        public Builder maxAttempts(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, got " + n);
            }
            this.maxAttempts = n;
            return this;
        }

        public ResearchPolicy build() {
            return new ResearchPolicy(NAME, new OfflinePlanner(tools, seed), new OfflineCoder(tools, smoke, maxAttempts),
                    new OfflineAnalyst(tools), null);
        }
    }
}
