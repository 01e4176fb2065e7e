package archlab.agent.research;

/** The judge's scores, each in [0, 1], kept apart from measured fitness. */
public record JudgeScore(double novelty, double complexity, double soundness, String rationale) {
    public JudgeScore {
        check("novelty", novelty);
        check("complexity", complexity);
        check("soundness", soundness);
    }

    private static void check(String name, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], was " + v);
        }
    }
}
