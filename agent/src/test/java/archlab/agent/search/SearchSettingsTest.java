package archlab.agent.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.agent.research.Move;
import java.util.List;
import org.junit.jupiter.api.Test;

class SearchSettingsTest {
    @Test
    void constantsAreSetByNameInAnySpelling() {
        SearchSettings s = SearchSettings.builder().set("c_puct", "2.5").set("KAPPA", "0.25").set("widening-alpha", "0.3")
                .set("proposals", "64").set("moves", "mutate, recombine").build();
        assertThat(s.cPuct()).isEqualTo(2.5);
        assertThat(s.kappa()).isEqualTo(0.25);
        assertThat(s.wideningAlpha()).isEqualTo(0.3);
        assertThat(s.proposals()).isEqualTo(64);
        assertThat(s.moves()).containsExactly(Move.MUTATE, Move.RECOMBINE);
        assertThat(s.toBuilder().build()).isEqualTo(s);
    }

    @Test
    void badNamesAndValuesAreNamed() {
        assertThatThrownBy(() -> SearchSettings.builder().set("kapa", "1")).hasMessageContaining("unknown search setting 'kapa'");
        assertThatThrownBy(() -> SearchSettings.builder().set("kappa", "lots")).hasMessageContaining("kappa needs a number");
        assertThatThrownBy(() -> SearchSettings.builder().set("moves", "mutate,teleport"))
                .hasMessageContaining("unknown move 'teleport'");
        assertThatThrownBy(() -> SearchSettings.builder().evaluations(5).proposals(2).build())
                .hasMessageContaining("evaluations");
        assertThatThrownBy(() -> SearchSettings.builder().moves(List.of()).build()).hasMessageContaining("moves");
    }

    @Test
    void strategiesAreChosenByName() {
        for (String name : SearchStrategies.NAMES) {
            assertThat(SearchStrategies.create(" " + name.toUpperCase() + " ", SearchSettings.defaults()).name())
                    .isEqualTo(name);
        }
        assertThatThrownBy(() -> SearchStrategies.create("annealing", SearchSettings.defaults()))
                .hasMessageContaining("unknown search strategy 'annealing'").hasMessageContaining("mcts, rea");
    }
}
