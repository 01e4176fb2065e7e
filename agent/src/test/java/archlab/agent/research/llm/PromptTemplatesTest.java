package archlab.agent.research.llm;

import static org.assertj.core.api.Assertions.assertThat;

import archlab.agent.research.ScriptedLlm;
import archlab.sandbox.CheckReport;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.Primitives;
import archlab.sandbox.lang.StandardLibrary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The prompt files: documented as they are, and a language reference that is right and complete. */
class PromptTemplatesTest {
    static final Path PROMPTS = ScriptedLlm.promptsFolder();
    static final List<String> TEMPLATES = List.of("planner-direction", "planner-hypotheses", "coder-write",
            "coder-repair", "analyst", "judge");

    @Test
    void theReadmeListsEachTemplateWithExactlyItsPlaceholders() throws IOException {
        String readme = Files.readString(PROMPTS.resolve("README.md"), StandardCharsets.UTF_8);
        ScriptedLlm llm = new ScriptedLlm(PROMPTS);
        for (String name : TEMPLATES) {
            Matcher row = Pattern.compile("^\\| `" + name + "\\.txt` \\|[^|]*\\| (.*) \\|$", Pattern.MULTILINE)
                    .matcher(readme);
            assertThat(row.find()).as("a row for %s.txt in prompts/README.md", name).isTrue();
            Set<String> documented = Arrays.stream(row.group(1).split(","))
                    .map(s -> s.strip().replace("`", "")).collect(Collectors.toCollection(TreeSet::new));
            assertThat(documented).as(name).isEqualTo(llm.placeholders(name));
            for (String p : documented) {
                assertThat(readme).as("what {{%s}} holds", p).containsPattern("\\| `" + p + "`|`" + p + "`, `");
            }
        }
    }

    @Test
    void everyExampleInTheLanguageReferenceChecks() throws IOException {
        String sheet = LlmPolicy.readLanguageReference(PROMPTS);
        Matcher m = Pattern.compile("```\\n(.*?)```", Pattern.DOTALL).matcher(sheet);
        List<String> names = new ArrayList<>();
        while (m.find()) {
            CheckReport r = ModelDefinition.check(m.group(1), "example.arch");
            assertThat(r.errors()).as(r.name()).isEmpty();
            names.add(r.name());
        }
        assertThat(names).containsExactly("gated_linear_attention", "gated_delta");
    }

    @Test
    void theLanguageReferenceNamesEveryPrimitiveAndLibraryBlock() {
        String sheet = LlmPolicy.readLanguageReference(PROMPTS);
        Set<String> words = new TreeSet<>(Arrays.asList(sheet.split("[^A-Za-z0-9_]+")));
        assertThat(words).containsAll(Primitives.names());
        assertThat(words).containsAll(StandardLibrary.library().blocks().keySet());
    }

    @Test
    void aMissingPromptsFolderIsNamedInTheError() {
        Path nowhere = Path.of("no-such-prompts-folder");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LlmPolicy.readLanguageReference(nowhere))
                .hasMessageContaining("cannot read the coder's language reference no-such-prompts-folder/"
                        + LlmPolicy.LANGUAGE_REFERENCE);
    }
}
