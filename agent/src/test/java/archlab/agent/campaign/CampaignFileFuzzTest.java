package archlab.agent.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import org.junit.jupiter.api.Test;

/**
 * Whatever a campaign file holds, {@link CampaignFile#parse} returns a config or a
 * {@link CampaignConfigException} whose every problem names the file (and a line where there is one);
 * never another exception, never a hang. Mutations of the real campaign files, YAML token soups,
 * random text, and hostile YAML (alias bombs, deep nesting, huge scalars). The number of tries is
 * jqwik's default ({@code jqwik.tries.default}; scripts/fuzz.sh raises it to 100,000).
 */
class CampaignFileFuzzTest {
    private static final Path FILE = Path.of("..", "campaigns", "fuzz.yaml").toAbsolutePath().normalize();
    private static final Pattern PROBLEM = Pattern.compile(Pattern.quote(FILE.toString()) + "(:\\d+)?: .+",
            Pattern.DOTALL);
    static final List<String> CORPUS = corpus();

    static List<String> corpus() {
        List<String> out = new ArrayList<>();
        for (String name : List.of("quickstart.yaml", "llm-openai-compatible.yaml")) {
            try {
                out.add(Files.readString(Path.of("..", "campaigns", name)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    static void assertClean(String text) {
        Callable<Void> parse = () -> {
            try {
                CampaignConfig c = CampaignFile.parse(text, FILE);
                assertThat(c.name()).isNotBlank();
                assertThat(c.stages()).isNotEmpty();
            } catch (CampaignConfigException e) {
                assertThat(e.problems()).isNotEmpty();
                for (String p : e.problems()) {
                    assertThat(p).as("a problem names the file").matches(PROBLEM);
                }
            }
            return null;
        };
        // A thread per input: one that hangs is abandoned (and reported), not left blocking the next.
        Throwable[] thrown = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                parse.call();
            } catch (Throwable e) {
                thrown[0] = e;
            }
        }, "fuzz");
        t.setDaemon(true);
        long start = System.nanoTime();
        t.start();
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        if (t.isAlive()) {
            throw new AssertionError("parsing hung (over 10 s) on:\n" + clip(text));
        }
        if (thrown[0] != null) {
            throw new AssertionError("parsing threw " + thrown[0] + " after " + (System.nanoTime() - start) / 1_000_000
                    + " ms on:\n" + clip(text), thrown[0]);
        }
    }

    static String clip(String s) {
        return s.length() <= 2000 ? s : s.substring(0, 2000) + "…";
    }

    static final List<String> VALUES = List.of("", "~", "null", "0", "-1", "1", "3", "40", "1e999", "-0.5", "NaN",
            "99999999999999999999", "9m", "0s", "2h", "3d", "-5m", "abc", "true", "[]", "{}", "[1, 2]", "{a: 1}",
            "mqar", "charlm", "selective_copy", "nope", "mcts", "rea", "random", "pool", "greedy", "offline", "llm",
            "../knowledge-base/architectures/linear_attention.arch", "/etc/passwd", "../../../../etc/shadow",
            "jdbc:postgresql://localhost/x", "jdbc:h2:mem:x", "file:///x", "'quoted'", "\"dq\"", "|\n  block",
            "!!binary aGVsbG8=", "*undefined_alias", "&a x", "{vocab: 32, seq_len: -1}", "[{name: s}]",
            "{name: explore, steps: 0}", "{top: -3}", "\t");

    /** The real files with lines dropped, duplicated, reindented or given other values. */
    @Provide
    Arbitrary<String> mutated() {
        return Combinators.combine(Arbitraries.of(CORPUS), Arbitraries.integers().between(0, 400).list().ofMaxSize(6),
                Arbitraries.of(VALUES).list().ofSize(6), Arbitraries.integers().between(0, 3).list().ofSize(6))
                .as((text, at, vals, modes) -> {
                    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
                    for (int i = 0; i < at.size(); i++) {
                        int k = at.get(i) % lines.size();
                        String line = lines.get(k);
                        switch (modes.get(i)) {
                            case 0 -> lines.remove(k);
                            case 1 -> lines.add(k, line);
                            case 2 -> lines.set(k, "  " + line);
                            default -> {
                                int colon = line.indexOf(':');
                                lines.set(k, colon < 0 ? vals.get(i) : line.substring(0, colon + 1) + " " + vals.get(i));
                            }
                        }
                        if (lines.isEmpty()) {
                            lines.add("");
                        }
                    }
                    return String.join("\n", lines);
                });
    }

    static final List<String> TOKENS = List.of("name:", "task:", "baseline:", "budget:", "stages:", "search:",
            "policy:", "llm:", "workers:", "store:", "seeds:", "seed:", "experiments:", "wall_clock:", "steps:",
            "promote:", "top:", "options:", "strategy:", "- ", "  ", "    ", "\n", "\n", "{", "}", "[", "]", ",", ":",
            "&a ", "*a ", "!!str ", "? ", "|", ">", "---", "...", "#", "'", "\"", "x", "1", "-1", "9m", "mqar",
            "offline", "explore", "verify");

    @Provide
    Arbitrary<String> soup() {
        return Arbitraries.of(TOKENS).list().ofMaxSize(80).map(ts -> String.join("", ts));
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void mutatedCampaignFilesValidateOrExplainThemselves(@ForAll("mutated") String text) {
        assertClean(text);
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void yamlTokenSoupValidatesOrExplainsItself(@ForAll("soup") String text) {
        assertClean(text);
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void randomTextValidatesOrExplainsItself(@ForAll String text) {
        assertClean(text);
    }

    @Test
    void hostileYamlIsRefusedQuickly() {
        StringBuilder bomb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'z'; c++) {
            char p = (char) (c - 1);
            bomb.append(c).append(": &").append(c).append(" [*").append(p).append(",*").append(p).append(",*").append(p)
                    .append(",*").append(p).append(",*").append(p).append(",*").append(p).append("]\n");
        }
        bomb.append("name: *z\n");
        assertClean(bomb.toString());
        long t0 = System.nanoTime();
        assertClean("name: x\ntask: " + "[".repeat(100_000));
        System.out.println("deep [: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertClean("name: x\ntask: " + "{a: ".repeat(20_000) + "1" + "}".repeat(20_000));
        t0 = System.nanoTime();
        assertClean("name: " + "x".repeat(30_000_000) + "\n");
        System.out.println("30M scalar: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertClean(CORPUS.get(0) + "\nbaseline: /dev/zero\n");
        assertClean(CORPUS.get(0) + "\nbaseline: " + Path.of("..").toAbsolutePath().normalize() + "\n");
    }
}
