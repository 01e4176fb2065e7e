package archlab.agent.search;

/** One candidate with the value model's forecast, its screening score and its rank among the step's proposals (0 = best). */
public record Screened(Candidate candidate, Prediction prediction, double score, int rank) {
    public String key() {
        return candidate.key();
    }
}
