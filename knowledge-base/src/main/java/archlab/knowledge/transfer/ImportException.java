package archlab.knowledge.transfer;

import java.util.List;

/**
 * An import refused, and nothing imported. {@link #problems()} lists what is wrong, each as
 * {@code FILE:LINE: reason} (or {@code FILE: reason} for the file as a whole), at most
 * {@value JsonlImport#MAX_REPORTED} of them; {@link #total()} counts them all.
 */
public class ImportException extends Exception {
    private final List<String> problems;
    private final int total;

    public ImportException(List<String> problems, int total) {
        super(render(problems, total));
        this.problems = List.copyOf(problems);
        this.total = total;
    }

    public List<String> problems() {
        return problems;
    }

    public int total() {
        return total;
    }

    private static String render(List<String> problems, int total) {
        StringBuilder s = new StringBuilder(String.join("\n", problems));
        if (total > problems.size()) {
            s.append("\n... and ").append(total - problems.size()).append(" more");
        }
        return s.toString();
    }
}
