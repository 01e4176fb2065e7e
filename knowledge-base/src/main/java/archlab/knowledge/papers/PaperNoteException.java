package archlab.knowledge.papers;

/**
 * A paper note that does not follow the format. The message names the file and the line:
 * {@code papers/zoology.md:7: front matter: 'year' must be a whole number such as 2023, got 'soon'}.
 */
public final class PaperNoteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final String reason;

    /**
     * @param file the note's file name or path, as it should be shown
     * @param line the 1-based line, or 0 when the problem concerns the whole file
     * @param reason what is wrong and, where it helps, what was expected
     */
    public PaperNoteException(String file, int line, String reason) {
        super(file + (line > 0 ? ":" + line : "") + ": " + reason);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    public String file() {
        return file;
    }

    /** The 1-based line, or 0 when the problem concerns the whole file. */
    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
