package archlab.agent.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolSpecification;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tool specifications sent with a request (and hashed into its replay key) come in a fixed order. */
class ToolboxTest {
    static final class Lab {
        @Tool(name = "zeta_tool", value = "the last tool by name")
        public String zeta() {
            return "z";
        }

        @Tool(name = "alpha_tool", value = "the first tool by name")
        public String alpha() {
            return "a";
        }

        @Tool(name = "mid_tool", value = "a tool in between")
        public String mid() {
            return "m";
        }
    }

    @Test
    void specificationsAreInMethodNameOrderWhateverTheReflectionOrder() {
        List<String> names = Toolbox.of(List.of(new Lab())).specifications().stream().map(ToolSpecification::name)
                .toList();
        assertThat(names).containsExactly("alpha_tool", "mid_tool", "zeta_tool");
    }
}
