package archlab.knowledge.mining;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A frequent subgraph of the population, written as a block of the language.
 *
 * @param name                 the block's name, {@code mined_} and the first 10 hex digits of the code
 * @param code                 the pattern's canonical code (16 hex digits), equal wherever the pattern occurs
 * @param blockSource          a library file with this one block, headed by a comment with the figures; it
 *                             parses with {@code Parser.parseLibrary} and joins a library with {@code Library.plus}
 * @param ops                  how many ops the pattern has (constants and weights not counted)
 * @param arity                how many inputs the block takes
 * @param support              how many successful experiments contain the pattern
 * @param supportFraction      {@code support} over the number of successful experiments with a graph
 * @param bestSupport          how many of the best experiments (the set it was mined from) contain it
 * @param failureSupport       how many failed experiments contain it
 * @param meanFitnessWith      mean fitness of the experiments that contain it; null if none has a fitness
 * @param meanFitnessWithout   mean fitness of those that do not; null if none
 * @param contrastFailures     its frequency among successes minus its frequency among failures, in [-1, 1];
 *                             positive when failures avoid it; null when there are no failures
 * @param score                the ranking score: a standardised fitness lift plus the failure contrast
 * @param exampleExperimentIds up to five experiments that contain it, best first
 */
public record MinedSubroutine(String name, String code, String blockSource, int ops, int arity, int support,
                              double supportFraction, int bestSupport, int failureSupport, Double meanFitnessWith,
                              Double meanFitnessWithout, Double contrastFailures, double score,
                              List<String> exampleExperimentIds) {
    /** The header line's pattern: {@code # mined subroutine CODE: N ops, ...}. */
    private static final Pattern HEADER = Pattern.compile("#\\s*mined subroutine ([0-9a-f]{16}): (\\d+) ops");

    public MinedSubroutine {
        exampleExperimentIds = List.copyOf(exampleExperimentIds);
    }

    /** The block's name for a code. */
    public static String nameFor(String code) {
        return "mined_" + code.substring(0, 10);
    }

    /**
     * The code and op count written in a block source's header, for subroutines read back from the store;
     * null when the text has no header.
     */
    public static Header header(String blockSource) {
        Matcher m = HEADER.matcher(blockSource);
        return m.find() ? new Header(m.group(1), Integer.parseInt(m.group(2))) : null;
    }

    /** What the header of a mined block says. */
    public record Header(String code, int ops) {
    }
}
