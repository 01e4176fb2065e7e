package archlab.evaluators.fitness;

/**
 * How the parts of fitness combine, and how sharply the quantitative part saturates.
 *
 * <p>{@code temperature} is the relative improvement over the baseline at which the squashed score
 * reaches sigmoid(1) ≈ 0.73: with the default 0.1, a design 10 % better than the baseline scores
 * 0.73, one 10 % worse 0.27, the baseline itself 0.5. Architecture gains worth having are a few
 * percent to tens of percent, so 0.1 keeps them in the sigmoid's sensitive range instead of piling
 * them up against 1.
 *
 * <p>{@code judged} is the weight of the judge's mean score when a judge ran; the quantitative part
 * gets {@code 1 - judged}. The default 0.2 follows ASI-Arch's intuition that measured quality should
 * dominate while a sound, novel design breaks ties. Without a judge, fitness is the quantitative
 * part alone (the weight is not silently spent on a missing score).
 */
public record FitnessWeights(double temperature, double judged) {
    public static final FitnessWeights DEFAULT = new FitnessWeights(0.1, 0.2);

    public FitnessWeights {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("fitness temperature must be a positive number, was " + temperature);
        }
        if (!(judged >= 0 && judged <= 1)) {
            throw new IllegalArgumentException("fitness judged weight must be in [0, 1], was " + judged);
        }
    }
}
