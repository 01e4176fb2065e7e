package archlab.agent.console;

/** Input the console cannot act on; its message is what the person sees, never a stack trace. */
final class ConsoleException extends RuntimeException {
    ConsoleException(String message) {
        super(message, null, false, false);
    }
}
