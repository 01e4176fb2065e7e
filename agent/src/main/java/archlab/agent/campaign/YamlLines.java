package archlab.agent.campaign;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Where each value of a YAML document starts, by dotted path ({@code budget.experiments},
 * {@code stages[1].steps}), so that validation errors can name the line. Jackson's tree model drops
 * locations; its streaming parser has them, so one extra streaming pass recovers them.
 */
final class YamlLines {
    private final Map<String, Integer> lines;

    private YamlLines(Map<String, Integer> lines) {
        this.lines = lines;
    }

    static YamlLines of(String yaml) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = new YAMLFactory().createParser(yaml)) {
            // Each frame: the path of the container, and for arrays the next index.
            Deque<String> paths = new ArrayDeque<>();
            Deque<int[]> indexes = new ArrayDeque<>();
            String field = null;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME) {
                    field = p.currentName();
                    continue;
                }
                if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    paths.pop();
                    indexes.pop();
                    continue;
                }
                String path = paths.isEmpty() ? "" : child(paths.peek(), indexes.peek(), field);
                lines.putIfAbsent(path, p.currentTokenLocation().getLineNr());
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    paths.push(path);
                    indexes.push(new int[] {t == JsonToken.START_ARRAY ? 0 : -1});
                }
                field = null;
            }
        } catch (IOException | RuntimeException e) {
            // The caller parses the same text and reports the syntax error properly.
        }
        return new YamlLines(lines);
    }

    private static String child(String parent, int[] index, String field) {
        if (index[0] >= 0) {
            return parent + "[" + index[0]++ + "]";
        }
        return parent.isEmpty() ? field : parent + "." + field;
    }

    /** The line of {@code path}, or of its nearest ancestor that has one; 0 when unknown. */
    int line(String path) {
        String p = path;
        while (true) {
            Integer l = lines.get(p);
            if (l != null) {
                return l;
            }
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            if (cut <= 0) {
                return lines.getOrDefault("", 0);
            }
            p = p.substring(0, cut);
        }
    }
}
