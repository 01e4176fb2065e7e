package archlab.sandbox.compile;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.StandardLibrary;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The causality property over generated programs that the checker accepts: none lets a position's
 * logits change when only later tokens do, and none gives a prefix other logits than the whole
 * sequence (the {@link CausalityProbe}, on the real compiled model). Each try is one accepted program:
 * {@link TemporalProgram} drafts until the checker accepts one. The suite runs jqwik's default number
 * of tries ({@code jqwik.tries.default}, 1,000); the slow-tagged property runs 10,000; scripts/fuzz.sh
 * raises the default to 100,000.
 */
class CausalityFuzzTest {
    static final int VOCAB = 11;
    static final int[] LENGTHS = {5, 9, 16};
    static NDManager root;
    static final AtomicLong programs = new AtomicLong();
    static final AtomicLong drafts = new AtomicLong();
    static final AtomicLong nonFinite = new AtomicLong();
    static final AtomicLong probeNanos = new AtomicLong();
    static final AtomicLong rounded = new AtomicLong();
    static double largestRounding;
    static String largestRoundingAt = "";

    @BeforeContainer
    static void engine() {
        root = Engines.pytorch(1).newBaseManager();
    }

    @AfterContainer
    static void report() {
        root.close();
        long n = Math.max(1, programs.get());
        System.out.printf(Locale.ROOT, "causality fuzz: %,d accepted programs probed (%,d drafts, %.1f %% accepted); "
                + "%,d with a non-finite logit; probe %.2f ms per program; %,d prefix runs rounded differently from "
                + "the full run, the largest by %.3g of the logits' scale (%s)%n", programs.get(), drafts.get(),
                100.0 * programs.get() / Math.max(1, drafts.get()), nonFinite.get(), probeNanos.get() / 1e6 / n,
                rounded.get(), largestRounding, largestRoundingAt);
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void acceptedProgramsAreCausalEmpirically(@ForAll long seed) {
        probeOne(seed);
    }

    @Property(tries = 10_000, shrinking = ShrinkingMode.OFF)
    @Tag("slow")
    void tenThousandAcceptedProgramsAreCausalEmpirically(@ForAll long seed) {
        probeOne(seed);
    }

    /**
     * Causal programs whose output at a position is rounding noise amplified by a norm (rmsnorm of a sum
     * that cancels exactly), which the 100,000-program runs once called non-causal: the first differed on
     * one prefix only, the second by 1.5e-4 of the logits' scale.
     */
    @Example
    void roundingNoiseIsNotCalledNonCausal() {
        probeOne(31691);
        probeOne(-9382118);
    }

    static void probeOne(long seed) {
        Random rng = new Random(seed);
        ModelDefinition def = null;
        String source = null;
        while (def == null) {
            source = TemporalProgram.generate(rng);
            drafts.incrementAndGet();
            try {
                def = ModelDefinition.parse(source, "fuzz.arch", StandardLibrary.library(), Map.of("vocab", VOCAB));
            } catch (DefinitionException e) {
                // a draft the checker refuses is not a program; draw the next
            }
        }
        int t = LENGTHS[rng.nextInt(LENGTHS.length)];
        long start = System.nanoTime();
        CausalityProbe.Verdict v;
        try (CompiledModel model = CompiledModel.compile(def.graph(), root, seed)) {
            v = CausalityProbe.probe(model, root, VOCAB, t, seed);
        }
        probeNanos.addAndGet(System.nanoTime() - start);
        programs.incrementAndGet();
        if (!v.finite()) {
            nonFinite.incrementAndGet();
        }
        if (v.causal() && v.difference() > 0) {
            rounded.incrementAndGet();
            double relative = v.difference() / (1 + v.scale());
            synchronized (CausalityFuzzTest.class) {
                if (relative > largestRounding) {
                    largestRounding = relative;
                    largestRoundingAt = "seed " + seed + ", T=" + t;
                }
            }
        }
        assertThat(v.causal()).as("%s\n(seed %d, T=%d)\n%s", v.message(), seed, t, source).isTrue();
    }
}
