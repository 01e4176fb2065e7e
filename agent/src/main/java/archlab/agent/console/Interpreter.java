package archlab.agent.console;

/**
 * Reads free text typed in the console: either an answer to a question, or a steering command it
 * stands for (which the console shows and asks to confirm before storing it).
 */
public interface Interpreter {
    /** An answer, and the slash command the text asks for (null when it asks for none). */
    record Reading(String answer, String command) {
        public Reading {
            answer = answer == null ? "" : answer.strip();
            command = command == null || command.isBlank() ? null : command.strip();
        }
    }

    Reading read(String text);
}
