package archlab.agent.llm;

import archlab.knowledge.store.LlmCall;
import archlab.knowledge.store.LlmCalls;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.TokenCountEstimator;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * The LLM layer: one {@link #ask} renders the prompt template, answers from the replay cache when it
 * can, checks the budget, calls the role's model through retries and the provider's circuit breaker,
 * runs the tool calls the model asks for, validates structured output and repairs it, and writes
 * every attempt to the {@code llm_call} ledger. Build one with {@link Llms}.
 */
public final class LlmLayer implements Llm {
    static final String OK = LlmCall.OUTCOME_OK;
    static final String TOOL_CALLS = "tool-calls";
    static final String MALFORMED = "malformed";
    static final String REJECTED = "rejected";
    static final String REPLAYED = "replayed";
    static final String BUDGET = "budget";
    static final String UNAVAILABLE = "unavailable";
    /** Outcomes whose stored reply is what the model answered: those the replay cache serves. */
    static final Set<String> ANSWERED = Set.of(OK, TOOL_CALLS, MALFORMED, REJECTED);

    private static final Logger LOG = LoggerFactory.getLogger(LlmLayer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A role's model, built once; roles with identical settings share it. */
    record RoleModel(Role role, ModelSettings settings, ChatModel chat, String provider) {
    }

    /** One request in progress. */
    private record Call(RoleModel model, String campaignId, String experimentId, JsonNode schema, String schemaName,
                        Toolbox tools) {
    }

    /** One answered exchange with the model: a fresh call, or a reply from the replay cache. */
    private record Exchange(String hash, String prompt, AiMessage reply, long tokensIn, long tokensOut, double cost,
                            long latencyMs, boolean replayed, boolean truncated) {
    }

    private record Timed(ChatResponse response, long latencyMs) {
    }

    private final LlmConfig config;
    private final LlmCalls ledger;
    private final String campaignId;
    private final Prompts prompts;
    private final Prices prices;
    private final Resilience resilience;
    private final Map<Role, RoleModel> models;
    private final Secrets secrets;
    private final TokenCountEstimator estimator;
    /** Answers shared with the user's other run folders; null when there is none. */
    private final ReplayCache replayCache;
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Set<String> unpriced = ConcurrentHashMap.newKeySet();
    private final AtomicLong localTokens = new AtomicLong();
    private final DoubleAdder localCost = new DoubleAdder();

    LlmLayer(LlmConfig config, LlmCalls ledger, String campaignId, Prompts prompts, Prices prices,
             Resilience resilience, Map<Role, RoleModel> models, Secrets secrets, TokenCountEstimator estimator,
             ReplayCache replayCache) {
        this.config = config;
        this.ledger = ledger;
        this.campaignId = campaignId;
        this.prompts = prompts;
        this.prices = prices;
        this.resilience = resilience;
        this.models = Map.copyOf(models);
        this.secrets = secrets;
        this.estimator = estimator;
        this.replayCache = replayCache;
    }

    @Override
    public String describe(Role role) {
        ModelSettings s = models.get(role).settings();
        return s.provider().id() + "/" + s.model();
    }

    /** Things a user should know that did not stop any call (a model missing from the price table). */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** When the role's provider is down, until when its LLM work is paused. */
    public Optional<Instant> pausedUntil(Role role) {
        return resilience.pausedUntil(models.get(role).provider());
    }

    @Override
    public LlmReply ask(LlmRequest request) throws LlmException {
        RoleModel model = models.get(request.role());
        Schema validator = request.schema() == null ? null : StructuredOutput.compile(request.schema());
        String prompt = prompts.render(request.prompt(), request.values());
        if (request.schema() != null) {
            prompt = prompt + "\n\n" + prompts.render("schema", Map.of("schema", pretty(request.schema())));
        }
        Call call = new Call(model, request.campaignId() != null ? request.campaignId() : campaignId,
                request.experimentId(), request.schema(), schemaName(request.prompt()), Toolbox.of(request.tools()));

        List<ChatMessage> messages = new ArrayList<>();
        messages.add(UserMessage.from(prompt));
        long tokensIn = 0;
        long tokensOut = 0;
        double cost = 0;
        boolean allReplayed = true;
        int repairs = 0;
        int toolRounds = 0;
        while (true) {
            Exchange ex = exchange(call, messages);
            tokensIn += ex.tokensIn();
            tokensOut += ex.tokensOut();
            cost += ex.cost();
            allReplayed &= ex.replayed();
            AiMessage ai = ex.reply();

            if (ai.hasToolExecutionRequests()) {
                record(call, ex, TOOL_CALLS);
                if (toolRounds >= config.toolRounds()) {
                    throw new LlmException(MALFORMED, label(call) + ": the model still asked for tools after "
                            + config.toolRounds() + " rounds (llm.tool_rounds) instead of answering");
                }
                toolRounds++;
                messages.add(ai);
                for (var toolCall : ai.toolExecutionRequests()) {
                    messages.add(call.tools().execute(toolCall));
                }
                continue;
            }

            String text = ai.text() == null ? "" : ai.text();
            JsonNode json = null;
            String problem = null;
            String outcome = OK;
            if (validator != null) {
                StructuredOutput.Parsed parsed = StructuredOutput.parse(text, validator);
                json = parsed.json();
                if (!parsed.ok()) {
                    problem = parsed.problem();
                    outcome = MALFORMED;
                }
            }
            LlmReply reply = new LlmReply(text, json, tokensIn, tokensOut, cost, allReplayed);
            if (problem == null) {
                Optional<String> rejected = request.check().problem(reply);
                if (rejected.isPresent()) {
                    problem = rejected.get();
                    outcome = REJECTED;
                }
            }
            if (problem != null && ex.truncated()) {
                // A reply cut off at max_tokens is malformed for a reason the model can act on.
                problem = "the reply was cut off at the token limit before it was complete; answer more briefly ("
                        + problem + ")";
            }
            record(call, ex, outcome);
            if (problem == null) {
                return reply;
            }
            if (repairs >= config.repairs()) {
                throw new LlmException(MALFORMED, label(call) + ": no usable reply after " + repairs
                        + " repair prompt(s) (llm.repairs); last problem: " + secrets.redact(problem));
            }
            repairs++;
            if (!text.isBlank()) {
                // Anthropic refuses an empty assistant turn; the repair prompt says the reply was empty.
                messages.add(AiMessage.from(text));
            }
            messages.add(UserMessage.from(prompts.render("repair", Map.of("error", problem))));
        }
    }

    private Exchange exchange(Call call, List<ChatMessage> messages) {
        ModelSettings s = call.model().settings();
        List<ToolSpecification> specs = call.tools().specifications();
        String hash = Transcript.hash(s, messages, call.schema(), specs);
        String prompt = secrets.redact(Transcript.text(messages));

        if (config.replay()) {
            for (LlmCall row : ledger.byPromptHash(hash)) {
                if (ANSWERED.contains(row.outcome())) {
                    return new Exchange(hash, prompt, Transcript.reply(row.response(), row.outcome().equals(TOOL_CALLS)),
                            0, 0, 0, 0, true, false);
                }
            }
            Optional<ReplayCache.Entry> shared = replayCache == null ? Optional.empty() : replayCache.find(hash);
            if (shared.isPresent() && ANSWERED.contains(shared.get().outcome())) {
                return new Exchange(hash, prompt, Transcript.reply(shared.get().response(),
                        shared.get().outcome().equals(TOOL_CALLS)), 0, 0, 0, 0, true, false);
            }
        }
        checkBudget(call, messages, specs, hash, prompt);

        ChatRequest.Builder request = ChatRequest.builder().messages(messages);
        if (!specs.isEmpty()) {
            request.toolSpecifications(specs);
        }
        if (call.schema() != null && s.jsonSchema()) {
            request.responseFormat(ResponseFormat.builder().type(ResponseFormatType.JSON)
                    .jsonSchema(JsonSchema.builder().name(call.schemaName())
                            .rootElement(JsonRawSchema.from(call.schema().toString())).build())
                    .build());
        }
        ChatRequest chatRequest = request.build();
        AtomicInteger attempts = new AtomicInteger();
        try {
            Timed timed = resilience.call(call.model().provider(), () -> {
                attempts.incrementAndGet();
                long start = System.nanoTime();
                try {
                    return new Timed(call.model().chat().chat(chatRequest), millisSince(start));
                } catch (RuntimeException e) {
                    insert(call, hash, prompt, secrets.redact(Failures.describe(e)), 0, 0, 0, millisSince(start),
                            Failures.kind(e).outcome);
                    throw e;
                }
            });
            TokenUsage usage = timed.response().tokenUsage();
            long in = usage == null || usage.inputTokenCount() == null ? 0 : usage.inputTokenCount();
            long out = usage == null || usage.outputTokenCount() == null ? 0 : usage.outputTokenCount();
            return new Exchange(hash, prompt, timed.response().aiMessage(), in, out, cost(s.model(), in, out),
                    timed.latencyMs(), false, timed.response().finishReason() == FinishReason.LENGTH);
        } catch (CallNotPermittedException e) {
            String message = secrets.redact(resilience.downMessage(call.model().provider(), e));
            insert(call, hash, prompt, message, 0, 0, 0, 0, UNAVAILABLE);
            throw new LlmException(UNAVAILABLE, label(call) + ": " + message, e);
        } catch (RuntimeException e) {
            Failures.Kind kind = Failures.kind(e);
            String message = label(call) + ": " + kind.outcome + " after " + attempts.get() + " attempt(s): "
                    + Failures.describe(e);
            throw new LlmException(kind.outcome, secrets.redact(message));
        }
    }

    private void checkBudget(Call call, List<ChatMessage> messages, List<ToolSpecification> specs, String hash,
                             String prompt) {
        LlmConfig.Budget budget = config.budget();
        if (budget.tokens() == null && budget.money() == null) {
            return;
        }
        ModelSettings s = call.model().settings();
        long in = estimator.estimateTokenCountInMessages(messages);
        for (ToolSpecification spec : specs) {
            in += estimator.estimateTokenCountInText(spec.name() + " " + spec.description() + " " + spec.parameters());
        }
        long out = s.maxTokens();
        long spentTokens;
        double spentMoney;
        if (call.campaignId() != null) {
            LlmCalls.Spend spend = ledger.spend(call.campaignId());
            spentTokens = spend.tokensIn() + spend.tokensOut();
            spentMoney = spend.cost();
        } else {
            spentTokens = localTokens.get();
            spentMoney = localCost.sum();
        }
        String problem = null;
        if (budget.tokens() != null && spentTokens + in + out > budget.tokens()) {
            problem = String.format(Locale.ROOT, "token budget exhausted: %,d of %,d tokens spent, and this call may"
                    + " take %,d more (about %,d of prompt + max_tokens %,d)", spentTokens, budget.tokens(),
                    in + out, in, out);
        }
        Optional<Prices.Price> price = prices.find(s.model());
        if (problem == null && budget.money() != null && price.isPresent()
                && spentMoney + price.get().cost(in, out) > budget.money()) {
            problem = String.format(Locale.ROOT, "money budget exhausted: $%.4f of $%.4f spent, and this call may"
                    + " cost up to $%.4f more", spentMoney, budget.money(), price.get().cost(in, out));
        }
        if (problem != null) {
            insert(call, hash, prompt, problem, 0, 0, 0, 0, BUDGET);
            throw new LlmException(BUDGET, label(call) + ": " + problem + "; no call was made");
        }
    }

    private void record(Call call, Exchange ex, String outcome) {
        String response = secrets.redact(Transcript.response(ex.reply()));
        if (ex.replayed()) {
            insert(call, ex.hash(), ex.prompt(), response, 0, 0, 0, 0, REPLAYED);
        } else {
            insert(call, ex.hash(), ex.prompt(), response, ex.tokensIn(), ex.tokensOut(), ex.cost(), ex.latencyMs(),
                    outcome);
            if (replayCache != null && config.replay() && ANSWERED.contains(outcome)) {
                replayCache.put(ex.hash(), new ReplayCache.Entry(outcome, response)).ifPresent(problem -> {
                    if (warnings.size() < 20 && !warnings.contains(problem)) {
                        warnings.add(problem);
                        LOG.warn(problem);
                    }
                });
            }
        }
    }

    private void insert(Call call, String hash, String prompt, String response, long in, long out, double cost,
                        long latencyMs, String outcome) {
        ModelSettings s = call.model().settings();
        ledger.insert(new LlmCall(null, call.campaignId(), call.experimentId(), call.model().role().id(),
                s.provider().id(), s.model(), hash, prompt, response, in, out, cost, latencyMs, outcome, null));
        localTokens.addAndGet(in + out);
        localCost.add(cost);
    }

    private double cost(String model, long in, long out) {
        Optional<Prices.Price> price = prices.find(model);
        if (price.isEmpty()) {
            if (unpriced.add(model)) {
                String warning = "no price for model '" + model + "' in " + prices.source()
                        + ": its calls are recorded at cost 0 and the money budget cannot limit them";
                warnings.add(warning);
                LOG.warn(warning);
            }
            return 0;
        }
        return price.get().cost(in, out);
    }

    private String label(Call call) {
        return call.model().role().id() + " (" + describe(call.model().role()) + ")";
    }

    private static String schemaName(String promptName) {
        String name = promptName.replaceAll("[^a-zA-Z0-9_-]", "_");
        return name.length() > 64 ? name.substring(0, 64) : name;
    }

    private static String pretty(JsonNode schema) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(schema);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot print the request's schema", e);
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Override
    public String toString() {
        return "LlmLayer[" + String.join(", ", models.keySet().stream().map(r -> r.id() + "=" + describe(r)).toList())
                + "]";
    }
}
