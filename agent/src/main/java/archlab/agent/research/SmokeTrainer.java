package archlab.agent.research;

import java.util.Optional;

/**
 * The coder's last gate: a short training run in the sandbox. Returns the failure as text the coder
 * can act on (kind, message, step), or empty when the definition trained without trouble.
 */
@FunctionalInterface
public interface SmokeTrainer {
    Optional<String> smoke(String definition);

    /** For policies run where no sandbox is wanted (tabular benchmarks): every definition passes. */
    SmokeTrainer SKIP = d -> Optional.empty();
}
