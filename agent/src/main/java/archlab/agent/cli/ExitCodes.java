package archlab.agent.cli;

/** The process exit codes of every archlab command. Documented in README.md and in {@code --help}. */
public final class ExitCodes {
    /** The command did what was asked; for {@code check}, every file is valid. */
    public static final int OK = 0;
    /** Invalid input: a definition with errors, or a file that is missing or unreadable. */
    public static final int INVALID_INPUT = 1;
    /** Usage error: an unknown option or command, a missing or malformed argument. */
    public static final int USAGE = 2;
    /** {@code run --verify-replay}: the replay made other experiments than the original (the first difference is printed). */
    public static final int DIVERGED = 3;
    /** Internal error: a bug in archlab (EX_SOFTWARE from sysexits.h). */
    public static final int INTERNAL = 70;
    /** The store could not be written or reached (disk full, database down): nothing finished is lost; resume later. */
    public static final int STORE_UNAVAILABLE = 75;

    private ExitCodes() {
    }
}
