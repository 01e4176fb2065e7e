package archlab.sandbox.lang;

/** A lexical token. {@code text} is the source text, or a description for layout tokens. */
record Token(Kind kind, String text, int line, int col) {
    enum Kind { NAME, KEYWORD, NUMBER, OP, NEWLINE, INDENT, DEDENT, EOF }

    String describe() {
        return switch (kind) {
            case NAME -> "name '" + text + "'";
            case KEYWORD -> "keyword '" + text + "'";
            case NUMBER -> "number " + text;
            case OP -> "'" + text + "'";
            case NEWLINE -> "end of line";
            case INDENT -> "an indented line";
            case DEDENT -> "the end of the indented block";
            case EOF -> "end of file";
        };
    }
}
