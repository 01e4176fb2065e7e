package archlab.agent.cli;

/**
 * The user gave archlab input it cannot use (a missing file, a file that is not UTF-8 text).
 * {@link Main} prints the message, without a stack trace, and exits with {@link ExitCodes#INVALID_INPUT}.
 */
final class InvalidInputException extends RuntimeException {
    InvalidInputException(String message) {
        super(message);
    }
}
