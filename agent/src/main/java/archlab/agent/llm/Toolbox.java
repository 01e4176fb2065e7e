package archlab.agent.llm;

import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.agent.tool.ToolSpecifications;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.service.tool.DefaultToolExecutor;
import dev.langchain4j.service.tool.ToolExecutor;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code @Tool} methods of a request's tool objects: their specifications go to the model, and
 * the calls it asks for run here through LangChain4j's {@link DefaultToolExecutor}. A failing or
 * unknown tool is reported back to the model as the result, so it can correct itself.
 */
final class Toolbox {
    /** Tools bound their own output; this only guards the context against one that does not. */
    static final int MAX_RESULT_CHARS = 20_000;

    private final Map<String, ToolSpecification> specs = new LinkedHashMap<>();
    private final Map<String, ToolExecutor> executors = new LinkedHashMap<>();

    static Toolbox of(List<Object> objects) {
        Toolbox box = new Toolbox();
        for (Object o : objects) {
            int found = 0;
            // The JVM lists methods in no fixed order; the specifications are part of the request and of
            // its replay-cache key, so they go in name order.
            Method[] methods = o.getClass().getDeclaredMethods();
            java.util.Arrays.sort(methods, java.util.Comparator.comparing(Method::getName));
            for (Method m : methods) {
                if (!m.isAnnotationPresent(Tool.class)) {
                    continue;
                }
                ToolSpecification spec = ToolSpecifications.toolSpecificationFrom(m);
                if (box.specs.containsKey(spec.name())) {
                    throw new IllegalArgumentException("two tools are named '" + spec.name() + "'");
                }
                box.specs.put(spec.name(), spec);
                box.executors.put(spec.name(), new DefaultToolExecutor(o, m));
                found++;
            }
            if (found == 0) {
                throw new IllegalArgumentException(o.getClass().getName() + " was given as a tool but has no @Tool method");
            }
        }
        return box;
    }

    List<ToolSpecification> specifications() {
        return new ArrayList<>(specs.values());
    }

    boolean isEmpty() {
        return specs.isEmpty();
    }

    ToolExecutionResultMessage execute(ToolExecutionRequest request) {
        ToolExecutor executor = executors.get(request.name());
        String result;
        if (executor == null) {
            result = "error: there is no tool named '" + request.name() + "'; the tools are " + specs.keySet();
        } else {
            try {
                result = executor.execute(request, null);
            } catch (RuntimeException e) {
                result = "error: tool " + request.name() + " failed: " + e.getMessage();
            }
        }
        if (result == null) {
            result = "";
        }
        if (result.length() > MAX_RESULT_CHARS) {
            result = result.substring(0, MAX_RESULT_CHARS) + "\n[truncated: the result had " + result.length()
                    + " characters]";
        }
        return ToolExecutionResultMessage.from(request, result);
    }
}
