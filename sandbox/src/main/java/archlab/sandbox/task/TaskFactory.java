package archlab.sandbox.task;

import java.util.Map;

/**
 * Makes a user-defined task. Implementations are found with {@link java.util.ServiceLoader}: list the
 * class name in {@code META-INF/services/archlab.sandbox.task.TaskFactory} on the class path, and
 * {@link Tasks#create(String, Map)} finds it by {@link #name()} when no built-in task has that name.
 * The class needs a public no-argument constructor.
 */
public interface TaskFactory {
    /** The registry name, such as {@code copy_reverse}; built-in names take precedence. */
    String name();

    /**
     * A task for these options (never null, possibly empty). Throw {@link IllegalArgumentException}
     * with a clear message for an unknown option or a bad value.
     */
    Task create(Map<String, String> options);
}
