package archlab.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.Store;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.agent.tool.ToolSpecifications;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tool set as LangChain4j sees it, and called the way a model calls it. */
class ResearchToolsTest {
    @TempDir
    Path run;

    @Test
    void everyToolHasANameADescriptionAndDescribedParameters() {
        try (Store store = Store.openRunFolder(run)) {
            Campaign c = Fixtures.campaign(store);
            ResearchTools tools = ResearchTools.builder(store, c.id()).papers(Fixtures.papers()).build();
            List<ToolSpecification> specs = new ArrayList<>();
            for (Object tool : tools.forModels()) {
                specs.addAll(ToolSpecifications.toolSpecificationsFrom(tool));
            }
            ToolSpecifications.validateSpecifications(specs); // unique names
            // LangChain4j lists a class's tools in the JVM's reflection order, which is not fixed.
            assertThat(specs).extracting(ToolSpecification::name).containsExactlyInAnyOrder("search_papers",
                    "similar_experiments", "similar_to_definition", "inspect_experiment", "check_definition",
                    "diff_definitions", "estimate_cost", "list_subroutines", "list_directives");
            assertThat(specs).allSatisfy(s -> assertThat(s.description()).hasSizeGreaterThan(40));
            for (Object tool : tools.forModels()) {
                for (Method m : tool.getClass().getMethods()) {
                    if (m.isAnnotationPresent(Tool.class)) {
                        assertThat(m.getReturnType()).isEqualTo(String.class);
                        for (Parameter p : m.getParameters()) {
                            P d = p.getAnnotation(P.class);
                            assertThat(d).as(m.getName() + " " + p).isNotNull();
                            assertThat(d.name()).matches("[a-z_]+");
                            assertThat(d.value()).isNotBlank();
                        }
                    }
                }
            }
            ToolSpecification search = specs.get(0);
            assertThat(search.parameters().properties()).containsOnlyKeys("query", "k");
            assertThat(search.parameters().required()).containsExactly("query");
        }
    }

    @Test
    void toolsAreCalledWithTheArgumentsAModelSends() throws Exception {
        try (Store store = Store.openRunFolder(run)) {
            Campaign c = Fixtures.campaign(store);
            Experiment e = store.experiments().insert(Fixtures.done(c.id(), null, "gla", Fixtures.architecture("gla"), 0.7));
            ResearchTools tools = ResearchTools.builder(store, c.id()).build();
            Method inspect = ExperimentInspector.class.getMethod("inspectExperiment", String.class, Boolean.class);
            assertThat((String) inspect.invoke(tools.experiments(), e.id(), null)).contains("arch gla");
            Method cost = CostEstimator.class.getMethod("estimateCost", String.class, Integer.class, Integer.class);
            assertThat((String) cost.invoke(tools.costs(), e.definition(), null, null)).startsWith("gla: ");
            assertThat(tools.forModels()).hasSize(6); // no paper index given
            assertThatThrownBy(tools::papers).hasMessageContaining("no paper index");
        }
    }
}
