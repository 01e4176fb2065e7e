package archlab.agent.research.offline;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Parser;
import archlab.sandbox.lang.Printer;
import archlab.tools.DefinitionChecker;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every variant of every design move, applied to every reference architecture where it applies, gives a
 * definition that checks, computes something new, and shows the move's intent in the structural diff.
 */
class DesignCatalogueTest {
    static Materials materials;

    @BeforeAll
    static void load() {
        materials = References.materials();
    }

    record Outcome(String arch, String move, String variant, String problem) {
    }

    static List<Outcome> applyAll(String arch) throws DefinitionException {
        String source = References.source(arch);
        Program parent = Parser.parse(source, arch + ".arch");
        ModelDefinition before = ModelDefinition.parse(source, arch + ".arch");
        List<Outcome> out = new ArrayList<>();
        for (DesignMove m : DesignCatalogue.ALL) {
            List<Variant> variants = m.editor().variants(parent, materials);
            Set<String> keys = new HashSet<>();
            for (Variant v : variants) {
                assertThat(keys.add(v.key())).as(arch + " " + m.id() + " repeats " + v.key()).isTrue();
                String problem = null;
                try {
                    Program child = m.apply(parent, v, materials);
                    String printed = Printer.print(child);
                    DefinitionChecker.Check c = new DefinitionChecker().check(printed, arch + "-child.arch");
                    if (!c.ok()) {
                        problem = "does not check: " + c.firstError() + "\n" + printed;
                    } else if (c.hash().equals(before.canonicalHash())) {
                        problem = "same hash as the parent";
                    } else if (!v.intent().shownBy(ModelDefinition.diff(before, c.definition()))) {
                        problem = "intent not in the diff: " + v.intent() + "\n"
                                + DefinitionChecker.diff(before, c.definition()).render();
                    }
                } catch (EditException e) {
                    problem = "refused: " + e.getMessage();
                }
                out.add(new Outcome(arch, m.id(), v.key(), problem));
            }
        }
        return out;
    }

    @Test
    void everyVariantOnEveryReferenceChecksAndKeepsItsIntent() throws DefinitionException {
        List<Outcome> all = new ArrayList<>();
        for (String arch : References.NAMES) {
            all.addAll(applyAll(arch));
        }
        List<Outcome> bad = all.stream().filter(o -> o.problem() != null).toList();
        assertThat(bad).as(String.join("\n\n", bad.stream().map(o -> o.arch() + " " + o.move() + " [" + o.variant()
                + "]: " + o.problem()).toList())).isEmpty();
        // every move applies somewhere
        Map<String, Integer> perMove = new LinkedHashMap<>();
        all.forEach(o -> perMove.merge(o.move(), 1, Integer::sum));
        assertThat(perMove.keySet()).containsExactlyInAnyOrderElementsOf(
                DesignCatalogue.ALL.stream().map(DesignMove::id).toList());
        System.out.println("variants per move over the references: " + perMove + ", total " + all.size());
    }

    /** identity-start turns DeltaNet's short convs into bias-free, Dirac-started filters that keep their SiLU. */
    @Test
    void identityStartRewritesEveryRandomFilter() throws DefinitionException, EditException {
        Program parent = Parser.parse(References.source("deltanet"), "deltanet.arch");
        DesignMove move = DesignCatalogue.byId("identity-start");
        List<Variant> variants = move.editor().variants(parent, materials);
        assertThat(variants).singleElement().satisfies(v -> assertThat(v.label()).startsWith("3 filters"));
        String child = Printer.print(move.apply(parent, variants.get(0), materials));
        assertThat(child).doesNotContain("short_conv(")
                .contains("silu(conv1d(linear(x, d), 4, bias=false, init=dirac))");
        assertThat(new DefinitionChecker().check(child, "child.arch").ok()).isTrue();
        // nothing left to start: the move no longer applies
        assertThat(move.editor().variants(Parser.parse(child, "child.arch"), materials)).isEmpty();
    }

    /** anneal-floor puts a progress()-annealed floor under DeltaNet's write strength. */
    @Test
    void annealFloorSchedulesTheGate() throws DefinitionException, EditException {
        Program parent = Parser.parse(References.source("deltanet"), "deltanet.arch");
        DesignMove move = DesignCatalogue.byId("anneal-floor");
        List<Variant> variants = move.editor().variants(parent, materials);
        assertThat(variants).extracting(Variant::key).containsExactly("floor=0.1,gate=mixer:beta",
                "floor=0.3,gate=mixer:beta");
        String child = Printer.print(move.apply(parent, variants.get(1), materials));
        assertThat(child).contains("beta = maximum(sigmoid(split_heads(linear(x, heads), heads)), "
                + "0.3 * (1 - clamp(progress() / 0.5, 0, 1)))");
        assertThat(new DefinitionChecker().check(child, "child.arch").ok()).isTrue();
    }
}
