package archlab.agent.search;

/**
 * The value model's forecast for one candidate, on the search's normalised scale (0 = worst observed,
 * 1 = best observed): the ensemble's {@code mean} and its spread ({@code uncertainty}, one standard
 * deviation across members).
 */
public record Prediction(double mean, double uncertainty) {
    /** What the model says before it has seen anything: the middle of the scale, maximally unsure. */
    public static final Prediction UNINFORMED = new Prediction(0.5, 0.5);

    /** The optimistic screening score {@code mean + kappa * uncertainty}. */
    public double score(double kappa) {
        return mean + kappa * uncertainty;
    }
}
