package archlab.evaluators.tabular;

/** A tabular benchmark file that cannot be used, or an architecture it does not list; the message says which. */
public final class TableException extends RuntimeException {
    public TableException(String message) {
        super(message);
    }
}
