package archlab.knowledge.store;

/** What an experiment tests: a title, why it might work, and what should change if it does. Any part may be null. */
public record Hypothesis(String title, String motivation, String expectedEffect) {
    public static final Hypothesis NONE = new Hypothesis(null, null, null);

    public static Hypothesis titled(String title) {
        return new Hypothesis(title, null, null);
    }
}
