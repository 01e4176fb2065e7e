package archlab.agent.console;

import archlab.agent.llm.Llm;
import archlab.agent.llm.LlmException;
import archlab.agent.llm.LlmReply;
import archlab.agent.llm.LlmRequest;
import archlab.agent.llm.Role;
import archlab.tools.ResearchTools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The console's LLM ({@code console} role, prompts/console.txt): it answers questions with the agent
 * tools over the store, and turns a steering request into the slash command that expresses it. The
 * command goes through the same parser as a typed one and is confirmed by the person before it is
 * stored, so the model can propose a directive but never apply one, and nothing it writes reaches
 * the campaign except through that typed, validated path.
 */
public final class LlmInterpreter implements Interpreter {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectNode SCHEMA = schema();

    private final Llm llm;
    private final ResearchTools tools;
    private final CampaignAnswers answers;

    LlmInterpreter(Llm llm, ResearchTools tools, CampaignAnswers answers) {
        this.llm = Objects.requireNonNull(llm, "llm");
        this.tools = Objects.requireNonNull(tools, "tools");
        this.answers = Objects.requireNonNull(answers, "answers");
    }

    /** An interpreter over the campaign's store, with the tools the planner has. */
    public static LlmInterpreter over(Llm llm, ResearchTools tools, archlab.agent.campaign.CampaignConfig config) {
        return new LlmInterpreter(llm, tools, new CampaignAnswers(tools.store(), tools.campaignId(), config));
    }

    @Override
    public Reading read(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("status", answers.status());
        values.put("directives", answers.directives());
        values.put("commands", ConsoleSession.HELP);
        values.put("message", text);
        LlmReply reply;
        try {
            reply = llm.ask(new LlmRequest(Role.CONSOLE, "console", values, SCHEMA, tools.forModels(),
                    tools.campaignId(), null));
        } catch (LlmException e) {
            return new Reading("The LLM could not answer (" + e.kind() + "): " + e.getMessage()
                    + "; slash commands still work (/help).", null);
        }
        JsonNode json = reply.json();
        String answer = json == null ? reply.text() : json.path("answer").asText("");
        String command = json == null ? null : json.path("command").asText("");
        if (command != null && !command.isBlank() && !command.strip().startsWith("/")) {
            command = "/" + command.strip();
        }
        return new Reading(answer, command);
    }

    private static ObjectNode schema() {
        ObjectNode o = JSON.createObjectNode().put("type", "object");
        ObjectNode props = o.putObject("properties");
        props.putObject("answer").put("type", "string").put("description",
                "the answer to the question, or one sentence on what the directive will do; empty if neither");
        props.putObject("command").put("type", "string").put("description",
                "the one steering slash command the message asks for, such as /avoid softmax_attention; empty when it"
                        + " asks a question only");
        o.putArray("required").add("answer").add("command");
        o.put("additionalProperties", false);
        return o;
    }
}
