package archlab.agent.research.offline;

import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One concrete way to apply a design move to a parent: its arguments (which mixer, which kernel size, which
 * reference), a phrase for titles, and the intent its diff must show. {@code key} is the arguments in one
 * canonical string, so two variants are the same edit exactly when their keys are equal.
 */
record Variant(Map<String, String> args, String label, Intent intent) {
    Variant {
        args = java.util.Collections.unmodifiableMap(new TreeMap<>(args));
    }

    String key() {
        return args.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    String arg(String name) {
        String v = args.get(name);
        if (v == null) {
            throw new IllegalArgumentException("the variant " + key() + " has no argument '" + name + "'");
        }
        return v;
    }

    int intArg(String name) {
        return Integer.parseInt(arg(name));
    }
}
