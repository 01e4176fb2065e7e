package archlab.knowledge.mining;

/**
 * A mined subroutine found in a definition.
 *
 * @param name        the subroutine's block name
 * @param code        its code
 * @param occurrences how many times it occurs (distinct roots)
 */
public record SubroutineUsage(String name, String code, int occurrences) {
}
