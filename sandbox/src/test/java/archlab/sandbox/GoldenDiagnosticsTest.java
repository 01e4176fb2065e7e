package archlab.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.sandbox.lang.Diagnostic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden error messages: every {@code golden/NAME.arch} under {@code src/test/resources} is a definition
 * with one kind of mistake, and {@code NAME.expected} holds what {@code archlab check} says about it
 * (each {@link Diagnostic#render()}, errors then warnings, joined by newlines).
 *
 * <p>Run with {@code -Dgolden.update=true} to rewrite the {@code .expected} files from the current
 * checker; then read the diff, since the messages are what an LLM coder gets to act on.
 */
class GoldenDiagnosticsTest {
    /** Maven runs tests with the module directory as the working directory. */
    static final Path DIR = Path.of("src", "test", "resources", "golden");
    static final boolean UPDATE = Boolean.getBoolean("golden.update");

    static Stream<String> cases() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".arch"))
                    .map(n -> n.substring(0, n.length() - ".arch".length()))
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    static String render(CheckReport report) {
        List<String> parts = new ArrayList<>();
        report.errors().forEach(d -> parts.add(d.render()));
        report.warnings().forEach(d -> parts.add(d.render()));
        return String.join("\n", parts);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void diagnosticsMatchTheGoldenFile(String name) throws IOException {
        String file = name + ".arch";
        String source = Files.readString(DIR.resolve(file), StandardCharsets.UTF_8);
        CheckReport report = ModelDefinition.check(source, file);

        // Every golden case is a mistake: it must fail with located, non-empty errors.
        assertThat(report.ok()).as("%s should not check", file).isFalse();
        long lines = source.lines().count();
        for (Diagnostic d : report.errors()) {
            assertThat(d.file()).isEqualTo(file);
            assertThat(d.line()).as("line of %s", d.render()).isBetween(1, (int) Math.max(1, lines));
            assertThat(d.col()).as("col of %s", d.render()).isGreaterThanOrEqualTo(1);
            assertThat(d.message()).as("message of %s", d.render()).isNotBlank();
            assertThat(d.code()).as("code of %s", d.render()).matches("[a-z]+(-[a-z]+)*");
        }

        String actual = render(report);
        Path expectedFile = DIR.resolve(name + ".expected");
        if (UPDATE) {
            Files.writeString(expectedFile, actual + "\n", StandardCharsets.UTF_8);
            return;
        }
        assertThat(expectedFile).as("missing %s; run with -Dgolden.update=true", expectedFile).exists();
        String expected = Files.readString(expectedFile, StandardCharsets.UTF_8).stripTrailing();
        assertThat(actual).as("diagnostics of %s", file).isEqualTo(expected);
    }

    @Test
    void everyExpectedFileHasItsDefinitionAndThereAreEnoughKinds() throws IOException {
        List<String> cases = cases().toList();
        List<String> orphans;
        try (Stream<Path> files = Files.list(DIR)) {
            orphans = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".expected"))
                    .map(n -> n.substring(0, n.length() - ".expected".length()))
                    .filter(n -> !cases.contains(n))
                    .collect(Collectors.toList());
        }
        assertThat(orphans).as(".expected files without a .arch").isEmpty();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(30);
    }

    @Test
    void theGoldenCasesCoverManyKindsOfError() throws IOException {
        List<String> codes = new ArrayList<>();
        for (String name : cases().toList()) {
            String source = Files.readString(DIR.resolve(name + ".arch"), StandardCharsets.UTF_8);
            try {
                ModelDefinition.check(source, name + ".arch").errors().forEach(d -> codes.add(d.code()));
            } catch (RuntimeException | StackOverflowError e) {
                // reported by diagnosticsMatchTheGoldenFile
            }
        }
        assertThat(codes).contains("syntax", "unknown-op", "unknown-name", "arity", "unknown-argument",
                "shape-mismatch", "non-causal", "use-before-assignment", "reassigned", "unused", "missing-return",
                "unreachable", "recursion", "block-as-value", "op-as-value", "type", "output-shape", "scan-step",
                "too-large", "param-not-number", "bad-dim");
    }
}
