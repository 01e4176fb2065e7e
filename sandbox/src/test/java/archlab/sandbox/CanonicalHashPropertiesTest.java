package archlab.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.GeneratedProgram;
import archlab.sandbox.lang.GeneratedProgram.Style;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

/**
 * The canonical hash names the computation, not the text: renaming, reordering, reformatting, inlining
 * values and params, swapping the operands of commutative ops and writing {@code repeat} out as
 * nested calls keep it; changing any one op, width, constant or count changes it.
 *
 * <p>Programs come from {@link GeneratedProgram}, drawn from a seed, so a failure prints the seed and
 * both texts.
 */
class CanonicalHashPropertiesTest {
    static final int TRIES = 150;

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    static String hash(String source) {
        try {
            return ModelDefinition.parse(source, "gen.arch").canonicalHash();
        } catch (DefinitionException e) {
            return fail("a generated definition does not check:\n" + e.getMessage() + "\n--- source:\n" + source);
        }
    }

    private static void assertSameHash(long seed, Style style) {
        Random r = new Random(seed);
        GeneratedProgram p = GeneratedProgram.random(r);
        String plain = p.canonical();
        String rewritten = p.render(style, r);
        assertThat(hash(rewritten)).as("hash changed by %s\n--- plain:\n%s\n--- rewritten:\n%s", style, plain, rewritten)
                .isEqualTo(hash(plain));
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void renamingKeepsTheHash(@ForAll("seeds") long seed) {
        assertSameHash(seed, new Style(true, false, false, false, false, false));
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void reorderingIndependentStatementsKeepsTheHash(@ForAll("seeds") long seed) {
        assertSameHash(seed, new Style(false, true, false, false, false, false));
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void reformattingKeepsTheHash(@ForAll("seeds") long seed) {
        assertSameHash(seed, new Style(false, false, true, false, false, false));
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void inliningValuesAndParamsKeepsTheHash(@ForAll("seeds") long seed) {
        assertSameHash(seed, new Style(false, false, false, true, false, false));
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void swappingOperandsOfCommutativeOpsKeepsTheHash(@ForAll("seeds") long seed) {
        assertSameHash(seed, new Style(false, false, false, false, true, false));
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void writingRepeatAsNestedCallsKeepsTheHash(@ForAll("seeds") long seed) {
        assertSameHash(seed, new Style(false, false, false, false, false, true));
    }

    @Property(tries = 300, shrinking = ShrinkingMode.OFF)
    void allRewritesTogetherKeepTheHash(@ForAll("seeds") long seed) {
        assertSameHash(seed, Style.ALL);
    }

    @Property(tries = 400, shrinking = ShrinkingMode.OFF)
    void anySingleChangeAltersTheHash(@ForAll("seeds") long seed) {
        Random r = new Random(seed);
        GeneratedProgram p = GeneratedProgram.random(r);
        GeneratedProgram.Mutant m = p.mutate(r);
        String plain = p.canonical();
        // The changed program is also renamed, reordered and reformatted, so only the change can tell them apart.
        String changed = m.program().render(Style.ALL, r);
        assertThat(hash(changed)).as("hash unchanged by '%s'\n--- before:\n%s\n--- after:\n%s", m.what(), plain, changed)
                .isNotEqualTo(hash(plain));
    }

    /** Found by {@code allRewritesTogetherKeepTheHash} (seed 414): equal terms that differ in what they share. */
    @org.junit.jupiter.api.Test
    void twinOperandsThatShareDifferentlyHashAlikeInEitherOrder() {
        String head = "block f(x):\n    a = x * 1.5\n    return a * 0.5\n\nmodel(tokens):\n    x = embed(tokens, 16)\n"
                + "    v0 = f(x)\n    u = layernorm(v0)\n";
        String tail = "    return lm_head(p + u)\n";
        assertThat(hash(head + "    p = repeat(1, f, v0) * repeat(2, f, x)\n" + tail))
                .isEqualTo(hash(head + "    p = repeat(2, f, x) * repeat(1, f, v0)\n" + tail));
    }
}
