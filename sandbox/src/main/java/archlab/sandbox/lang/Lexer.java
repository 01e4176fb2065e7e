package archlab.sandbox.lang;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * Splits a definition into tokens, turning indentation into INDENT and DEDENT tokens as Python does.
 * Inside parentheses, line breaks and indentation are ignored, so long calls can wrap.
 */
final class Lexer {
    static final Set<String> KEYWORDS =
            Set.of("arch", "param", "block", "model", "return", "repeat", "scan", "true", "false");

    private final String src;
    private final String file;
    private final List<Token> out = new ArrayList<>();
    private final Deque<Integer> indents = new ArrayDeque<>();
    private int pos;
    private int line = 1;
    private int lineStart;
    private int depth;
    private final Deque<int[]> openParens = new ArrayDeque<>();

    private Lexer(String src, String file) {
        this.src = src;
        this.file = file;
    }

    static List<Token> tokenize(String src, String file) throws DefinitionException {
        return new Lexer(src, file).run();
    }

    private List<Token> run() throws DefinitionException {
        indents.push(0);
        boolean atLineStart = true;
        while (pos < src.length()) {
            if (atLineStart && depth == 0) {
                if (layoutLine()) {
                    continue;
                }
                atLineStart = false;
            }
            char c = src.charAt(pos);
            if (c == '\n') {
                if (depth == 0) {
                    out.add(token(Token.Kind.NEWLINE, "\\n"));
                    atLineStart = true;
                }
                newline();
            } else if (c == '\r' || c == ' ') {
                pos++;
            } else if (c == '\t') {
                if (depth == 0) {
                    throw error("tab character; indent with spaces");
                }
                pos++;
            } else if (c == '#') {
                while (pos < src.length() && src.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (nameStart(c)) {
                int start = pos;
                while (pos < src.length() && (nameStart(src.charAt(pos)) || (src.charAt(pos) >= '0' && src.charAt(pos) <= '9'))) {
                    pos++;
                }
                if (pos < src.length() && Character.isLetterOrDigit(src.charAt(pos))) {
                    throw error(nonAscii(src.charAt(pos)));
                }
                String word = src.substring(start, pos);
                out.add(new Token(KEYWORDS.contains(word) ? Token.Kind.KEYWORD : Token.Kind.NAME, word, line,
                        start - lineStart + 1));
            } else if (Character.isDigit(c) || (c == '.' && pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1)))) {
                number();
            } else if (Character.isLetter(c)) {
                throw error(nonAscii(c));
            } else {
                operator(c);
            }
        }
        if (depth > 0) {
            int[] open = openParens.peek();
            throw new DefinitionException(Diagnostic.error("syntax", file, open[0], open[1],
                    "this '(' is never closed (the file ends first); add the missing ')'"));
        }
        if (!out.isEmpty() && out.get(out.size() - 1).kind() != Token.Kind.NEWLINE) {
            out.add(token(Token.Kind.NEWLINE, "\\n"));
        }
        while (indents.size() > 1) {
            indents.pop();
            out.add(token(Token.Kind.DEDENT, ""));
        }
        out.add(token(Token.Kind.EOF, ""));
        return out;
    }

    /** Measures the indentation of a new line. Returns true when the line is blank or a comment. */
    private boolean layoutLine() throws DefinitionException {
        int width = 0;
        while (pos < src.length() && (src.charAt(pos) == ' ' || src.charAt(pos) == '\r')) {
            if (src.charAt(pos) == ' ') {
                width++;
            }
            pos++;
        }
        if (pos >= src.length()) {
            return true;
        }
        char c = src.charAt(pos);
        if (c == '\t') {
            throw error("tab character in indentation; indent with spaces");
        }
        if (c == '\n') {
            newline();
            return true;
        }
        if (c == '#') {
            while (pos < src.length() && src.charAt(pos) != '\n') {
                pos++;
            }
            if (pos < src.length()) {
                newline();
            }
            return true;
        }
        if (width > indents.peek()) {
            indents.push(width);
            out.add(token(Token.Kind.INDENT, ""));
        } else {
            List<Integer> levels = new ArrayList<>(indents);
            java.util.Collections.reverse(levels);
            while (width < indents.peek()) {
                indents.pop();
                out.add(token(Token.Kind.DEDENT, ""));
            }
            if (width != indents.peek()) {
                throw error("this line's indentation (" + width
                        + " spaces) does not match any enclosing block; use one of " + levels + " spaces");
            }
        }
        return false;
    }

    private void number() throws DefinitionException {
        int start = pos;
        while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
            pos++;
        }
        if (pos < src.length() && src.charAt(pos) == '.') {
            pos++;
            while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                pos++;
            }
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int mark = pos;
            pos++;
            if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
                pos++;
            }
            if (pos >= src.length() || !Character.isDigit(src.charAt(pos))) {
                pos = mark;
                throw error("malformed number '" + src.substring(start, Math.min(src.length(), mark + 2))
                        + "': an exponent needs digits, as in 1e-5");
            }
            while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                pos++;
            }
        }
        if (pos < src.length() && (Character.isLetter(src.charAt(pos)) || src.charAt(pos) == '_')) {
            throw error("malformed number: '" + src.substring(start, pos + 1) + "' runs into a name");
        }
        out.add(new Token(Token.Kind.NUMBER, src.substring(start, pos), line, start - lineStart + 1));
    }

    private void operator(char c) throws DefinitionException {
        int col = pos - lineStart + 1;
        String two = pos + 1 < src.length() ? src.substring(pos, pos + 2) : "";
        String op;
        if (two.equals("**") || two.equals("//")) {
            op = two;
        } else if ("+-*/@(),=:".indexOf(c) >= 0) {
            op = String.valueOf(c);
        } else {
            String shown = Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c);
            String hint = switch (c) {
                case '[', ']' -> "; indexing is not part of the language, use slice(x, start, end, dim)";
                case '"', '\'' -> "; the language has no strings";
                case '.' -> "; there are no attributes or methods, call functions instead";
                case '<', '>', '!', '&', '|' -> "; there are no comparisons or conditionals";
                default -> "";
            };
            throw error("unexpected character '" + shown + "'" + hint);
        }
        if (op.equals("(")) {
            depth++;
            openParens.push(new int[] {line, col});
        } else if (op.equals(")")) {
            if (depth == 0) {
                throw error("')' without a matching '('");
            }
            depth--;
            openParens.pop();
        }
        pos += op.length();
        out.add(new Token(Token.Kind.OP, op, line, col));
    }

    private void newline() {
        pos++;
        line++;
        lineStart = pos;
    }

    private Token token(Token.Kind kind, String text) {
        return new Token(kind, text, line, pos - lineStart + 1);
    }

    private DefinitionException error(String message) {
        return new DefinitionException(Diagnostic.error("syntax", file, line, pos - lineStart + 1, message));
    }

    /** Names are ASCII (docs/language.md): they become Python identifiers in the PyTorch export and keys in prompts. */
    private static boolean nameStart(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
    }

    private static String nonAscii(char c) {
        return String.format("'%c' (U+%04X) in a name: names are ASCII letters, digits and '_'; spell it in"
                + " ASCII, such as alpha for \u03b1", c, (int) c);
    }
}
