package archlab.agent.campaign;

import archlab.sandbox.task.Tasks;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates a campaign file. Every problem is collected, not just the first, and each names
 * {@code file:line}, the field's dotted path, what was expected and what was found. Unknown fields
 * are errors: a misspelt {@code budgte:} must not silently run a campaign without a budget.
 */
public final class CampaignFile {
    private static final Set<String> TOP = Set.of("name", "description", "seed", "task", "tasks", "baseline", "seeds",
            "budget", "policy", "llm", "search", "stages", "workers", "executor", "output", "store", "schedule");
    private static final Set<String> EXECUTOR = Set.of("type", "partition", "account", "time", "cpus", "memory", "gres",
            "sbatch_flags", "setup", "max_in_flight", "retries", "poll");
    /** Slurm's time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
    private static final Pattern SLURM_TIME = Pattern.compile("\\d+(:\\d{1,2}){0,2}|\\d+-\\d{1,2}(:\\d{1,2}){0,2}|UNLIMITED|INFINITE");
    private static final Pattern SLURM_MEMORY = Pattern.compile("\\d+[KMGT]?");
    private static final Pattern SLURM_WORD = Pattern.compile("[A-Za-z0-9_.,:+-]+");
    /** sbatch options the executor sets itself. */
    private static final Set<String> OWN_FLAGS = Set.of("--job-name", "-J", "--parsable", "--wrap");
    private static final Set<String> BUDGET = Set.of("experiments", "wall_clock", "tokens", "money");
    private static final Set<String> STAGE = Set.of("name", "steps", "seeds", "batch_size", "params", "promote");
    private static final Set<String> PROMOTE = Set.of("top", "min_fitness");
    private static final Set<String> TASK = Set.of("name", "options");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(s|m|h|d)");
    private static final int MAX_WORKERS = 256;

    private final Path file;
    private final YamlLines lines;
    private final List<String> problems = new ArrayList<>();

    private CampaignFile(Path file, YamlLines lines) {
        this.file = file;
        this.lines = lines;
    }

