package archlab.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every ```arch example in docs/porting-from-pytorch.md is a complete definition that checks. */
class PortingGuideTest {
    static final Path GUIDE = Path.of("..", "docs", "porting-from-pytorch.md");
    static final Pattern FENCE = Pattern.compile("```arch\\n(.*?)```", Pattern.DOTALL);

    record Example(String name, String source) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Example> examples() throws IOException {
        String doc = Files.readString(GUIDE, StandardCharsets.UTF_8);
        List<Example> out = new ArrayList<>();
        Matcher m = FENCE.matcher(doc);
        while (m.find()) {
            String source = m.group(1);
            Matcher name = Pattern.compile("^arch (\\w+)", Pattern.MULTILINE).matcher(source);
            out.add(new Example(name.find() ? name.group(1) : "example " + (out.size() + 1), source));
        }
        return out;
    }

    static Stream<Example> each() throws IOException {
        return examples().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("each")
    void exampleChecks(Example e) {
        CheckReport r = ModelDefinition.check(e.source(), e.name() + ".arch");
        assertThat(r.errors()).as(e.source()).isEmpty();
        assertThat(r.warnings()).as(e.source()).isEmpty();
        assertThat(r.ok()).isTrue();
    }

    @Test
    void theGuideCoversTheIssuesTopicsWithExamples() throws IOException {
        String doc = Files.readString(GUIDE, StandardCharsets.UTF_8);
        assertThat(doc).contains("## Head reshapes and einsum", "## Causal masks", "## Short convolutions",
                "## Identity-start filters", "## Per-head gates and temperatures", "## Routers over paths",
                "## Schedules", "## What cannot be expressed");
        assertThat(examples()).hasSizeGreaterThanOrEqualTo(9)
                .extracting(Example::name).doesNotHaveDuplicates();
    }
}
