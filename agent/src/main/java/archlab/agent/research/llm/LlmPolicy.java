package archlab.agent.research.llm;

import archlab.agent.llm.Llm;
import archlab.agent.llm.Role;
import archlab.agent.research.CodingGate;
import archlab.agent.research.ResearchPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The research policy on language models: {@link LlmPlanner}, {@link LlmCoder}, {@link LlmAnalyst}
 * and, unless turned off, {@link LlmJudge}, all asking through one {@link Llm} (which picks each
 * role's model). Its name is {@code llm:<planner model>}.
 *
 * <pre>{@code
 * CodingGate gate = new CodingGate(SandboxSmokeTrainer.forTask(sandbox, "mqar", options), novelty);
 * ResearchPolicy policy = LlmPolicy.builder(llm, gate)
 *         .languageReference(LlmPolicy.readLanguageReference(Path.of("prompts")))
 *         .maxAttempts(3)
 *         .build();
 * }</pre>
 */
public final class LlmPolicy {
    /** The prompt file the coder gets as its language reference, in the prompts folder. */
    public static final String LANGUAGE_REFERENCE = "language-cheatsheet.txt";

    private LlmPolicy() {
    }

    /** The policy with the defaults: 3 coding attempts, default section caps, one reask, a judge. */
    public static ResearchPolicy create(Llm llm, CodingGate gate, String languageReference) {
        return builder(llm, gate).languageReference(languageReference).build();
    }

    public static Builder builder(Llm llm, CodingGate gate) {
        return new Builder(llm, gate);
    }

    /** The coder's language reference: {@value #LANGUAGE_REFERENCE} in {@code promptsDir}. */
    public static String readLanguageReference(Path promptsDir) {
        Path file = promptsDir.resolve(LANGUAGE_REFERENCE);
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the coder's language reference " + file
                    + " (it ships in the repository's prompts/ folder): " + e.getMessage(), e);
        }
    }

    public static final class Builder {
        private final Llm llm;
        private final CodingGate gate;
        private String languageReference;
        private int maxAttempts = LlmCoder.DEFAULT_MAX_ATTEMPTS;
        private int reasks = 1;
        private boolean judge = true;
        private ContextRendering rendering = ContextRendering.defaults();

        private Builder(Llm llm, CodingGate gate) {
            this.llm = Objects.requireNonNull(llm, "llm");
            this.gate = Objects.requireNonNull(gate, "gate");
        }

        /** The text of {@code prompts/language-cheatsheet.txt} ({@link #readLanguageReference}); required. */
        public Builder languageReference(String v) {
            languageReference = v;
            return this;
        }

        /** Definitions the coder tries per hypothesis; default 3. */
        public Builder maxAttempts(int v) {
            maxAttempts = v;
            return this;
        }

        /** How many times a semantically empty planner, analyst or judge reply is asked again; default 1. */
        public Builder reasks(int v) {
            reasks = v;
            return this;
        }

        /** Whether the policy has a judge; default true. */
        public Builder judge(boolean v) {
            judge = v;
            return this;
        }

        /** How contexts become prompt sections; default {@link ContextRendering#defaults()}. */
        public Builder rendering(ContextRendering v) {
            rendering = Objects.requireNonNull(v, "rendering");
            return this;
        }

        public ResearchPolicy build() {
            return new ResearchPolicy("llm:" + llm.describe(Role.PLANNER),
                    new LlmPlanner(llm, rendering, reasks),
                    new LlmCoder(llm, gate, rendering, languageReference, maxAttempts),
                    new LlmAnalyst(llm, rendering, reasks),
                    judge ? new LlmJudge(llm, rendering, reasks) : null);
        }
    }
}