    /** Reads {@code file}; definitions it names are resolved against its folder. */
    public static CampaignConfig load(Path file) throws CampaignConfigException {
        String text;
        try {
            if (Files.exists(file) && !Files.isRegularFile(file)) {
                throw new CampaignConfigException(List.of(file + ": not a regular file"));
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CampaignConfigException(List.of(file + ": no such campaign file"));
        } catch (IOException e) {
            throw new CampaignConfigException(List.of(file + ": cannot read: " + e.getMessage()));
        }
        return parse(text, file);
    }

    /** Validates campaign text as if it were the file {@code file}. */
    public static CampaignConfig parse(String text, Path file) throws CampaignConfigException {
        // The YAML parser's time grows with the square of flow nesting ({a: {a: ...}} 20,000 deep took
        // minutes), so hostile shapes are refused before it sees them; a real campaign file is a few KB.
        if (text.length() > MAX_CHARS) {
            throw new CampaignConfigException(List.of(file + ": the campaign file is " + text.length()
                    + " characters; at most " + MAX_CHARS + " are read"));
        }
        int[] deep = flowNesting(text);
        if (deep[0] > MAX_FLOW_NESTING) {
            throw new CampaignConfigException(List.of(file + ":" + deep[1] + ": [ ] and { } nest more than "
                    + MAX_FLOW_NESTING + " deep"));
        }
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(text);
        } catch (JacksonException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new CampaignConfigException(List.of(file + ":" + line + ": not valid YAML: " + e.getOriginalMessage()));
        }
        CampaignFile f = new CampaignFile(file, YamlLines.of(text));
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new CampaignConfigException(List.of(file + ": the campaign file is empty"));
        }
        if (!root.isObject()) {
            throw new CampaignConfigException(List.of(file + ":1: a campaign file is a mapping of fields (name:, task:, ...)"));
        }
        CampaignConfig config = f.read((ObjectNode) root);
        if (!f.problems.isEmpty()) {
            throw new CampaignConfigException(f.problems);
        }
        return config;
    }

    /**
     * The campaign file as a run folder keeps it: the same fields with the baseline and seed
     * definitions inlined ({@code {source: ...}}), so that resuming from the run folder needs nothing
     * outside it, even if the original files change or move. Call it on text that validated.
     */
    public static String frozen(CampaignConfig config, String text) throws CampaignConfigException {
        try {
            YAMLMapper yaml = new YAMLMapper();
            ObjectNode root = (ObjectNode) yaml.readTree(text);
            root.set("baseline", inline(root, config.baseline()));
            if (root.has("seeds")) {
                com.fasterxml.jackson.databind.node.ArrayNode seeds = root.putArray("seeds");
                for (CampaignConfig.Definition d : config.seeds()) {
                    seeds.add(inline(root, d));
                }
            }
            return "# The campaign file this run was started with, definitions inlined (archlab resume reads it).\n"
                    + yaml.writeValueAsString(root).replaceFirst("^---\\s*\n", "");
        } catch (IOException | ClassCastException e) {
            throw new CampaignConfigException(List.of("cannot freeze the campaign file: " + e.getMessage()));
        }
    }

    private static ObjectNode inline(ObjectNode root, CampaignConfig.Definition d) {
        ObjectNode o = root.objectNode();
        o.put("source", d.source());
        // Where it came from stays part of the campaign: the baseline's and the seeds' titles name it, and
        // titles reach the agents' context, so a resumed or replayed campaign must see the same words.
        if (d.origin() != null && !"inline".equals(d.origin())) {
            o.put("origin", d.origin());
        }
        return o;
    }

    private CampaignConfig read(ObjectNode root) {
        unknown(root, "", TOP);
        String name = text(root, "name", true);
        if (name != null && !NAME.matcher(name).matches()) {
            problem("name", "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (it names the run folder), was \"" + name + "\"");
        }
        String description = text(root, "description", false);
        long seed = root.has("seed") ? integer(root, "seed", 0, Long.MAX_VALUE) : 0;

        List<CampaignConfig.TaskSpec> tasks = tasks(root);
        CampaignConfig.Definition baseline = root.has("baseline") ? definition(root.get("baseline"), "baseline") : null;
        if (!root.has("baseline")) {
            problem("baseline", "is required: the fixed architecture that fitness is measured against");
        }
        List<CampaignConfig.Definition> seeds = new ArrayList<>();
        if (root.has("seeds")) {
            JsonNode s = root.get("seeds");
            if (!s.isArray() || s.isEmpty()) {
                problem("seeds", "must be a non-empty list of definitions (paths or {source: ...})");
            } else {
                for (int i = 0; i < s.size(); i++) {
                    CampaignConfig.Definition d = definition(s.get(i), "seeds[" + i + "]");
                    if (d != null) {
                        seeds.add(d);
                    }
                }
            }
        } else if (baseline != null) {
            seeds.add(baseline);
        }
        CampaignConfig.Budget budget = budget(root);
        String policy = root.has("policy") ? text(root, "policy", true) : CampaignConfig.OFFLINE;
        JsonNode llm = root.get("llm");
        if (policy != null && !policy.equals(CampaignConfig.OFFLINE) && !policy.equals(CampaignConfig.LLM)) {
            problem("policy", "must be offline or llm, was \"" + policy + "\"");
        }
        if (CampaignConfig.LLM.equals(policy) && (llm == null || !llm.isObject())) {
            problem("llm", "is required when policy is llm: the provider and model per role (docs/agents.md)");
        }
        if (llm != null && !llm.isObject()) {
            problem("llm", "must be a mapping (provider, model, roles...)");
        }
        String strategy = "mcts";
        JsonNode search = root.get("search");
        if (search != null) {
            if (!search.isObject()) {
                problem("search", "must be a mapping with strategy: and its constants");
            } else if (search.has("strategy")) {
                strategy = text(search, "search", "strategy", true);
            }
        }
        List<CampaignConfig.Stage> stages = stages(root);
        int workers = root.has("workers") ? (int) integer(root, "workers", 1, MAX_WORKERS) : 1;
        Path output = Path.of("runs");
        if (root.has("output")) {
            String o = text(root, "output", true);
            if (o != null) {
                output = Path.of(o);
            }
        }
        String store = text(root, "store", false);
        if (store != null && !store.startsWith("jdbc:postgresql:") && !store.startsWith("jdbc:h2:")) {
            problem("store", "must be a jdbc:postgresql:// or jdbc:h2: URL, was \"" + store + "\"");
        }
        SlurmSettings slurm = executor(root, store);
        // Deterministic by default when the budget counts experiments: then the same file and seed give the same
        // experiments whatever the machine's load (docs/campaigns.md, "Reproducing a campaign").
        String schedule = budget != null && budget.experiments() != null ? CampaignConfig.DETERMINISTIC
                : CampaignConfig.FREE;
        if (root.has("schedule")) {
            String s = text(root, "schedule", true);
            if (s != null && !s.equals(CampaignConfig.DETERMINISTIC) && !s.equals(CampaignConfig.FREE)) {
                problem("schedule", "must be deterministic (results are applied in the order their runs started) or"
                        + " free (in the order they finish), was \"" + s + "\"");
            } else if (s != null) {
                schedule = s;
            }
        }
        if (!problems.isEmpty()) {
            return null;
        }
        return new CampaignConfig(name, description, seed, tasks, baseline, seeds, budget, policy,
                CampaignConfig.LLM.equals(policy) ? llm : null, strategy, search, stages, workers, output, store, slurm,
                schedule);
    }

    /**
     * The {@code executor:} section: {@code local} (the default; {@code workers:} sizes it) or
     * {@code {type: slurm, ...}}, whose settings are returned. Slurm jobs write their results to the
     * store from other machines, so a Slurm campaign needs a store they can reach: PostgreSQL, or an H2
     * server ({@code jdbc:h2:tcp://}); the run folder's H2 file is served on loopback only.
     */
    private SlurmSettings executor(ObjectNode root, String store) {
        JsonNode e = root.get("executor");
        if (e == null || e.isTextual() && e.asText().equals("local")) {
            return null;
        }
        if (e.isTextual() && e.asText().equals("slurm")) {
            e = root.objectNode().put("type", "slurm");
        } else if (!e.isObject()) {
            problem("executor", "must be local, slurm, or a mapping such as {type: slurm, partition: gpu, gres: gpu:1}");
            return null;
        }
        unknown(e, "executor", EXECUTOR);
        String type = text(e, "executor", "type", true);
        if (type == null) {
            return null;
        }
        if (type.equals("local")) {
            if (e.size() > 1) {
                problem("executor", "the local executor takes no settings here; size it with workers:");
            }
            return null;
        }
        if (!type.equals("slurm")) {
            problem("executor.type", "must be local or slurm, was \"" + type + "\"");
            return null;
        }
        if (root.has("workers")) {
            problem("workers", "sizes the local executor; with executor slurm give executor.max_in_flight");
        }
        if (store == null) {
            problem("executor", "slurm needs a store the cluster's nodes can reach: add store: jdbc:postgresql://HOST/DB?user=..."
                    + " (the run folder's own H2 file is served on this machine's loopback only; docs/scale-out.md)");
        } else if (store.startsWith("jdbc:h2:") && !store.startsWith("jdbc:h2:tcp:") && !store.startsWith("jdbc:h2:ssl:")) {
            problem("store", "slurm jobs write their results from other machines, so the store must be a server they can"
                    + " reach: jdbc:postgresql://... or an H2 server (jdbc:h2:tcp://HOST/...), not \"" + store + "\"");
        }
        SlurmSettings.Builder b = SlurmSettings.builder();
        b.partition(slurmWord(e, "partition"));
        b.account(slurmWord(e, "account"));
        b.gres(slurmWord(e, "gres"));
        String time = text(e, "executor", "time", false);
        if (time != null && !SLURM_TIME.matcher(time).matches()) {
            problem("executor.time", "must be a Slurm time limit such as 30, 00:10:00 or 1-12:00:00, was \"" + time + "\"");
        }
        b.time(time);
        String memory = text(e, "executor", "memory", false);
        if (memory != null && !SLURM_MEMORY.matcher(memory).matches()) {
            problem("executor.memory", "must be a Slurm memory size such as 2G or 500M, was \"" + memory + "\"");
        }
        b.memory(memory);
        if (e.has("cpus")) {
            b.cpus((int) integer(e, "executor", "cpus", 1, 1024));
        }
        if (e.has("max_in_flight")) {
            b.maxInFlight((int) integer(e, "executor", "max_in_flight", 1, 10_000));
        }
        if (e.has("retries")) {
            b.retries((int) integer(e, "executor", "retries", 0, 100));
        }
        if (e.has("poll")) {
            Duration poll = duration(e.get("poll"), "executor.poll");
            if (poll != null && poll.toMillis() < 500) {
                problem("executor.poll", "must be at least 0.5s: the controller is asked once per poll");
            } else if (poll != null) {
                b.poll(poll);
            }
        }
        List<String> flags = strings(e, "sbatch_flags");
        for (int i = 0; i < flags.size(); i++) {
            String f = flags.get(i);
            String option = f.contains("=") ? f.substring(0, f.indexOf('=')) : f;
            if (!f.startsWith("-")) {
                problem("executor.sbatch_flags[" + i + "]", "must be an sbatch option such as --qos=long, was \"" + f + "\"");
            } else if (OWN_FLAGS.contains(option)) {
                problem("executor.sbatch_flags[" + i + "]", option + " is set by archlab itself (it names and tracks each job)");
            }
        }
        b.sbatchFlags(flags);
        b.setup(strings(e, "setup"));
        return b.build();
    }

    private String slurmWord(JsonNode e, String field) {
        String v = text(e, "executor", field, false);
        if (v != null && !SLURM_WORD.matcher(v).matches()) {
            problem("executor." + field, "must be a Slurm name such as gpu or gpu:1 (letters, digits, _ . , : + -), was \""
                    + v + "\"");
            return null;
        }
        return v;
    }

    private List<String> strings(JsonNode e, String field) {
        List<String> out = new ArrayList<>();
        JsonNode list = e.get(field);
        if (list == null) {
            return out;
        }
        if (!list.isArray()) {
            problem("executor." + field, "must be a list of text");
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            if (!list.get(i).isTextual() || list.get(i).asText().isBlank()) {
                problem("executor." + field + "[" + i + "]", "must be non-empty text, was " + list.get(i));
            } else {
                out.add(list.get(i).asText());
            }
        }
        return out;
    }

    private List<CampaignConfig.TaskSpec> tasks(ObjectNode root) {
        List<CampaignConfig.TaskSpec> tasks = new ArrayList<>();
        if (root.has("task") && root.has("tasks")) {
            problem("tasks", "give either task: or tasks:, not both");
            return tasks;
        }
        if (root.has("task")) {
            CampaignConfig.TaskSpec t = task(root.get("task"), "task");
            if (t != null) {
                tasks.add(t);
            }
        } else if (root.has("tasks")) {
            JsonNode list = root.get("tasks");
            if (!list.isArray() || list.isEmpty()) {
                problem("tasks", "must be a non-empty list of tasks");
            } else {
                for (int i = 0; i < list.size(); i++) {
                    CampaignConfig.TaskSpec t = task(list.get(i), "tasks[" + i + "]");
                    if (t != null) {
                        tasks.add(t);
                    }
                }
            }
        } else {
            problem("task", "is required: a task name such as mqar, or {name: mqar, options: {...}}");
        }
        return tasks;
    }

    private CampaignConfig.TaskSpec task(JsonNode node, String path) {
        String name;
        Map<String, String> options = new LinkedHashMap<>();
        if (node.isTextual()) {
            name = node.asText();
        } else if (node.isObject()) {
            unknown(node, path, TASK);
            name = text(node, path, "name", true);
            JsonNode o = node.get("options");
            if (o != null) {
                if (!o.isObject()) {
                    problem(path + ".options", "must be a mapping of option: value");
                } else {
                    Iterator<Map.Entry<String, JsonNode>> it = o.fields();
                    while (it.hasNext()) {
                        Map.Entry<String, JsonNode> e = it.next();
                        if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                            problem(path + ".options." + e.getKey(), "must be a number or a word");
                        } else {
                            options.put(e.getKey(), e.getValue().asText());
                        }
                    }
                }
            }
        } else {
            problem(path, "must be a task name or {name: ..., options: {...}}");
            return null;
        }
        if (name == null) {
            return null;
        }
        List<String> known = Tasks.names();
        if (!known.contains(name)) {
            problem(path, "unknown task \"" + name + "\"; known tasks: " + String.join(", ", known));
            return null;
        }
        try {
            // Creating the task validates its options with the task's own messages.
            Tasks.create(name, options);
        } catch (RuntimeException e) {
            problem(path + ".options", e.getMessage());
            return null;
        }
        return new CampaignConfig.TaskSpec(name, options);
    }

    private CampaignConfig.Definition definition(JsonNode node, String path) {
        if (node.isTextual()) {
            Path p = resolve(node.asText());
            try {
                // Only a regular file of sane size: /dev/zero or a FIFO would hang the loader.
                if (Files.exists(p) && !Files.isRegularFile(p)) {
                    problem(path, "cannot read definition " + p + ": not a regular file");
                    return null;
                }
                if (Files.exists(p) && Files.size(p) > MAX_DEFINITION_BYTES) {
                    problem(path, "cannot read definition " + p + ": " + Files.size(p) + " bytes; a definition has at"
                            + " most " + MAX_DEFINITION_BYTES);
                    return null;
                }
                return new CampaignConfig.Definition(Files.readString(p, StandardCharsets.UTF_8), node.asText());
            } catch (IOException e) {
                problem(path, "cannot read definition " + p + (e instanceof NoSuchFileException ? ": no such file" : ": " + e.getMessage()));
                return null;
            }
        }
        boolean origin = node.isObject() && node.has("origin") && node.get("origin").isTextual();
        if (node.isObject() && node.has("source") && node.get("source").isTextual() && node.size() == (origin ? 2 : 1)) {
            return new CampaignConfig.Definition(node.get("source").asText(),
                    origin ? node.get("origin").asText() : "inline");
        }
        problem(path, "must be a path to a .arch file or {source: |-...} (with an optional origin: naming where it"
                + " came from)");
        return null;
    }

    private Path resolve(String name) {
        Path p = Path.of(name);
        if (p.isAbsolute()) {
            return p;
        }
        Path beside = file.toAbsolutePath().getParent() == null ? p : file.toAbsolutePath().getParent().resolve(p);
        // Relative to the campaign file first, then to the working folder (the repository root in the README).
        return Files.exists(beside) ? beside : p.toAbsolutePath();
    }

    private CampaignConfig.Budget budget(ObjectNode root) {
        JsonNode b = root.get("budget");
        if (b == null) {
            problem("budget", "is required: at least one of experiments, wall_clock, tokens, money, so that a campaign ends");
            return null;
        }
        if (!b.isObject()) {
            problem("budget", "must be a mapping (experiments, wall_clock, tokens, money)");
            return null;
        }
        unknown(b, "budget", BUDGET);
        Integer experiments = b.has("experiments") ? (int) integer(b, "budget", "experiments", 1, 10_000_000) : null;
        Duration wall = b.has("wall_clock") ? duration(b.get("wall_clock"), "budget.wall_clock") : null;
        Long tokens = b.has("tokens") ? integer(b, "budget", "tokens", 0, Long.MAX_VALUE) : null;
        Double money = null;
        if (b.has("money")) {
            JsonNode m = b.get("money");
            if (!m.isNumber() || m.asDouble() < 0 || !Double.isFinite(m.asDouble())) {
                problem("budget.money", "must be a non-negative amount in the price table's currency, was " + m);
            } else {
                money = m.asDouble();
            }
        }
        if (experiments == null && wall == null && tokens == null && money == null && problems.isEmpty()) {
            problem("budget", "sets no limit; give experiments, wall_clock, tokens or money");
        }
        return new CampaignConfig.Budget(experiments, wall, tokens, money);
    }

    private Duration duration(JsonNode node, String path) {
        if (node.isNumber() && node.asDouble() > 0) {
            return Duration.ofMillis((long) (node.asDouble() * 1000));
        }
        Optional<Duration> d = node.isTextual() ? parseDuration(node.asText()) : Optional.empty();
        if (d.isPresent()) {
            return d.get();
        }
        problem(path, "must be a positive duration such as 90s, 10m, 2h or 3d, was " + node);
        return null;
    }

    static final int MAX_CHARS = 4 << 20;
    static final long MAX_DEFINITION_BYTES = 1 << 20;
    static final int MAX_FLOW_NESTING = 64;

    /** The deepest nesting of flow collections outside quotes and comments, and the line it is reached on. */
    static int[] flowNesting(String text) {
        int depth = 0;
        int max = 0;
        int maxLine = 1;
        int line = 1;
        char quote = 0;
        boolean comment = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
                comment = false;
                continue;
            }
            if (comment) {
                continue;
            }
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"') {
                    i++;
                }
                continue;
            }
            switch (c) {
                case '"', '\'' -> quote = c;
                case '#' -> comment = i == 0 || Character.isWhitespace(text.charAt(i - 1));
                case '[', '{' -> {
                    depth++;
                    if (depth > max) {
                        max = depth;
                        maxLine = line;
                    }
                }
                case ']', '}' -> depth = Math.max(0, depth - 1);
                default -> {
                }
            }
        }
        return new int[] {max, maxLine};
    }

    /** A positive duration written as in campaign files ({@code 90s}, {@code 10m}, {@code 2h}, {@code 3d}). */
    public static Optional<Duration> parseDuration(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.trim());
        if (!m.matches() || Double.parseDouble(m.group(1)) <= 0) {
            return Optional.empty();
        }
        double v = Double.parseDouble(m.group(1));
        double seconds = switch (m.group(2)) {
            case "s" -> v;
            case "m" -> v * 60;
            case "h" -> v * 3600;
            default -> v * 86400;
        };
        return Optional.of(Duration.ofMillis((long) (seconds * 1000)));
    }

    private List<CampaignConfig.Stage> stages(ObjectNode root) {
        List<CampaignConfig.Stage> stages = new ArrayList<>();
        JsonNode list = root.get("stages");
        if (list == null) {
            stages.add(new CampaignConfig.Stage("explore", 0, 1, 0, Map.of(), null));
            return stages;
        }
        if (!list.isArray() || list.isEmpty()) {
            problem("stages", "must be a non-empty list of fidelity stages");
            return stages;
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "stages[" + i + "]";
            JsonNode s = list.get(i);
            if (!s.isObject()) {
                problem(path, "must be a mapping (name, steps, seeds, params, promote)");
                continue;
            }
            unknown(s, path, STAGE);
            String name = text(s, path, "name", true);
            if (name != null && !names.add(name)) {
                problem(path + ".name", "repeats the stage name \"" + name + "\"");
            }
            int steps = s.has("steps") ? (int) integer(s, path, "steps", 1, 10_000_000) : 0;
            int seeds = s.has("seeds") ? (int) integer(s, path, "seeds", 1, 100) : 1;
            int batch = s.has("batch_size") ? (int) integer(s, path, "batch_size", 1, 65_536) : 0;
            Map<String, Integer> params = new LinkedHashMap<>();
            JsonNode p = s.get("params");
            if (p != null) {
                if (!p.isObject()) {
                    problem(path + ".params", "must be a mapping of param: integer");
                } else {
                    Iterator<Map.Entry<String, JsonNode>> it = p.fields();
                    while (it.hasNext()) {
                        Map.Entry<String, JsonNode> e = it.next();
                        if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber() || e.getValue().asInt() < 1) {
                            problem(path + ".params." + e.getKey(), "must be a positive integer, was " + e.getValue());
                        } else {
                            params.put(e.getKey(), e.getValue().asInt());
                        }
                    }
                }
            }
            CampaignConfig.Promotion promote = null;
            JsonNode pr = s.get("promote");
            if (pr != null) {
                if (i == 0) {
                    problem(path + ".promote", "the first stage has no earlier stage to promote from");
                } else if (!pr.isObject()) {
                    problem(path + ".promote", "must be a mapping such as {top: 3}");
                } else {
                    unknown(pr, path + ".promote", PROMOTE);
                    int top = pr.has("top") ? (int) integer(pr, path + ".promote", "top", 1, 1_000_000) : 0;
                    Double min = pr.has("min_fitness") ? pr.get("min_fitness").asDouble() : null;
                    if (top == 0 && min == null) {
                        problem(path + ".promote", "needs top: or min_fitness:");
                    }
                    promote = new CampaignConfig.Promotion(top, min);
                }
            } else if (i > 0) {
                problem(path + ".promote", "is required for a later stage: which results of " + "the stage before go on, such as {top: 3}");
            }
            stages.add(new CampaignConfig.Stage(name, steps, seeds, batch, params, promote));
        }
        return stages;
    }

    private void unknown(JsonNode node, String path, Set<String> allowed) {
        Iterator<String> it = node.fieldNames();
        while (it.hasNext()) {
            String f = it.next();
            if (!allowed.contains(f)) {
                String where = path.isEmpty() ? f : path + "." + f;
                problem(where, "is not a known field here; expected one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
            }
        }
    }

    private String text(JsonNode node, String field, boolean required) {
        return text(node, "", field, required);
    }

    private String text(JsonNode node, String parent, String field, boolean required) {
        String path = parent.isEmpty() ? field : parent + "." + field;
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                problem(path, "is required");
            }
            return null;
        }
        if (!v.isTextual() && !v.isNumber()) {
            problem(path, "must be text, was " + v);
            return null;
        }
        String s = v.asText().trim();
        if (s.isEmpty() && required) {
            problem(path, "must not be empty");
            return null;
        }
        return s;
    }

    private long integer(JsonNode node, String field, long min, long max) {
        return integer(node, "", field, min, max);
    }

    private long integer(JsonNode node, String parent, String field, long min, long max) {
        String path = parent.isEmpty() ? field : parent + "." + field;
        JsonNode v = node.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            problem(path, "must be an integer from " + min + " to " + max + ", was " + v);
            return min;
        }
        return v.asLong();
    }

    private void problem(String path, String message) {
        problems.add(file + ":" + lines.line(path) + ": " + path + ": " + message);
    }
}
