package archlab.agent.research;

/**
 * One try of the coder. {@code stage} is where it stopped: {@code parse}, {@code check} (names,
 * shapes, causality), {@code smoke} (a short training run), {@code intent} (the definition lost the
 * hypothesis's intent) or {@code ok}. {@code error} is what went back to the coder, verbatim.
 */
public record CodingAttempt(int number, String definition, String stage, String error) {
    public static final String OK = "ok";

    public boolean ok() {
        return OK.equals(stage);
    }
}
