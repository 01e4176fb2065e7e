package archlab.agent.llm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Prompt templates by name: the user's folder first, the jar's copies second, every placeholder filled. */
class PromptsTest {
    @TempDir
    Path dir;

    @Test
    void placeholdersAreFilledOnceAndValuesAreNotExpandedAgain() throws IOException {
        Files.writeString(dir.resolve("coder-write.txt"), "Write {{hypothesis}} for {{ task }}.\n{{hypothesis}}!");

        String text = Prompts.in(dir).render("coder-write", Map.of("hypothesis", "a {{task}} gate", "task", "mqar"));

        assertThat(text).isEqualTo("Write a {{task}} gate for mqar.\na {{task}} gate!");
    }

    @Test
    void aFileInTheFolderOverridesTheBundledTemplateAndEditsApplyAtOnce() throws IOException {
        Prompts prompts = Prompts.in(dir);
        String bundled = prompts.template("repair");
        Files.writeString(dir.resolve("repair.txt"), "Fix this: {{error}}");

        assertThat(prompts.render("repair", Map.of("error", "missing risk"))).isEqualTo("Fix this: missing risk");
        assertThat(Prompts.in(null).template("repair")).isEqualTo(bundled);
    }

    @Test
    void theBundledTemplatesAreTheCheckoutsOwn() throws IOException {
        Path checkout = Path.of("..", "prompts").toAbsolutePath().normalize();

        assertThat(Prompts.in(null).template("repair")).isEqualTo(Files.readString(checkout.resolve("repair.txt")));
        assertThat(Prompts.in(null).template("schema")).isEqualTo(Files.readString(checkout.resolve("schema.txt")));
        assertThat(Prompts.standard().directory()).contains(checkout);
    }

    @Test
    void errorsNameTheTemplateAndThePlaceholder() throws IOException {
        Files.writeString(dir.resolve("analyst.txt"), "Explain {{result}} against {{parent}}.");
        Files.writeString(dir.resolve("dated.txt"), "Today is {{current_date}}.");
        Prompts prompts = Prompts.in(dir);

        assertThatThrownBy(() -> prompts.render("analyst", Map.of("result", "r")))
                .hasMessage("prompt template 'analyst' needs a value for {{parent}}; given: [result]");
        assertThatThrownBy(() -> prompts.render("planner-nope", Map.of()))
                .hasMessage("unknown prompt template 'planner-nope': no " + dir.resolve("planner-nope.txt")
                        + " and no bundled archlab/prompts/planner-nope.txt");
        assertThatThrownBy(() -> prompts.template("../etc/passwd"))
                .hasMessageStartingWith("prompt template name '../etc/passwd': use lower-case letters");
        assertThatThrownBy(() -> prompts.render("dated", Map.of()))
                .hasMessageContaining("uses {{current_date}}: it changes with the clock");
    }
}
