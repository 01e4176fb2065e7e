package archlab.agent.llm;

import archlab.knowledge.store.LlmCall;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * API keys reach the provider and nothing else: not the ledger, not the log, not an exception, not a
 * toString, even when a provider echoes the key back in an error body.
 */
class SecretsTest extends WireMockLlmTest {

    @Test
    void theKeyIsSentToTheProviderButNeverStoredLoggedOrPrinted() {
        String echoed = "Incorrect API key provided: " + OPENAI_KEY + ". You can find your API key at"
                + " https://platform.openai.com/account/api-keys.";
        respond(OPENAI_PATH,
                status(500, Wire.openAiError(echoed, "server_error", null)),
                status(401, Wire.openAiError(echoed, "invalid_request_error", "invalid_api_key")),
                ok(Wire.openAiCompletion(OPENAI_MODEL, GOOD_HYPOTHESES, 800, 96)));
        LlmConfig config = openAi().build();
        LlmLayer llm = layer(config);

        PrintStream originalErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        LlmException refused;
        LlmReply reply;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            refused = catchThrowableOfType(LlmException.class, () -> llm.ask(hypotheses(Role.PLANNER)));
            reply = llm.ask(hypotheses(Role.PLANNER));
        } finally {
            System.setErr(originalErr);
        }
        String log = err.toString(StandardCharsets.UTF_8);

        assertThat(received(OPENAI_PATH)).allSatisfy(r ->
                assertThat(r.getHeader("Authorization")).isEqualTo("Bearer " + OPENAI_KEY));
        assertThat(refused.kind()).isEqualTo("refused");
        assertThat(refused.getMessage()).doesNotContain(OPENAI_KEY).contains("[$TEST_OPENAI_KEY]");
        assertThat(log).contains("retry 1 of 3").contains("[$TEST_OPENAI_KEY]").doesNotContain(OPENAI_KEY);

        List<LlmCall> rows = ledger();
        assertThat(rows).extracting(LlmCall::outcome).containsExactly("error", "refused", "ok");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.prompt()).doesNotContain(OPENAI_KEY);
            assertThat(String.valueOf(r.response())).doesNotContain(OPENAI_KEY);
            assertThat(r.toString()).doesNotContain(OPENAI_KEY);
        });
        assertThat(rows.get(1).response()).isEqualTo("HTTP 401: invalid_request_error: Incorrect API key provided:"
                + " [$TEST_OPENAI_KEY]. You can find your API key at https://platform.openai.com/account/api-keys.");

        assertThat(config.toString()).contains("TEST_OPENAI_KEY").doesNotContain(OPENAI_KEY);
        assertThat(llm.toString()).doesNotContain(OPENAI_KEY);
        assertThat(hypotheses(Role.PLANNER).toString()).doesNotContain(OPENAI_KEY);
        assertThat(reply.toString()).doesNotContain(OPENAI_KEY);
    }

    @Test
    void aMissingKeyVariableIsNamedWhenTheLayerIsBuilt() {
        LlmConfig config = openAi().build();
        config = config.toBuilder().defaults(config.defaults().toBuilder().apiKeyEnv("ARCHLAB_TEST_UNSET_KEY").build())
                .build();
        LlmConfig missing = config;

        IllegalArgumentException e = catchThrowableOfType(IllegalArgumentException.class,
                () -> Llms.builder(missing).ledger(store.llmCalls()).environment(ENV::get).build());

        assertThat(e).hasMessage("the environment variable ARCHLAB_TEST_UNSET_KEY (llm.api_key_env for role planner)"
                + " is not set; export it with the provider's API key");
    }

    @Test
    void shortPlaceholderKeysOfLocalServersAreNotTreatedAsSecrets() {
        Secrets secrets = new Secrets();
        secrets.add("VLLM_KEY", "EMPTY");
        secrets.add("OPENAI_API_KEY", OPENAI_KEY);

        assertThat(secrets.redact("EMPTY reply with " + OPENAI_KEY)).isEqualTo("EMPTY reply with [$OPENAI_API_KEY]");
        assertThat(secrets.toString()).doesNotContain(OPENAI_KEY);
    }
}
