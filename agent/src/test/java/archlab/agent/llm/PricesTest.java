package archlab.agent.llm;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PricesTest {

    @Test
    void exactNamesWinThenTheLongestPrefix() {
        Prices p = Prices.parse("""
                models:
                  claude*: {input: 9, output: 9}
                  claude-sonnet-4-5*: {input: 3, output: 15}
                  claude-sonnet-4-5-20250929: {input: 2.5, output: 12}
                """, "t");

        assertThat(p.find("claude-sonnet-4-5-20250929")).contains(new Prices.Price(2.5, 12));
        assertThat(p.find("claude-sonnet-4-5-20991231")).contains(new Prices.Price(3, 15));
        assertThat(p.find("claude-haiku-4-5")).contains(new Prices.Price(9, 9));
        assertThat(p.find("llama3.1:8b")).isEmpty();
        assertThat(new Prices.Price(3, 15).cost(1_000_000, 200_000)).isCloseTo(6.0, within(1e-12));
    }

    @Test
    void theShippedTableParsesAndIsTheOneUsedByDefault() throws Exception {
        Path file = Path.of("..", "prices.yaml");
        Prices shipped = Prices.load(file);

        assertThat(shipped.find("gpt-4o-mini-2024-07-18")).contains(new Prices.Price(0.15, 0.60));
        assertThat(shipped.find("claude-sonnet-4-5-20250929")).contains(new Prices.Price(3.00, 15.00));
        assertThat(Prices.resolve(null).source()).isEqualTo(file.toAbsolutePath().normalize().toString());
        assertThat(Files.readString(file)).contains("USD per million tokens");
    }

    @Test
    void errorsNameTheEntry() {
        assertThatThrownBy(() -> Prices.parse("models:\n  gpt-4o: {input: cheap, output: 10}\n", "prices.yaml"))
                .hasMessage("prices.yaml: models.gpt-4o.input: expected a price in USD per million tokens (a number >= 0)");
        assertThatThrownBy(() -> Prices.parse("models:\n  gpt-4o: {input: 1, outptu: 10}\n", "prices.yaml"))
                .hasMessage("prices.yaml: models.gpt-4o.outptu: unknown key; known: input, output");
        assertThatThrownBy(() -> Prices.parse("gpt-4o: 1\n", "prices.yaml"))
                .hasMessageStartingWith("prices.yaml: expected a 'models:' map");
        assertThatThrownBy(() -> Prices.load(Path.of("no-such-prices.yaml")))
                .hasMessageStartingWith("llm.prices: no price table at ");
    }
}
