package archlab.agent.research.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.agent.llm.LlmException;
import archlab.agent.llm.Role;
import archlab.agent.research.Coding;
import archlab.agent.research.CodingAttempt;
import archlab.agent.research.CodingGate;
import archlab.agent.research.CodingInterruptedException;
import archlab.agent.research.Fixtures;
import archlab.agent.research.ResearchContext;
import archlab.agent.research.ScriptedLlm;
import archlab.agent.research.SmokeTrainer;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LlmCoderTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String LANGUAGE = LlmPolicy.readLanguageReference(ScriptedLlm.promptsFolder());

    final ResearchContext context = Fixtures.context("cmp-1");
    final ScriptedLlm llm = new ScriptedLlm();
    final List<String> smoked = new ArrayList<>();
    final SmokeTrainer smoke = d -> {
        smoked.add(d);
        return Optional.empty();
    };

    LlmCoder coder(SmokeTrainer s, int attempts) {
        return new LlmCoder(llm, new CodingGate(s, null), ContextRendering.defaults(), LANGUAGE, attempts);
    }

    static String reply(String definition) {
        return JSON.createObjectNode().put("definition", definition).put("notes", "n").toString();
    }

    @Test
    void anInvalidFirstDefinitionIsRepairedWithTheErrorQuotedVerbatim() {
        llm.reply("coder-write", reply(Fixtures.CHILD_INVALID)).reply("coder-repair", reply(Fixtures.CHILD_CONV));

        Coding c = coder(smoke, 3).code(context, Fixtures.convProposal());

        assertThat(c.ok()).isTrue();
        assertThat(c.definition()).isEqualTo(Fixtures.CHILD_CONV);
        assertThat(c.attempts()).extracting(CodingAttempt::number, CodingAttempt::stage)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "check"),
                        org.assertj.core.groups.Tuple.tuple(2, "ok"));
        CodingAttempt first = c.attempts().get(0);
        assertThat(first.definition()).isEqualTo(Fixtures.CHILD_INVALID);
        assertThat(first.error()).startsWith("candidate.arch:10:34: error [shape-mismatch]: '*' cannot broadcast "
                + "[B, T, 16] with [B, 2, T, 8]");
        assertThat(smoked).containsExactly(Fixtures.CHILD_CONV); // only the valid one was trained

        // The write prompt: the language reference, the hypothesis, the parent and the paper's archlab code.
        String write = llm.calls("coder-write").get(0).prompt();
        assertThat(llm.calls("coder-write").get(0).request().role()).isEqualTo(Role.CODER);
        assertThat(write).contains("THE ARCHLAB MODEL-DEFINITION LANGUAGE (cheat sheet)")
                .contains("Title: Short conv on q and k")
                .contains("Motivation: Sharper keys from local context should improve recall")
                .contains("The definition must contain: short_conv")
                .contains("q = elu1(split_heads(linear(x, d), heads))")
                .contains("In archlab:\nq = split_heads(short_conv(linear(x, d)), heads)");
        // The repair prompt: the error verbatim, with line, op and shapes, and the numbered definition.
        String repair = llm.calls("coder-repair").get(0).prompt();
        assertThat(repair).contains("This was\nattempt 1 of 3. It stopped at the stage \"check\"")
                .contains(first.error())
                .contains("in block mixer, called at 14:13 from model")
                .contains("  10 |     return linear(merge_heads(o) * q, d)\n     |                                  ^")
                .contains("10 |     return linear(merge_heads(o) * q, d)")
                .contains(" 1 | arch tiny_la_conv")
                .contains("## The parent's definition");
    }

    @Test
    void aDefinitionThatNeverBecomesValidStopsAtTheBoundWithEveryAttemptRecorded() {
        llm.reply("coder-write", reply(Fixtures.CHILD_INVALID))
           .reply("coder-repair", reply(Fixtures.CHILD_INVALID))
           .reply("coder-repair", reply("arch broken\nmodel(tokens)\n    return tokens\n"));

        Coding c = coder(smoke, 3).code(context, Fixtures.convProposal());

        assertThat(c.ok()).isFalse();
        assertThat(c.definition()).isNull();
        assertThat(c.attempts()).extracting(CodingAttempt::stage).containsExactly("check", "check", "parse");
        assertThat(c.attempts().get(2).error()).contains("candidate.arch:2:").contains("[syntax]");
        assertThat(llm.calls()).hasSize(3);
        assertThat(llm.calls("coder-repair").get(1).prompt()).contains("attempt 2 of 3");
        assertThat(smoked).isEmpty();
    }

    @Test
    void theBoundIsConfigurable() {
        llm.reply("coder-write", reply(Fixtures.CHILD_INVALID));

        Coding c = coder(smoke, 1).code(context, Fixtures.convProposal());

        assertThat(c.attempts()).hasSize(1);
        assertThat(llm.calls()).hasSize(1);
        assertThatThrownBy(() -> coder(smoke, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxAttempts must be at least 1");
    }

    @Test
    void aBlankDefinitionIsAnAttemptThatIsRepaired() {
        llm.reply("coder-write", reply("  ")).reply("coder-repair", reply("```archlab\n" + Fixtures.CHILD_CONV + "```"));

        Coding c = coder(smoke, 3).code(context, Fixtures.convProposal());

        assertThat(c.attempts()).extracting(CodingAttempt::stage).containsExactly("parse", "ok");
        assertThat(c.attempts().get(0).error()).startsWith("the definition is empty");
        assertThat(llm.calls("coder-repair").get(0).prompt()).contains("(empty)");
        assertThat(c.definition()).isEqualTo(Fixtures.CHILD_CONV); // the Markdown fence was taken off
    }

    @Test
    void theParentAgainFailsIntentAndMissingRequiredBlocksToo() {
        llm.reply("coder-write", reply(Fixtures.PARENT.replace("h = x", "y = x").replace("rmsnorm(h)", "rmsnorm(y)")))
           .reply("coder-repair", reply(Fixtures.CHILD_SOFTMAX))
           .reply("coder-repair", reply(Fixtures.CHILD_CONV));

        Coding c = coder(smoke, 3).code(context, Fixtures.convProposal());

        assertThat(c.attempts()).extracting(CodingAttempt::stage).containsExactly("intent", "intent", "ok");
        assertThat(c.attempts().get(0).error()).contains("computes exactly what its parent tiny_la computes");
        assertThat(c.attempts().get(1).error()).contains("needs short_conv in the model")
                .contains("Blocks called: ").contains("softmax_attention");
        assertThat(llm.calls("coder-repair").get(0).prompt()).contains("stopped at the stage \"intent\"");
    }

    @Test
    void aSmokeFailureGoesBackWithItsStep() {
        SmokeTrainer diverging = d -> smoked.isEmpty() && smoked.add(d)
                ? Optional.of("diverged at step 7 in layer[0]/mixer: exp at 6:9: the training loss is NaN")
                : Optional.empty();
        llm.reply("coder-write", reply(Fixtures.CHILD_CONV))
           .reply("coder-repair", reply(Fixtures.CHILD_CONV.replace("linear_attention", "taylor_attention")));

        Coding c = coder(diverging, 3).code(context, Fixtures.convProposal());

        assertThat(c.attempts()).extracting(CodingAttempt::stage).containsExactly("smoke", "ok");
        assertThat(llm.calls("coder-repair").get(0).prompt())
                .contains("a short training run failed: diverged at step 7 in layer[0]/mixer: exp at 6:9");
    }

    @Test
    void aCoderThatCannotAskAnyMoreKeepsItsAttempts() {
        llm.reply("coder-write", reply(Fixtures.CHILD_INVALID))
           .fail("coder-repair", new LlmException("budget", "the campaign's token budget is spent"));

        assertThatThrownBy(() -> coder(smoke, 3).code(context, Fixtures.convProposal()))
                .isInstanceOfSatisfying(CodingInterruptedException.class, e -> {
                    assertThat(e.kind()).isEqualTo("budget");
                    assertThat(e.partial().ok()).isFalse();
                    assertThat(e.partial().attempts()).extracting(CodingAttempt::stage).containsExactly("check");
                    assertThat(e.getMessage()).contains("stopped after 1 attempt(s): the campaign's token budget");
                });
    }
}
