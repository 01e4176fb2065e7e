package archlab.evaluators.fitness;

/**
 * How the parts of fitness combine, and how sharply the quantitative part saturates.
 *
 * <p>{@code temperature} is the relative improvement over the baseline at which the squashed score
 * reaches sigmoid(1) ≈ 0.73: with the default 0.5, a design 10 % better than the baseline scores
 * 0.55, twice as good 0.88, four times as good 0.998; the baseline itself 0.5. Gains range from a few
 * percent (language-model loss) to several hundred percent (recall tasks that start near chance);
 * 0.5 keeps both apart instead of piling the large ones up against 1 (0.1 did, in the quickstart).
 *
 * <p>{@code judged} is the weight of the judge's mean score when a judge ran; the quantitative part
 * gets {@code 1 - judged}. The default 0.2 follows ASI-Arch's intuition that measured quality should
 * dominate while a sound, novel design breaks ties. Without a judge, fitness is the quantitative
 * part alone (the weight is not silently spent on a missing score).
 */
public record FitnessWeights(double temperature, double judged) {
    public static final FitnessWeights DEFAULT = new FitnessWeights(0.5, 0.2);

    public FitnessWeights {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("fitness temperature must be a positive number, was " + temperature);
        }
        if (!(judged >= 0 && judged <= 1)) {
            throw new IllegalArgumentException("fitness judged weight must be in [0, 1], was " + judged);
        }
    }
}
