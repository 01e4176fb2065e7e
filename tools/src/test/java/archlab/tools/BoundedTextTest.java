package archlab.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Locale;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class BoundedTextTest {

    @Property(tries = 200)
    void neverExceedsItsBudget(@ForAll @IntRange(min = 80, max = 5000) int budget,
                               @ForAll @StringLength(max = 3000) String line, @ForAll @IntRange(max = 50) int lines) {
        BoundedText t = new BoundedText(budget);
        for (int i = 0; i < lines; i++) {
            t.line(line);
        }
        assertThat(t.toString().length()).isLessThanOrEqualTo(budget);
    }

    @Test
    void saysHowMuchWasLeftOut() {
        BoundedText t = new BoundedText(100);
        for (int i = 0; i < 10; i++) {
            t.line("line number %d with some words in it", i);
        }
        assertThat(t.full()).isTrue();
        assertThat(t.toString()).startsWith("line number 0").contains("more lines left out (limit 100 characters)");
    }

    @Test
    void numbersReadTheSameInEveryLocale() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertThat(BoundedText.number(0.123456)).isEqualTo("0.1235");
            assertThat(BoundedText.number(271040.0)).isEqualTo("271000");
            assertThat(BoundedText.number(3e-7)).isEqualTo("3.000e-07");
            assertThat(BoundedText.number(2.5e12)).isEqualTo("2.500e+12");
            assertThat(BoundedText.number(Double.NaN)).isEqualTo("NaN");
            assertThat(BoundedText.number((Double) null)).isEqualTo("n/a");
            assertThat(BoundedText.count(1234567L)).isEqualTo("1,234,567");
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void clipsToOneLine() {
        assertThat(BoundedText.clip("a\n  b\tc", 10)).isEqualTo("a b c");
        assertThat(BoundedText.clip("x".repeat(50), 10)).hasSize(10).endsWith("…");
        assertThat(BoundedText.clip(null, 10)).isEmpty();
    }

    @Test
    void refusesABudgetTooSmallToSayAnything() {
        assertThatThrownBy(() -> new BoundedText(10)).hasMessageContaining("at least 80");
    }
}
