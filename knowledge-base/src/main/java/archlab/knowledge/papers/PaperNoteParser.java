package archlab.knowledge.papers;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads one paper note. The format (see {@code knowledge-base/papers/README.md}):
 *
 * <pre>
 * ---
 * title: Zoology: Measuring and Improving Recall in Efficient Language Models
 * authors: Simran Arora, Sabri Eyuboglu, ...
 * year: 2023
 * arxiv: 2312.04927          (optional)
 * tags: [recall, linear-attention]
 * ---
 * ## Insight
 * ...
 * ## When to try
 * - one failure pattern per bullet
 * ## Idea
 * ...
 * ## In archlab
 * a ```archlab code block, or "No definition: this is a method note."
 * </pre>
 *
 * The front matter is YAML (Jackson), one {@code key: value} per line; {@code title} and {@code authors} need no
 * quotes even when they contain ': ' (see {@link #quoteFreeText}); {@code authors} may be a comma-separated
 * string or a list. The four sections are required, once each, in this order; other {@code ##} headings are
 * errors, {@code ###} and deeper are content. Every error is a {@link PaperNoteException} naming the file and
 * the line. This is the format {@code scripts/check-paper-notes.sh} checks, read a little more leniently
 * (indented fences, {@code arxiv} versions, any tags); the tag vocabulary is that script's concern.
 */
public final class PaperNoteParser {

    /** The section headings, in the order the format lists them. */
    public static final List<String> SECTIONS = List.of("Insight", "When to try", "Idea", "In archlab");

    /** The sentence that marks a method note, one without a definition. */
    public static final String METHOD_NOTE = "No definition: this is a method note.";

    private static final List<String> KEYS = List.of("title", "authors", "year", "arxiv", "tags");
    private static final Pattern ARXIV = Pattern.compile("\\d{4}\\.\\d{4,5}(v\\d+)?|[a-z-]+(\\.[A-Z]{2})?/\\d{7}(v\\d+)?");
    private static final Pattern FENCE = Pattern.compile("^\\s*(```+|~~~+)\\s*([A-Za-z0-9_+-]*)\\s*$");
    private static final Pattern FREE_TEXT = Pattern.compile("^(title|authors):[ \\t]+(.*)$");
    private static final Pattern BULLET = Pattern.compile("^\\s*[-*+]\\s+(.*)$");

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private PaperNoteParser() {
    }

    /** The front matter as YAML binds it; {@code arxiv} is a string so that 2401.10200 keeps its last zero. */
    static final class FrontMatter {
        public String title;
        public JsonNode authors;
        public JsonNode year;
        public String arxiv;
        public JsonNode tags;
    }

    /**
     * Parses one note.
     *
     * @param text the file's content
     * @param file the name to show in errors, such as {@code knowledge-base/papers/zoology.md}
     * @param slug the note's slug (its file name without {@code .md})
     * @throws PaperNoteException when the note does not follow the format
     */
    public static PaperNote parse(String text, String file, String slug) {
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        String[] lines = text.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
        if (lines.length == 0 || !lines[0].strip().equals("---")) {
            throw new PaperNoteException(file, 1, "expected '---' on the first line to open the front matter (title,"
                    + " authors, year, arxiv, tags)");
        }
        int close = -1;
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].strip().equals("---")) {
                close = i;
                break;
            }
        }
        if (close < 0) {
            throw new PaperNoteException(file, 1, "the front matter opened here is never closed by a '---' line");
        }
        FrontMatter fm = readFrontMatter(lines, close, file);
        String title = requireText(fm.title, "title", lines, close, file);
        List<String> authors = authors(fm.authors, lines, close, file);
        int year = year(fm.year, lines, close, file);
        String arxiv = arxiv(fm.arxiv, lines, close, file);
        List<String> tags = tags(fm.tags, lines, close, file);

        Map<String, Section> sections = sections(lines, close + 1, file);
        Section insight = sections.get("Insight");
        Section when = sections.get("When to try");
        Section idea = sections.get("Idea");
        Section inArchlab = sections.get("In archlab");
        List<String> symptoms = bullets(when, lines, file);
        String code = archlabCode(inArchlab, lines, file);
        return new PaperNote(slug, title, authors, year, arxiv, tags, insight.text(lines), symptoms, idea.text(lines),
                inArchlab.text(lines), code);
    }

    private static FrontMatter readFrontMatter(String[] lines, int close, String file) {
        StringBuilder yaml = new StringBuilder();
        for (int i = 1; i < close; i++) {
            yaml.append(quoteFreeText(lines[i])).append('\n');
        }
        if (yaml.toString().isBlank()) {
            throw new PaperNoteException(file, 1, "the front matter is empty; it needs title, authors, year and tags");
        }
        try {
            FrontMatter fm = YAML.readValue(yaml.toString(), FrontMatter.class);
            if (fm == null) {
                throw new PaperNoteException(file, 2, "the front matter is empty; it needs title, authors, year and tags");
            }
            return fm;
        } catch (UnrecognizedPropertyException e) {
            throw new PaperNoteException(file, fileLine(e), "front matter: unknown key '" + e.getPropertyName()
                    + "' (the keys are " + String.join(", ", KEYS) + ")");
        } catch (JsonProcessingException e) {
            String reason = e.getOriginalMessage();
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof MarkedYAMLException y && y.getProblem() != null) {
                    reason = (y.getContext() != null ? y.getContext() + ": " : "") + y.getProblem();
                    break;
                }
            }
            int cut = reason.indexOf('\n');
            if (cut > 0) {
                reason = reason.substring(0, cut);
            }
            String hint = reason.contains("mapping values are not allowed")
                    ? " (a value that contains ': ' must be quoted, as in title: \"Zoology: Measuring ...\")"
                    : "";
            throw new PaperNoteException(file, fileLine(e), "front matter is not valid YAML: " + reason + hint);
        }
    }

    /**
     * The README's format is one {@code key: value} per line, so a title such as {@code Zoology: Measuring ...}
     * or an author list is written unquoted; in YAML a ': ' or ' #' inside a plain value would end it. The free-text
     * keys (title, authors) are therefore quoted here unless the note already quoted them or wrote a list.
     */
    static String quoteFreeText(String line) {
        Matcher m = FREE_TEXT.matcher(line);
        if (!m.matches()) {
            return line;
        }
        String value = m.group(2).strip();
        boolean quoted = value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                || value.startsWith("'") && value.endsWith("'"));
        if (value.isEmpty() || quoted || value.startsWith("[")) {
            return line;
        }
        return m.group(1) + ": \"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** The file line of a YAML error: the YAML starts on the file's second line. */
    private static int fileLine(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        return loc == null || loc.getLineNr() < 1 ? 1 : loc.getLineNr() + 1;
    }

    /** The file line of {@code key:} in the front matter, or the opening line when the key is absent. */
    private static int keyLine(String key, String[] lines, int close) {
        for (int i = 1; i < close; i++) {
            if (lines[i].startsWith(key + ":")) {
                return i + 1;
            }
        }
        return 1;
    }

    private static String requireText(String value, String key, String[] lines, int close, String file) {
        if (value == null || value.isBlank()) {
            throw new PaperNoteException(file, keyLine(key, lines, close), "front matter: '" + key + "' is missing or empty");
        }
        return value.strip();
    }

    private static List<String> authors(JsonNode node, String[] lines, int close, String file) {
        int line = keyLine("authors", lines, close);
        List<String> authors = new ArrayList<>();
        if (node == null || node.isNull()) {
            throw new PaperNoteException(file, line, "front matter: 'authors' is missing; write authors: A. Author, B. Author");
        } else if (node.isArray()) {
            for (JsonNode a : node) {
                if (!a.isValueNode() || a.asText().isBlank()) {
                    throw new PaperNoteException(file, line, "front matter: each author must be a name, got " + a);
                }
                authors.add(a.asText().strip());
            }
        } else if (node.isValueNode()) {
            for (String a : node.asText().split(",")) {
                if (!a.isBlank()) {
                    authors.add(a.strip());
                }
            }
        } else {
            throw new PaperNoteException(file, line, "front matter: 'authors' must be a comma-separated list of names");
        }
        if (authors.isEmpty()) {
            throw new PaperNoteException(file, line, "front matter: 'authors' is empty");
        }
        return authors;
    }

    private static int year(JsonNode node, String[] lines, int close, String file) {
        int line = keyLine("year", lines, close);
        if (node == null || node.isNull()) {
            throw new PaperNoteException(file, line, "front matter: 'year' is missing; write year: 2023");
        }
        String text = node.asText().strip();
        if (!text.matches("\\d{4}")) {
            throw new PaperNoteException(file, line, "front matter: 'year' must be a four-digit year such as 2023, got '"
                    + text + "'");
        }
        int year = Integer.parseInt(text);
        if (year < 1940 || year > 2100) {
            throw new PaperNoteException(file, line, "front matter: 'year' " + year + " is out of range");
        }
        return year;
    }

    private static String arxiv(String value, String[] lines, int close, String file) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String id = value.strip();
        if (!ARXIV.matcher(id).matches()) {
            throw new PaperNoteException(file, keyLine("arxiv", lines, close), "front matter: 'arxiv' must be an arXiv"
                    + " identifier such as 2312.04927 (quote it if YAML reads it as a number), got '" + id + "'");
        }
        return id;
    }

    private static List<String> tags(JsonNode node, String[] lines, int close, String file) {
        int line = keyLine("tags", lines, close);
        if (node == null || node.isNull()) {
            throw new PaperNoteException(file, line, "front matter: 'tags' is missing; write tags: [linear-attention, recall]");
        }
        if (!node.isArray()) {
            throw new PaperNoteException(file, line, "front matter: 'tags' must be a list such as [linear-attention, recall]");
        }
        List<String> tags = new ArrayList<>();
        for (JsonNode t : node) {
            if (!t.isValueNode() || t.asText().isBlank()) {
                throw new PaperNoteException(file, line, "front matter: each tag must be a word such as linear-attention,"
                        + " got " + t);
            }
            tags.add(t.asText().strip());
        }
        return tags;
    }

    /** A section: its heading's line index and the content lines [from, to). */
    private record Section(String name, int heading, int from, int to) {
        String text(String[] lines) {
            StringBuilder sb = new StringBuilder();
            for (int i = from; i < to; i++) {
                sb.append(lines[i]).append('\n');
            }
            return sb.toString().strip();
        }
    }

    private static Map<String, Section> sections(String[] lines, int start, String file) {
        Map<String, Section> found = new LinkedHashMap<>();
        Map<String, Integer> headings = new LinkedHashMap<>();
        String current = null;
        int heading = -1;
        boolean inFence = false;
        int fenceLine = -1;
        for (int i = start; i < lines.length; i++) {
            String line = lines[i];
            if (FENCE.matcher(line).matches()) {
                inFence = !inFence;
                fenceLine = i;
                continue;
            }
            if (inFence) {
                continue;
            }
            if (line.startsWith("## ") || line.equals("##")) {
                String name = canonical(line.substring(2).strip());
                if (name == null) {
                    throw new PaperNoteException(file, i + 1, "unknown section '" + line.strip() + "'; the sections are "
                            + "## Insight, ## When to try, ## Idea and ## In archlab (use ### for subheadings)");
                }
                if (headings.containsKey(name)) {
                    throw new PaperNoteException(file, i + 1, "section '## " + name + "' appears twice (first at line "
                            + (headings.get(name) + 1) + ")");
                }
                String expected = SECTIONS.get(headings.size());
                if (!name.equals(expected)) {
                    throw new PaperNoteException(file, i + 1, "expected '## " + expected + "' here, found '## " + name
                            + "' (the sections are ## Insight, ## When to try, ## Idea, ## In archlab, in this order)");
                }
                if (current != null) {
                    found.put(current, new Section(current, heading, heading + 1, i));
                }
                current = name;
                heading = i;
                headings.put(name, i);
            } else if (current == null && !line.isBlank()) {
                throw new PaperNoteException(file, i + 1, "text before the first section; the body starts with '## Insight'");
            }
        }
        if (inFence) {
            throw new PaperNoteException(file, fenceLine + 1, "this code block is never closed by a ``` line");
        }
        if (current != null) {
            found.put(current, new Section(current, heading, heading + 1, lines.length));
        }
        for (String name : SECTIONS) {
            Section s = found.get(name);
            if (s == null) {
                throw new PaperNoteException(file, 0, "the section '## " + name + "' is missing (every note has ## Insight,"
                        + " ## When to try, ## Idea and ## In archlab)");
            }
            if (s.text(lines).isEmpty()) {
                throw new PaperNoteException(file, s.heading() + 1, "the section '## " + name + "' is empty");
            }
        }
        return found;
    }

    /** The canonical section name for a heading, case and trailing colon ignored; {@code null} if unknown. */
    private static String canonical(String heading) {
        String h = heading.replaceAll(":$", "").strip().toLowerCase(Locale.ROOT);
        for (String name : SECTIONS) {
            if (name.toLowerCase(Locale.ROOT).equals(h)) {
                return name;
            }
        }
        return null;
    }

    /** The "When to try" bullets; a line that is not a bullet continues the one above it. */
    private static List<String> bullets(Section s, String[] lines, String file) {
        List<String> bullets = new ArrayList<>();
        StringBuilder current = null;
        for (int i = s.from(); i < s.to(); i++) {
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            Matcher m = BULLET.matcher(line);
            if (m.matches()) {
                if (current != null) {
                    bullets.add(current.toString());
                }
                current = new StringBuilder(m.group(1).strip());
            } else if (current == null) {
                throw new PaperNoteException(file, i + 1, "'## When to try' holds bullets ('- recall degrades as sequence"
                        + " length grows'), one failure pattern each; this line is not one");
            } else {
                current.append(' ').append(line.strip());
            }
        }
        if (current != null) {
            bullets.add(current.toString());
        }
        return bullets.stream().map(PaperNoteParser::plain).toList();
    }

    /** A bullet without emphasis and code markers, so that it reads as plain text. */
    private static String plain(String s) {
        return s.replaceAll("\\*\\*|__|`", "").replaceAll("\\s+", " ").strip();
    }

    /** The first {@code ```archlab} block of "In archlab", or {@code null} when the section says "No definition". */
    private static String archlabCode(Section s, String[] lines, String file) {
        for (int i = s.from(); i < s.to(); i++) {
            Matcher m = FENCE.matcher(lines[i]);
            if (m.matches() && m.group(2).equalsIgnoreCase("archlab")) {
                StringBuilder code = new StringBuilder();
                for (int j = i + 1; j < s.to(); j++) {
                    if (FENCE.matcher(lines[j]).matches()) {
                        if (code.toString().isBlank()) {
                            throw new PaperNoteException(file, i + 1, "the ```archlab block is empty");
                        }
                        return code.toString();
                    }
                    code.append(lines[j]).append('\n');
                }
                throw new PaperNoteException(file, i + 1, "this ```archlab block is never closed by a ``` line");
            }
        }
        if (!s.text(lines).toLowerCase(Locale.ROOT).contains(METHOD_NOTE.toLowerCase(Locale.ROOT))) {
            throw new PaperNoteException(file, s.heading() + 1, "'## In archlab' needs a ```archlab code block, or, for a"
                    + " method note, the sentence '" + METHOD_NOTE + "'");
        }
        return null;
    }
}
