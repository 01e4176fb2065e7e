package archlab.knowledge.mining;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Store;
import archlab.knowledge.store.Subroutine;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.Library;
import archlab.sandbox.lang.StandardLibrary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mining a campaign in the store, reading the subroutines back, and counting their later use. */
class SubroutineStoreTest {
    @TempDir
    Path runDir;

    @Test
    void minesACampaignStoresItsSubroutinesAndTracksTheirUse() throws Exception {
        try (Store store = Store.openRunFolder(runDir)) {
            Campaign c = store.campaigns().insert(Campaign.create("mining", "{}", "offline"));
            List<Experiment> experiments = new ArrayList<>();
            for (SyntheticPopulation.Member m : new SyntheticPopulation(11).generate(60, 18, 6)) {
                experiments.add(Experiment.builder(m.id(), c.id()).name(m.id()).checkedDefinition(m.source())
                        .status(m.failed() ? ExperimentStatus.FAILED : ExperimentStatus.DONE).fitness(m.fitness())
                        .failure(m.failed() ? "diverged" : null, m.failed() ? "loss is NaN" : null).build());
            }
            // Not finished, or not ours: left out of the population.
            experiments.add(Experiment.builder("queued", c.id()).checkedDefinition(
                    java.nio.file.Files.readString(Path.of("architectures/transformer.arch")))
                    .status(ExperimentStatus.QUEUED).build());
            experiments.add(Experiment.builder("torch", c.id()).definition("class M(nn.Module): ...", "pytorch", null, null)
                    .status(ExperimentStatus.DONE).fitness(0.9).build());
            store.experiments().insertAll(experiments);
            assertThat(SubroutineStore.population(store, c.id())).hasSize(60);

            SubroutineMiner.Result result = new SubroutineMiner().mineAndStore(store, c.id());
            assertThat(result.subroutines()).isNotEmpty();
            List<Subroutine> rows = store.subroutines().list(c.id());
            assertThat(rows).hasSize(result.subroutines().size());
            String motifCode = SubroutineMinerTest.codeOfBlock("block motif(u):\n    return "
                    + SyntheticPopulation.MOTIF.replace("U", "u") + "\n", "motif", 64);
            MinedSubroutine best = result.subroutines().get(0);
            assertThat(best.code()).isEqualTo(motifCode);
            assertThat(best.arity()).isEqualTo(1);
            Subroutine row = store.subroutines().find(SubroutineStore.id(c.id(), best.code())).orElseThrow();
            assertThat(row.name()).isEqualTo(best.name());
            assertThat(row.support()).isEqualTo(best.support());
            assertThat(row.meanFitnessWith()).isEqualTo(best.meanFitnessWith());
            assertThat(row.uses()).isZero();

            List<MinedSubroutine> loaded = SubroutineStore.load(store, c.id());
            assertThat(loaded).hasSize(rows.size());
            MinedSubroutine back = loaded.stream().filter(m -> m.code().equals(best.code())).findFirst().orElseThrow();
            assertThat(back).isEqualTo(best);

            // A new definition that calls the best block: it checks with the campaign's library, and its use counts.
            Library lib = SubroutineStore.library(store, c.id(), StandardLibrary.library());
            assertThat(lib.contains(best.name())).isTrue();
            String def = "param d = 64\nmodel(tokens):\n    x = embed(tokens, d)\n    y = x + " + best.name()
                    + "(rmsnorm(x))\n    return lm_head(rmsnorm(y))\n";
            ModelDefinition d = ModelDefinition.parse(def, "next.arch", lib, Map.of());
            assertThat(SubroutineStore.trackUsage(store, c.id(), d.graph()))
                    .anySatisfy(u -> assertThat(u.code()).isEqualTo(best.code()));
            assertThat(store.subroutines().find(SubroutineStore.id(c.id(), best.code())).orElseThrow().uses())
                    .isEqualTo(1);

            // Mining again updates the same rows and keeps their use counts.
            new SubroutineMiner().mineAndStore(store, c.id());
            assertThat(store.subroutines().list(c.id())).hasSize(rows.size());
            assertThat(store.subroutines().find(SubroutineStore.id(c.id(), best.code())).orElseThrow().uses())
                    .isEqualTo(1);
        }
    }
}
