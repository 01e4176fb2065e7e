package archlab.agent.research.offline;

/** A design move that cannot be applied to this parent as asked; the message says why, for the attempt log. */
final class EditException extends Exception {
    EditException(String message) {
        super(message, null, false, false);
    }
}
