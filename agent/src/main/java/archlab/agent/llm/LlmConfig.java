package archlab.agent.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code llm:} section of a campaign file: a default model, per-role overrides, and how the layer
 * around the models behaves (retries, circuit breaker, repairs, tool rounds, prices, budget, replay).
 * Build one with {@link #builder()} or parse it with {@link #fromYaml(String)}; errors name the key
 * ({@code llm.coder.temperature: ...}). docs/agents.md documents every key.
 */
public record LlmConfig(ModelSettings defaults, Map<Role, ModelSettings> roles, int retries, Backoff backoff,
                        Duration retryAfterCap, Breaker breaker, int repairs, int toolRounds, String prices,
                        Budget budget, boolean replay) {

    /** Exponential backoff with jitter between retries; {@code jitter} is the randomization factor (0..1). */
    public record Backoff(Duration initial, Duration max, double multiplier, double jitter) {
        public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 2.0, 0.5);
    }

    /** After {@code failures} consecutive failed calls a provider counts as down for {@code openFor}. */
    public record Breaker(int failures, Duration openFor) {
        public static final Breaker DEFAULT = new Breaker(5, Duration.ofMinutes(5));
    }

    /** Campaign-wide limits, checked before each call; null means no limit. Money is in the price table's unit (USD). */
    public record Budget(Long tokens, Double money) {
        public static final Budget NONE = new Budget(null, null);
    }

    public static final int DEFAULT_RETRIES = 3;
    public static final Duration DEFAULT_RETRY_AFTER_CAP = Duration.ofMinutes(2);
    public static final int DEFAULT_REPAIRS = 2;
    public static final int DEFAULT_TOOL_ROUNDS = 4;

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> MODEL_KEYS = Set.of("provider", "base_url", "model", "api_key_env",
            "temperature", "max_tokens", "timeout", "json_schema");
    private static final Set<String> LAYER_KEYS = Set.of("retries", "backoff", "retry_after_cap", "circuit_breaker",
            "repairs", "tool_rounds", "prices", "budget", "replay");

    public LlmConfig {
        Objects.requireNonNull(defaults, "defaults");
        roles = roles == null ? Map.of() : Map.copyOf(roles);
        backoff = backoff == null ? Backoff.DEFAULT : backoff;
        retryAfterCap = retryAfterCap == null ? DEFAULT_RETRY_AFTER_CAP : retryAfterCap;
        breaker = breaker == null ? Breaker.DEFAULT : breaker;
        budget = budget == null ? Budget.NONE : budget;
    }

    /** The settings a role's model is built from: its overrides over the defaults, every default filled in. */
    public ModelSettings forRole(Role role) {
        ModelSettings own = roles.get(role);
        return own == null ? defaults.resolved("llm") : own.over(defaults).resolved("llm." + role.id());
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder().defaults(defaults).retries(retries).backoff(backoff).retryAfterCap(retryAfterCap)
                .breaker(breaker).repairs(repairs).toolRounds(toolRounds).prices(prices).budget(budget).replay(replay);
        roles.forEach(b::role);
        return b;
    }

    /** Parses YAML text: either the section's content or a whole campaign file with an {@code llm:} key. */
    public static LlmConfig fromYaml(String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("llm: not valid YAML: " + e.getOriginalMessage(), e);
        }
        if (root != null && root.isObject() && root.has("llm")) {
            root = root.get("llm");
        }
        return fromYaml(root);
    }

    /** Reads the {@code llm:} section as the campaign issue's YAML parser hands it over. */
    public static LlmConfig fromYaml(JsonNode section) {
        if (section == null || section.isNull() || section.isMissingNode()) {
            throw new IllegalArgumentException("llm: the section is empty; at least llm.model is required");
        }
        expectObject(section, "llm");
        Set<String> known = new TreeSet<>(MODEL_KEYS);
        known.addAll(LAYER_KEYS);
        for (Role role : Role.values()) {
            known.add(role.id());
        }
        checkKeys(section, "llm", known);

        Builder b = builder().defaults(readModel(section, "llm"));
        for (Role role : Role.values()) {
            JsonNode r = section.get(role.id());
            if (r != null && !r.isNull()) {
                String path = "llm." + role.id();
                expectObject(r, path);
                checkKeys(r, path, MODEL_KEYS);
                b.role(role, readModel(r, path));
            }
        }
        if (section.has("retries")) {
            b.retries(integer(section.get("retries"), "llm.retries"));
        }
        JsonNode backoff = section.get("backoff");
        if (backoff != null && !backoff.isNull()) {
            expectObject(backoff, "llm.backoff");
            checkKeys(backoff, "llm.backoff", Set.of("initial", "max", "multiplier", "jitter"));
            Backoff d = Backoff.DEFAULT;
            b.backoff(new Backoff(
                    backoff.has("initial") ? duration(backoff.get("initial"), "llm.backoff.initial") : d.initial(),
                    backoff.has("max") ? duration(backoff.get("max"), "llm.backoff.max") : d.max(),
                    backoff.has("multiplier") ? number(backoff.get("multiplier"), "llm.backoff.multiplier")
                            : d.multiplier(),
                    backoff.has("jitter") ? number(backoff.get("jitter"), "llm.backoff.jitter") : d.jitter()));
        }
        if (section.has("retry_after_cap")) {
            b.retryAfterCap(duration(section.get("retry_after_cap"), "llm.retry_after_cap"));
        }
        JsonNode breaker = section.get("circuit_breaker");
        if (breaker != null && !breaker.isNull()) {
            expectObject(breaker, "llm.circuit_breaker");
            checkKeys(breaker, "llm.circuit_breaker", Set.of("failures", "open_for"));
            b.breaker(new Breaker(
                    breaker.has("failures") ? integer(breaker.get("failures"), "llm.circuit_breaker.failures")
                            : Breaker.DEFAULT.failures(),
                    breaker.has("open_for") ? duration(breaker.get("open_for"), "llm.circuit_breaker.open_for")
                            : Breaker.DEFAULT.openFor()));
        }
        if (section.has("repairs")) {
            b.repairs(integer(section.get("repairs"), "llm.repairs"));
        }
        if (section.has("tool_rounds")) {
            b.toolRounds(integer(section.get("tool_rounds"), "llm.tool_rounds"));
        }
        if (section.has("prices")) {
            b.prices(text(section.get("prices"), "llm.prices"));
        }
        JsonNode budget = section.get("budget");
        if (budget != null && !budget.isNull()) {
            expectObject(budget, "llm.budget");
            checkKeys(budget, "llm.budget", Set.of("tokens", "money"));
            b.budget(new Budget(budget.has("tokens") ? (long) integer(budget.get("tokens"), "llm.budget.tokens") : null,
                    budget.has("money") ? number(budget.get("money"), "llm.budget.money") : null));
        }
        if (section.has("replay")) {
            JsonNode replay = section.get("replay");
            if (!replay.isBoolean()) {
                throw new IllegalArgumentException("llm.replay: expected true or false, got " + replay);
            }
            b.replay(replay.booleanValue());
        }
        return b.build();
    }

    private static ModelSettings readModel(JsonNode node, String path) {
        ModelSettings.Builder m = ModelSettings.builder();
        if (node.has("api_key")) {
            throw new IllegalArgumentException(path + ".api_key: keys are never written in a campaign file;"
                    + " put the key in an environment variable and name it with " + path + ".api_key_env");
        }
        if (node.has("provider")) {
            String p = text(node.get("provider"), path + ".provider");
            try {
                m.provider(Provider.of(p));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(path + ".provider: " + e.getMessage(), e);
            }
        }
        if (node.has("base_url")) {
            m.baseUrl(text(node.get("base_url"), path + ".base_url"));
        }
        if (node.has("model")) {
            m.model(text(node.get("model"), path + ".model"));
        }
        if (node.has("api_key_env")) {
            m.apiKeyEnv(text(node.get("api_key_env"), path + ".api_key_env"));
        }
        if (node.has("temperature")) {
            m.temperature(number(node.get("temperature"), path + ".temperature"));
        }
        if (node.has("max_tokens")) {
            m.maxTokens(integer(node.get("max_tokens"), path + ".max_tokens"));
        }
        if (node.has("timeout")) {
            m.timeout(duration(node.get("timeout"), path + ".timeout"));
        }
        if (node.has("json_schema")) {
            JsonNode v = node.get("json_schema");
            if (!v.isBoolean()) {
                throw new IllegalArgumentException(path + ".json_schema: expected true or false, got " + v);
            }
            m.jsonSchema(v.booleanValue());
        }
        return m.build();
    }

    private static void expectObject(JsonNode node, String path) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(path + ": expected a map of keys, got " + node.getNodeType()
                    .toString().toLowerCase(Locale.ROOT));
        }
    }

    private static void checkKeys(JsonNode node, String path, Set<String> known) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key) && !key.equals("api_key")) {
                throw new IllegalArgumentException(path + "." + key + ": unknown key; known keys: "
                        + String.join(", ", new TreeSet<>(known)));
            }
        }
    }

    private static String text(JsonNode node, String path) {
        if (!node.isTextual() && !node.isNumber()) {
            throw new IllegalArgumentException(path + ": expected text, got " + node);
        }
        return node.asText();
    }

    private static double number(JsonNode node, String path) {
        if (!node.isNumber()) {
            throw new IllegalArgumentException(path + ": expected a number, got " + node);
        }
        return node.doubleValue();
    }

    private static int integer(JsonNode node, String path) {
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new IllegalArgumentException(path + ": expected a whole number, got " + node);
        }
        return node.intValue();
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

    /** {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h}, ISO-8601 ({@code PT30S}), or a number of seconds. */
    static Duration duration(JsonNode node, String path) {
        if (node.isNumber()) {
            return Duration.ofMillis(Math.round(node.doubleValue() * 1000));
        }
        String s = node.asText().trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(s);
        if (m.matches()) {
            double v = Double.parseDouble(m.group(1));
            double millis = switch (m.group(2)) {
                case "ms" -> v;
                case "s" -> v * 1_000;
                case "m" -> v * 60_000;
                default -> v * 3_600_000;
            };
            return Duration.ofMillis(Math.round(millis));
        }
        try {
            return Duration.parse(node.asText().trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(path + ": expected a duration such as 30s, 500ms, 2m or 1h, got "
                    + node.asText(), e);
        }
    }

    public static final class Builder {
        private ModelSettings defaults;
        private final Map<Role, ModelSettings> roles = new EnumMap<>(Role.class);
        private int retries = DEFAULT_RETRIES;
        private Backoff backoff = Backoff.DEFAULT;
        private Duration retryAfterCap = DEFAULT_RETRY_AFTER_CAP;
        private Breaker breaker = Breaker.DEFAULT;
        private int repairs = DEFAULT_REPAIRS;
        private int toolRounds = DEFAULT_TOOL_ROUNDS;
        private String prices;
        private Budget budget = Budget.NONE;
        private boolean replay = true;

        public Builder defaults(ModelSettings defaults) {
            this.defaults = defaults;
            return this;
        }

        public Builder role(Role role, ModelSettings overrides) {
            roles.put(role, overrides);
            return this;
        }

        /** Retries after the first attempt, for rate limits, server errors, timeouts and lost connections. */
        public Builder retries(int retries) {
            this.retries = retries;
            return this;
        }

        public Builder backoff(Backoff backoff) {
            this.backoff = backoff;
            return this;
        }

        /** The longest wait a server's {@code Retry-After} may impose before the next attempt. */
        public Builder retryAfterCap(Duration retryAfterCap) {
            this.retryAfterCap = retryAfterCap;
            return this;
        }

        public Builder breaker(Breaker breaker) {
            this.breaker = breaker;
            return this;
        }

        /** Repair prompts after an invalid reply before the request fails as {@code malformed}. */
        public Builder repairs(int repairs) {
            this.repairs = repairs;
            return this;
        }

        public Builder toolRounds(int toolRounds) {
            this.toolRounds = toolRounds;
            return this;
        }

        /** The price table file; null: the installation's {@code prices.yaml} (see {@link Prices#standard}). */
        public Builder prices(String prices) {
            this.prices = prices;
            return this;
        }

        public Builder budget(Budget budget) {
            this.budget = budget;
            return this;
        }

        public Builder replay(boolean replay) {
            this.replay = replay;
            return this;
        }

        public LlmConfig build() {
            if (defaults == null) {
                throw new IllegalArgumentException("llm.model: required (the default model for every role)");
            }
            defaults.validate("llm");
            if (defaults.model() == null) {
                throw new IllegalArgumentException("llm.model: required (the default model for every role)");
            }
            roles.forEach((role, s) -> s.validate("llm." + role.id()));
            List<String> problems = new ArrayList<>();
            if (retries < 0 || retries > 20) {
                problems.add("llm.retries: must be between 0 and 20, got " + retries);
            }
            if (backoff.initial().toMillis() < 1 || backoff.max().compareTo(backoff.initial()) < 0) {
                problems.add("llm.backoff: need 0 < initial <= max (at least 1ms), got initial " + backoff.initial()
                        + ", max " + backoff.max());
            }
            if (backoff.multiplier() < 1) {
                problems.add("llm.backoff.multiplier: must be at least 1, got " + backoff.multiplier());
            }
            if (backoff.jitter() < 0 || backoff.jitter() >= 1) {
                problems.add("llm.backoff.jitter: must be in [0, 1), got " + backoff.jitter());
            }
            if (retryAfterCap.isNegative()) {
                problems.add("llm.retry_after_cap: must not be negative, got " + retryAfterCap);
            }
            if (breaker.failures() < 1) {
                problems.add("llm.circuit_breaker.failures: must be at least 1, got " + breaker.failures());
            }
            if (breaker.openFor().isNegative() || breaker.openFor().isZero()) {
                problems.add("llm.circuit_breaker.open_for: must be positive, got " + breaker.openFor());
            }
            if (repairs < 0 || repairs > 10) {
                problems.add("llm.repairs: must be between 0 and 10, got " + repairs);
            }
            if (toolRounds < 0 || toolRounds > 20) {
                problems.add("llm.tool_rounds: must be between 0 and 20, got " + toolRounds);
            }
            if (prices != null && prices.isBlank()) {
                problems.add("llm.prices: must not be blank");
            }
            if (budget.tokens() != null && budget.tokens() < 0) {
                problems.add("llm.budget.tokens: must not be negative, got " + budget.tokens());
            }
            if (budget.money() != null && (budget.money().isNaN() || budget.money() < 0)) {
                problems.add("llm.budget.money: must not be negative, got " + budget.money());
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", problems));
            }
            LlmConfig config = new LlmConfig(defaults, roles, retries, backoff, retryAfterCap, breaker, repairs,
                    toolRounds, prices, budget, replay);
            for (Role role : Role.values()) {
                config.forRole(role); // every role must resolve to a complete model now, not at its first call
            }
            return config;
        }
    }
}
