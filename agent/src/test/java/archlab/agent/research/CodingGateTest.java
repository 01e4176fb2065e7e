package archlab.agent.research;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Store;
import archlab.sandbox.train.TrainConfig;
import archlab.sandbox.worker.Limits;
import archlab.sandbox.worker.Sandbox;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodingGateTest {
    /** A tiny MQAR setting: 32 ids, 16 positions, 2 pairs. */
    static final Map<String, String> TINY_MQAR = Map.of("vocab", "32", "seq_len", "16", "pairs", "2");

    static Sandbox sandbox;

    @TempDir
    Path dir;

    final ResearchContext context = Fixtures.context("cmp-1");
    final CodingGate checksOnly = new CodingGate(SmokeTrainer.SKIP, null);

    @BeforeAll
    static void startSandbox() {
        sandbox = Sandbox.builder().workers(1).threads(1).build();
    }

    @AfterAll
    static void closeSandbox() {
        sandbox.close();
    }

    static Proposal requiring(String names) {
        return new Proposal("t", "m", null, null, null, new Direction(Move.MUTATE, "", null),
                Map.of(CodingGate.REQUIRES, names));
    }

    @Test
    void aShapeErrorStopsAtCheckWithLineColumnOpShapesAndACaret() {
        CodingGate.Verdict v = checksOnly.check(context, Fixtures.convProposal(), Fixtures.CHILD_INVALID);

        assertThat(v.ok()).isFalse();
        assertThat(v.stage()).isEqualTo(CodingGate.CHECK);
        assertThat(v.definition()).isNull();
        assertThat(v.error()).isEqualTo("""
                candidate.arch:10:34: error [shape-mismatch]: '*' cannot broadcast [B, T, 16] with [B, 2, T, 8]: \
                dim -3 is B vs 2 (sizes must be equal, or one of them 1)
                    in block mixer, called at 14:13 from model
                  10 |     return linear(merge_heads(o) * q, d)
                     |                                  ^""");
    }

    @Test
    void aSyntaxErrorStopsAtParseAndCausalityAtCheck() {
        CodingGate.Verdict syntax = checksOnly.check(context, Fixtures.convProposal(), "model(tokens)\n    return tokens\n");
        assertThat(syntax.stage()).isEqualTo(CodingGate.PARSE);
        assertThat(syntax.error()).startsWith("candidate.arch:1:").contains("[syntax]");

        String peeking = Fixtures.CHILD_CONV.replace("o = linear_attention(q, k, v)",
                "o = softmax(q @ transpose(k)) @ v");
        CodingGate.Verdict causal = checksOnly.check(context, Fixtures.convProposal(), peeking);
        assertThat(causal.stage()).isEqualTo(CodingGate.CHECK);
        assertThat(causal.error()).contains("[non-causal]").contains("causal_mask");
    }

    @Test
    void theParentRenamedHasNotKeptTheIntent() {
        String renamed = Fixtures.PARENT.replace("arch tiny_la", "arch other").replace("h = x", "y = x")
                .replace("rmsnorm(h)", "rmsnorm(y)");

        CodingGate.Verdict v = checksOnly.check(context, Fixtures.convProposal(), renamed);

        assertThat(v.stage()).isEqualTo(CodingGate.INTENT);
        assertThat(v.error()).contains("computes exactly what its parent tiny_la computes");
    }

    @Test
    void requiredOpsAndBlocksAreLookedForInTheGraphAndInScanBodies() {
        assertThat(checksOnly.check(context, requiring("short_conv, conv1d, @, linear_attention"), Fixtures.CHILD_CONV)
                .ok()).isTrue();
        String delta = Fixtures.CHILD_CONV.replace("o = linear_attention(q, k, v)",
                "o = delta_rule(q, k, v, sigmoid(split_heads(linear(x, heads), heads)))");
        // squeeze only occurs inside delta_step, the body of the scan
        assertThat(checksOnly.check(context, requiring("delta_rule scan squeeze"), delta).ok()).isTrue();

        CodingGate.Verdict v = checksOnly.check(context, requiring("short_conv, sliding_window_attention"),
                Fixtures.CHILD_CONV);
        assertThat(v.stage()).isEqualTo(CodingGate.INTENT);
        assertThat(v.error()).contains("needs sliding_window_attention in the model")
                .contains("Ops present: ").contains("conv1d").contains("Blocks called: ").contains("short_conv");
    }

    @Test
    void aDefinitionAlreadyInTheCampaignIsADuplicate() {
        try (Store store = Store.openRunFolder(dir)) {
            Campaign c = store.campaigns().insert(Campaign.create("t", "", "llm"));
            store.experiments().insert(Experiment.builder("exp-old", c.id())
                    .hypothesis(archlab.knowledge.store.Hypothesis.titled("Convolved keys"))
                    .checkedDefinition(Fixtures.CHILD_CONV).status(ExperimentStatus.DONE).build());
            CodingGate gate = new CodingGate(SmokeTrainer.SKIP, new NoveltyGate(store.experiments(), null, 0.9));
            ResearchContext ctx = Fixtures.context(c.id());

            // the same computation, written differently
            String reformatted = Fixtures.CHILD_CONV.replace("o = linear_attention(q, k, v)", "out = linear_attention(q, k, v)")
                    .replace("merge_heads(o)", "merge_heads(out)");
            CodingGate.Verdict v = gate.check(ctx, Fixtures.convProposal(), reformatted);

            assertThat(v.stage()).isEqualTo(CodingGate.DUPLICATE);
            assertThat(v.error()).contains("experiment exp-old (\"Convolved keys\")");
            assertThat(gate.check(ctx, Fixtures.convProposal(), Fixtures.CHILD_CONV.replace("short_conv(linear(x, d))",
                    "short_conv(linear(x, d), 3)")).ok()).isTrue();
        }
    }

    @Test
    void aRunThatDivergesInTheSandboxFailsTheSmokeStage() {
        TrainConfig wild = TrainConfig.builder().steps(10).batchSize(8).learningRate(1e6).evalBatches(1).build();
        SmokeTrainer smoke = new SandboxSmokeTrainer(SandboxTraining.builder(sandbox, "mqar").options(TINY_MQAR)
                .config(wild).limits(Limits.UNSET.withWallSeconds(120)).threads(1).build());
        CodingGate gate = new CodingGate(smoke, null);

        CodingGate.Verdict v = gate.check(context, Fixtures.convProposal(), Fixtures.CHILD_CONV);

        assertThat(v.stage()).isEqualTo(CodingGate.SMOKE);
        assertThat(v.error()).startsWith("a short training run failed: diverged at step ");
        assertThat(v.definition()).isNotNull();
    }

    @Test
    void aHealthyTinyRunPassesTheSmokeStage() {
        SmokeTrainer smoke = SandboxSmokeTrainer.forTask(sandbox, "mqar", TINY_MQAR);

        assertThat(smoke.smoke(Fixtures.CHILD_CONV)).isEmpty();
        Optional<String> unknownTask = SandboxSmokeTrainer.forTask(sandbox, "no-such-task", Map.of())
                .smoke(Fixtures.CHILD_CONV);
        assertThat(unknownTask).hasValueSatisfying(s -> assertThat(s).startsWith("invalid_config").contains("no-such-task"));
    }

    @Test
    void smokeFailuresReadAsOneLine() {
        var f = new archlab.sandbox.train.Failure("diverged", "the training loss is NaN", "layer[0]/mixer: exp at 6:9",
                "train", 7, null);
        assertThat(SandboxSmokeTrainer.describe(f))
                .isEqualTo("diverged at step 7 in layer[0]/mixer: exp at 6:9: the training loss is NaN");
        var crash = new archlab.sandbox.train.Failure("crash", "the worker died", null, "worker", null,
                String.join("\n", List.of("a", "b", "c", "d", "e", "f", "SIGSEGV in libtorch")));
        assertThat(SandboxSmokeTrainer.describe(crash)).startsWith("crash during worker: the worker died\nlast worker output:\nc\n")
                .endsWith("SIGSEGV in libtorch");
    }
}
