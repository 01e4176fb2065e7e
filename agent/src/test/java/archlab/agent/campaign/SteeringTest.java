package archlab.agent.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SteeringTest {
    @Test
    void everyKindRoundTripsThroughItsJson() {
        List<Steering> all = List.of(new Steering.Focus("Delta Rule"), new Steering.Avoid("softmax_attention"),
                new Steering.Prune("exp-1", "e1-x"), new Steering.Pin("exp-2", null), new Steering.Unpin(),
                new Steering.Inject("model(tokens):\n    return lm_head(embed(tokens, 16))\n", null, null, null),
                new Steering.Idea("a gated delta rule", "exp-3"), new Steering.Budget(60, 1800L),
                new Steering.Workers(3), new Steering.Seeds("verify", 3), new Steering.Pause(), new Steering.Resume(),
                new Steering.Stop(), new Steering.Revoke(2));
        for (Steering s : all) {
            String json = s.toJson();
            assertThat(json).contains("\"kind\":");
            assertThat(Steering.fromJson(json)).as(json).isEqualTo(s);
            assertThat(s.describe()).isNotBlank();
        }
        assertThat(new Steering.Focus("Delta Rule").target()).as("targets compare case-blind").isEqualTo("delta rule");
    }

    @Test
    void malformedDirectivesAreRefusedInWords() {
        assertThatThrownBy(() -> Steering.fromJson("{\"kind\":\"explode\"}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown directive kind explode").hasMessageContaining("avoid");
        assertThatThrownBy(() -> Steering.fromJson("{\"kind\":\"workers\",\"count\":0}"))
                .hasMessageContaining("workers must be between 1 and 256");
        assertThatThrownBy(() -> Steering.fromJson("{not json")).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> Steering.fromJson(null)).hasMessageContaining("no structured form");
        assertThatThrownBy(() -> new Steering.Avoid("rm -rf /; echo")).hasMessageContaining("is not an op, block");
        assertThatThrownBy(() -> new Steering.Budget(null, null)).hasMessageContaining("must set experiments or wall_clock");
        assertThatThrownBy(() -> new Steering.Inject("x".repeat(Steering.MAX_DEFINITION + 1), null, null, null))
                .hasMessageContaining("at most");
    }

    @Test
    void aCandidateUsesAnIdeaByOpByCallOrByTheme() {
        String source = "model(tokens):\n    x = short_conv(embed(tokens, 16), 4)\n    return lm_head(x)\n";
        assertThat(DirectivesInForce.uses("conv1d", null, List.of("conv1d", "linear"), null)).isTrue();
        assertThat(DirectivesInForce.uses("short_conv", source, List.of(), null)).isTrue();
        assertThat(DirectivesInForce.uses("short conv", source, List.of(), null)).as("spaces read as underscores").isTrue();
        assertThat(DirectivesInForce.uses("softmax hybrid", null, List.of(), "A sliding-window softmax-hybrid layer"))
                .isTrue();
        assertThat(DirectivesInForce.uses("conv", source, List.of("conv1d"), "widen the state")).isFalse();
        assertThat(DirectivesInForce.uses("decay", null, List.of(), "data-dependent decay gates")).isTrue();
    }
}
