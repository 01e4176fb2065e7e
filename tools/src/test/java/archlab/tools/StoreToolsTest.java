package archlab.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Directive;
import archlab.knowledge.store.DirectiveStatus;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Ids;
import archlab.knowledge.store.Store;
import archlab.knowledge.store.Subroutine;
import archlab.sandbox.lang.StandardLibrary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tools that read the store: inspect, similar experiments, subroutines, directives. */
class StoreToolsTest {
    @TempDir
    Path run;
    Store store;
    Campaign campaign;

    @BeforeEach
    void open() {
        store = Store.openRunFolder(run);
        campaign = Fixtures.campaign(store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    Experiment insert(Experiment e) {
        return store.experiments().insert(e);
    }

    // ---- inspect an experiment

    @Test
    void inspectShowsMetricsCurveSymptomsAndDefinition() {
        Experiment root = insert(Fixtures.done(campaign.id(), null, "transformer", Fixtures.architecture("transformer"), 0.9));
        Experiment child = insert(Experiment.builder(Ids.next("exp"), campaign.id()).parentId(root.id())
                .name("gla-variant").checkedDefinition(Fixtures.architecture("gla")).status(ExperimentStatus.FAILED)
                .failure("diverged", "training loss became NaN at step 200")
                .curves(Fixtures.curve(20, 5, 1, 50)).build());
        ExperimentInspector tool = new ExperimentInspector(store);
        ExperimentInspector.Report r = tool.inspect(child.id());
        assertThat(r.symptoms()).extracting(Symptom::label)
                .containsExactly(Symptoms.DIVERGED_AFTER_WARMUP, Symptoms.NAN, Symptoms.RECALL_LOW);
        String text = r.render(true);
        assertThat(text).contains("child of " + root.id()).contains("failure diverged").contains("curve mqar: 20 points")
                .contains("warmup ended at step 50").contains("symptom diverged-after-warmup").contains("arch gla");
        assertThat(tool.inspectExperiment(child.id(), false)).doesNotContain("arch gla");
        assertThat(tool.inspectExperiment(child.id(), true)).isEqualTo(text);
    }

    @Test
    void inspectStaysBoundedOnAHugeExperiment() {
        StringBuilder metrics = new StringBuilder("{\"mqar\": {");
        for (int i = 0; i < 5000; i++) {
            metrics.append(i == 0 ? "" : ", ").append("\"m").append(i).append("\": ").append(i * 0.001);
        }
        metrics.append("}}");
        String longDefinition = "model(tokens):\n" + "    # a comment line\n".repeat(20_000)
                + "    return lm_head(embed(tokens, 16))\n";
        Experiment e = insert(Experiment.builder(Ids.next("exp"), campaign.id()).name("x".repeat(200))
                .checkedDefinition(longDefinition).metrics(metrics.toString()).curves(Fixtures.curve(5000, 5, 1, 100))
                .failure("crash", "y".repeat(100_000)).analysis("z".repeat(100_000)).status(ExperimentStatus.FAILED)
                .build());
        String text = new ExperimentInspector(store).inspectExperiment(e.id(), true);
        assertThat(text.length()).isLessThanOrEqualTo(ExperimentInspector.MAX_CHARS);
        assertThat(text).contains("left out");
    }

    @Test
    void inspectNamesAnUnknownId() {
        ExperimentInspector tool = new ExperimentInspector(store);
        assertThatThrownBy(() -> tool.inspect("exp-nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no experiment 'exp-nope' in the store");
        assertThat(tool.inspectExperiment("exp-nope", null)).isEqualTo("error: no experiment 'exp-nope' in the store");
        assertThat(tool.inspectExperiment(" ", null)).startsWith("error: give an experiment id");
    }

    // ---- similar experiments

    @Test
    void similarFindsTheNearestAndFollowsTheStore() {
        List<Experiment> all = new ArrayList<>();
        for (String name : Fixtures.NAMES) {
            all.add(insert(Fixtures.done(campaign.id(), null, name, Fixtures.architecture(name), 0.5)));
        }
        SimilarExperiments tool = new SimilarExperiments(store, campaign.id(), null, StandardLibrary.library());
        Experiment transformer = all.get(Fixtures.NAMES.indexOf("transformer"));
        SimilarExperiments.Result r = tool.similarToExperiment(transformer.id(), 3);
        assertThat(r.neighbours()).hasSize(3).extracting(n -> n.hit().experimentId()).doesNotContain(transformer.id());
        assertThat(r.neighbours().get(0).name()).isEqualTo("based"); // the softmax-and-linear hybrid (docs/memory.md)
        assertThat(r.duplicates()).isEmpty();

        // a later experiment with the transformer's computation is found as a duplicate of it
        String wider = Fixtures.architecture("transformer").replace("param d = 64", "param d = 128");
        insert(Fixtures.done(campaign.id(), transformer.id(), "wider", wider, 0.6));
        SimilarExperiments.Result again = tool.similarTo(Fixtures.architecture("transformer"), null, 3);
        assertThat(again.duplicates()).containsExactly(transformer.id());
        assertThat(again.novelty()).isZero();
        assertThat(again.neighbours()).extracting(SimilarExperiments.Neighbour::name).contains("wider");
        assertThat(tool.similarExperiments(transformer.id(), 3)).isEqualTo(tool.similarExperiments(transformer.id(), 3));
    }

    @Test
    void similarIsBoundedAndSaysWhatItCouldNotRead() {
        for (int i = 0; i < 40; i++) {
            insert(Experiment.builder(Ids.next("exp"), campaign.id()).name("e" + i)
                    .checkedDefinition(Fixtures.architecture(Fixtures.NAMES.get(i % 8)).replace("param d = 64",
                            "param d = " + (32 + 8 * i)))
                    .status(ExperimentStatus.FAILED).failure("diverged", "w".repeat(50_000)).build());
        }
        SimilarExperiments tool = new SimilarExperiments(store, campaign.id(), null, StandardLibrary.library());
        SimilarExperiments.Result r = tool.similarTo(Fixtures.architecture("gla"), "a decay gate", 500);
        assertThat(r.neighbours()).hasSize(SimilarExperiments.MAX_HITS);
        assertThat(r.failureKinds()).containsEntry("diverged", SimilarExperiments.MAX_HITS);
        assertThat(r.render().length()).isLessThanOrEqualTo(SimilarExperiments.MAX_CHARS);
        SimilarExperiments.Result broken = tool.similarTo("model(tokens):\n    return oops\n", "x", 3);
        assertThat(broken.note()).startsWith("the definition does not check");
        assertThatThrownBy(() -> tool.similarTo("broken", null, 3)).hasMessageContaining("nothing to compare");
        assertThatThrownBy(() -> tool.similarToExperiment("exp-missing", 3)).hasMessageContaining("no experiment");
        assertThat(tool.similarToDefinition("", "", 0)).startsWith("error: k must be at least 1");
    }

    // ---- subroutines

    @Test
    void subroutinesBestLiftFirstAndBounded() {
        for (int i = 0; i < 300; i++) {
            String name = String.format("mined_%010x", i);
            store.subroutines().upsert(new Subroutine(campaign.id() + ":" + i, campaign.id(), name,
                    "# mined subroutine " + String.format("%016x", i) + ": 3 ops, 1 input\nblock " + name
                            + "(a):\n    return silu(a) * sigmoid(a) + a\n",
                    i % 7, 0.5 + (i % 5) * 0.01, 0.5, 0, null, null, null));
        }
        SubroutineCatalog tool = new SubroutineCatalog(store, campaign.id());
        SubroutineCatalog.Listing l = tool.list();
        assertThat(l.subroutines()).hasSize(300);
        assertThat(SubroutineCatalog.lift(l.subroutines().get(0))).isCloseTo(0.04, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(l.subroutines().get(0).support()).isEqualTo(6);
        String text = tool.listSubroutines(true);
        assertThat(text.length()).isLessThanOrEqualTo(SubroutineCatalog.MAX_CHARS);
        assertThat(text).contains("… 290 more subroutines").contains("return silu(a)");
        assertThat(tool.byName("mined_0000000004")).isPresent();
    }

    // ---- directives

    @Test
    void directivesInForceOldestFirstBounded() {
        Directive a = store.directives().add(campaign.id(), "prefer recurrent mixers", null);
        Directive b = store.directives().add(campaign.id(), "stop using softmax", null);
        store.directives().add(campaign.id(), "something impossible", null);
        store.directives().resolve(a.id(), DirectiveStatus.APPLIED, null, "weights recurrent moves up");
        store.directives().resolve(b.id() + 1, DirectiveStatus.REJECTED, null, "cannot");
        DirectiveBoard tool = new DirectiveBoard(store, campaign.id());
        assertThat(tool.active().directives()).extracting(Directive::text)
                .containsExactly("prefer recurrent mixers", "stop using softmax");
        assertThat(tool.active().pending()).extracting(Directive::seq).containsExactly(2);
        assertThat(tool.listDirectives()).contains("#1 applied: prefer recurrent mixers")
                .contains("became: weights recurrent moves up").doesNotContain("impossible");
        for (int i = 0; i < 200; i++) {
            store.directives().add(campaign.id(), "directive " + i + " " + "v".repeat(1000), null);
        }
        String text = tool.listDirectives();
        assertThat(text.length()).isLessThanOrEqualTo(DirectiveBoard.MAX_CHARS);
        assertThat(text).contains("older directives left out");
    }
}
