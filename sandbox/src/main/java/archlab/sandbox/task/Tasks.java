package archlab.sandbox.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The task registry. Built-in tasks: {@code mqar}, {@code charlm} and {@code selective_copy}. Any other
 * name is looked up among the {@link TaskFactory} implementations that {@link ServiceLoader} finds.
 */
public final class Tasks {
    private Tasks() {}

    private record BuiltIn(String name, List<String> options, Function<Options, Task> make) {}

    private static final Map<String, BuiltIn> BUILT_INS = new LinkedHashMap<>();

    static {
        add(new BuiltIn(Mqar.NAME, List.of("vocab", "seq_len", "pairs", "power_a"), o -> new Mqar(
                o.integer("vocab", Mqar.DEFAULT_VOCAB),
                o.integer("seq_len", Mqar.DEFAULT_SEQ_LEN),
                o.integer("pairs", Mqar.DEFAULT_PAIRS),
                o.real("power_a", Mqar.DEFAULT_POWER_A))));
        add(new BuiltIn(CharLm.NAME, List.of("text", "seq_len", "split", "vocab"), o -> new CharLm(
                Path.of(o.required("text", "the path of a UTF-8 text file, such as text=data/tinyshakespeare.txt")),
                o.integer("seq_len", CharLm.DEFAULT_SEQ_LEN),
                o.real("split", CharLm.DEFAULT_SPLIT),
                o.integer("vocab", CharLm.DEFAULT_MAX_VOCAB))));
        add(new BuiltIn(SelectiveCopy.NAME, List.of("vocab", "seq_len", "tokens"), o -> new SelectiveCopy(
                o.integer("vocab", SelectiveCopy.DEFAULT_VOCAB),
                o.integer("seq_len", SelectiveCopy.DEFAULT_SEQ_LEN),
                o.integer("tokens", SelectiveCopy.DEFAULT_TOKENS))));
    }

    private static void add(BuiltIn b) {
        BUILT_INS.put(b.name(), b);
    }

    /** The built-in task names, in registry order. */
    public static List<String> builtInNames() {
        return List.copyOf(BUILT_INS.keySet());
    }

    /** The options a built-in task accepts. */
    public static List<String> options(String builtInName) {
        BuiltIn b = BUILT_INS.get(builtInName);
        if (b == null) {
            throw new IllegalArgumentException("unknown built-in task '" + builtInName + "'; built-in tasks: "
                    + String.join(", ", BUILT_INS.keySet()));
        }
        return b.options();
    }

    /** Every task name: the built-ins, then the names of the factories the context class loader finds. */
    public static List<String> names() {
        return names(Thread.currentThread().getContextClassLoader());
    }

    public static List<String> names(ClassLoader loader) {
        List<String> all = new ArrayList<>(BUILT_INS.keySet());
        TreeSet<String> plugins = new TreeSet<>();
        for (TaskFactory f : factories(loader, new ArrayList<>())) {
            if (!BUILT_INS.containsKey(f.name())) {
                plugins.add(f.name());
            }
        }
        all.addAll(plugins);
        return all;
    }

    /** The task {@code name} with {@code options}; user factories come from the context class loader. */
    public static Task create(String name, Map<String, String> options) {
        return create(name, options, Thread.currentThread().getContextClassLoader());
    }

    /**
     * The task {@code name} with {@code options} (null means none). Built-in names win; any other name
     * is looked up among the {@link TaskFactory} services that {@code loader} finds, the first with the
     * name winning.
     *
     * @throws IllegalArgumentException for an unknown name, an unknown option or a bad value
     */
    public static Task create(String name, Map<String, String> options, ClassLoader loader) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a task name is required; valid tasks: " + String.join(", ", names(loader)));
        }
        Map<String, String> opts = options == null ? Map.of() : options;
        BuiltIn b = BUILT_INS.get(name);
        if (b != null) {
            for (String key : opts.keySet()) {
                if (!b.options().contains(key)) {
                    throw new IllegalArgumentException("unknown option '" + key + "' for task " + name
                            + "; valid options: " + String.join(", ", b.options()));
                }
            }
            return b.make().apply(new Options(name, opts));
        }
        List<String> failures = new ArrayList<>();
        for (TaskFactory f : factories(loader, failures)) {
            if (name.equals(f.name())) {
                Task t = f.create(Collections.unmodifiableMap(new LinkedHashMap<>(opts)));
                if (t == null) {
                    throw new IllegalStateException("task factory " + f.getClass().getName() + " returned null for " + name);
                }
                return t;
            }
        }
        StringBuilder msg = new StringBuilder("unknown task '").append(name).append("'; valid tasks: ")
                .append(String.join(", ", names(loader)));
        if (!failures.isEmpty()) {
            msg.append(" (some task factories failed to load: ").append(String.join("; ", failures)).append(')');
        }
        throw new IllegalArgumentException(msg.toString());
    }

    /** The factories {@code loader} finds; a provider that fails to load is skipped and noted in {@code failures}. */
    private static List<TaskFactory> factories(ClassLoader loader, List<String> failures) {
        List<TaskFactory> out = new ArrayList<>();
        Iterator<TaskFactory> it = ServiceLoader.load(TaskFactory.class, loader).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                out.add(it.next());
            } catch (ServiceConfigurationError e) {
                failures.add(e.getMessage());
                if (failures.size() >= 20) {
                    break;
                }
            }
        }
        return out;
    }

    /** A built-in task's options, parsed with messages that name the task and the option. */
    private record Options(String task, Map<String, String> values) {
        String required(String key, String what) {
            String v = values.get(key);
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException("task " + task + " needs option '" + key + "': " + what);
            }
            return v.trim();
        }

        int integer(String key, int fallback) {
            String v = values.get(key);
            if (v == null) {
                return fallback;
            }
            try {
                return Integer.parseInt(v.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("task " + task + ": option '" + key + "' must be an integer, got '"
                        + v + "'");
            }
        }

        double real(String key, double fallback) {
            String v = values.get(key);
            if (v == null) {
                return fallback;
            }
            try {
                double d = Double.parseDouble(v.trim());
                if (!Double.isFinite(d)) {
                    throw new NumberFormatException();
                }
                return d;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("task " + task + ": option '" + key + "' must be a finite number, got '"
                        + v + "'");
            }
        }
    }
}
