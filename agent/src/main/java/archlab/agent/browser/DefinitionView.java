package archlab.agent.browser;

import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.DefinitionDiff;
import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.Patch;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A definition as a person reads it: highlighted source, and what changed against the parent, both
 * line by line (java-diff-utils) and in terms of the graph of ops ({@link ModelDefinition#diff}).
 */
final class DefinitionView {
    /** The language's keywords (the sandbox's lexer keeps its own list; these are the same words). */
    private static final Set<String> KEYWORDS = Set.of("arch", "param", "block", "model", "return", "repeat", "scan",
            "true", "false");
    private static final Pattern TOKEN = Pattern.compile(
            "(?<comment>#.*)|(?<number>\\b\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?\\b)|(?<word>[A-Za-z_][A-Za-z0-9_]*)(?<call>\\s*\\()?"
                    + "|(?<string>\"[^\"]*\"|'[^']*')");

    private DefinitionView() {
    }

    /**
     * The source as HTML, one {@code span.line} per line, tokens in {@code span.k} (keyword),
     * {@code span.c} (comment), {@code span.n} (number), {@code span.f} (a call), {@code span.s} (string).
     * Only our language is coloured; other languages are shown plain.
     */
    static String highlight(String source, boolean ours) {
        StringBuilder h = new StringBuilder("<pre class=\"code\" id=\"definition\"><code>");
        if (source == null) {
            return h.append("</code></pre>").toString();
        }
        for (String line : source.split("\n", -1)) {
            h.append("<span class=\"line\">");
            if (!ours) {
                h.append(Html.esc(line));
            } else {
                Matcher m = TOKEN.matcher(line);
                int at = 0;
                while (m.find()) {
                    h.append(Html.esc(line.substring(at, m.start())));
                    if (m.group("comment") != null) {
                        span(h, "c", m.group());
                    } else if (m.group("number") != null) {
                        span(h, "n", m.group());
                    } else if (m.group("string") != null) {
                        span(h, "s", m.group());
                    } else {
                        String w = m.group("word");
                        if (KEYWORDS.contains(w)) {
                            span(h, "k", w);
                        } else if (m.group("call") != null) {
                            span(h, "f", w);
                        } else {
                            h.append(Html.esc(w));
                        }
                        if (m.group("call") != null) {
                            h.append(Html.esc(m.group("call")));
                        }
                    }
                    at = m.end();
                }
                h.append(Html.esc(line.substring(at)));
            }
            h.append("</span>\n");
        }
        return h.append("</code></pre>").toString();
    }

    private static void span(StringBuilder h, String cls, String text) {
        h.append("<span class=\"").append(cls).append("\">").append(Html.esc(text)).append("</span>");
    }

    /** The unified line diff from {@code before} to {@code after} (three lines of context); empty when equal. */
    static List<String> lineDiff(String before, String after, String beforeName, String afterName) {
        List<String> a = before == null ? List.of() : List.of(before.split("\n", -1));
        List<String> b = after == null ? List.of() : List.of(after.split("\n", -1));
        Patch<String> patch = DiffUtils.diff(a, b);
        if (patch.getDeltas().isEmpty()) {
            return List.of();
        }
        return UnifiedDiffUtils.generateUnifiedDiff(beforeName, afterName, a, patch, 3);
    }

    static String lineDiffHtml(List<String> diff) {
        StringBuilder h = new StringBuilder("<pre class=\"diff\" id=\"diff\"><code>");
        for (String line : diff) {
            String cls = line.startsWith("+++") || line.startsWith("---") ? "file"
                    : line.startsWith("@@") ? "hunk" : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "ctx";
            h.append("<span class=\"").append(cls).append("\">").append(Html.esc(line)).append("</span>\n");
        }
        return h.append("</code></pre>").toString();
    }

    /**
     * The change in the graph of ops, one line each ({@code ~ layer[*]/mixer: sigmoid → tanh ...}),
     * or why it cannot be computed (a definition that does not check).
     */
    static List<String> structuralDiff(String before, String after) {
        List<String> out = new ArrayList<>();
        try {
            ModelDefinition a = ModelDefinition.parse(before, "parent.arch");
            ModelDefinition b = ModelDefinition.parse(after, "this.arch");
            DefinitionDiff d = ModelDefinition.diff(a, b);
            for (DefinitionDiff.Change c : d.changes()) {
                out.add(c.render());
            }
            if (out.isEmpty()) {
                out.add("the same graph of ops");
            }
        } catch (Exception e) {
            out.add("no graph diff: " + firstLine(e.getMessage()));
        }
        return out;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "a definition does not check";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
