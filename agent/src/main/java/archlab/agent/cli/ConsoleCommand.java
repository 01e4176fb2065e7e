package archlab.agent.cli;

import archlab.agent.campaign.CampaignConfig;
import archlab.agent.console.Console;
import archlab.agent.console.ConsoleSession;
import archlab.agent.console.Interpreter;
import archlab.agent.console.LlmInterpreter;
import archlab.agent.llm.Llms;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.Store;
import archlab.tools.ResearchTools;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code archlab console RUN}: talk to a campaign and steer it with directives. */
@Command(
        name = "console",
        description = "Talk to a running (or finished) campaign and steer it: /best, /why N, /avoid IDEA, /inject FILE,"
                + " ... (/help lists them). Directives are stored, applied at the campaign's next step boundary and"
                + " kept across resume. With an llm: section in the campaign, free text is answered, or turned into a"
                + " directive that you confirm.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the console ended", "1:RUN holds no store or no campaign", "2:usage error"})
final class ConsoleCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "A run folder, or a JDBC URL of a shared store.")
    String run;

    @Option(names = "--campaign", paramLabel = "NAME", description = "The campaign, when the store holds several.")
    String campaign;

    @Option(names = "--offline", description = "Do not use the campaign's LLM for free text, even if it has one.")
    boolean offline;

    @Option(names = "--every", paramLabel = "SECONDS", defaultValue = "2",
            description = "How often the campaign's news is shown, in seconds; 0 shows none (default: ${DEFAULT-VALUE}).")
    double every;

    @Override
    public Integer call() throws IOException {
        if (every < 0 || every > 3600) {
            throw new InvalidInputException("--every must be between 0 and 3600 seconds, was " + every);
        }
        try (Store store = RunStores.open(run, true)) {
            Campaign c = RunStores.campaign(store, run, campaign);
            Path folder = run.startsWith("jdbc:") ? Path.of("") : Path.of(run);
            CampaignConfig config = ConsoleSession.configOf(c, folder);
            Interpreter interpreter = null;
            String llmNote = "no LLM: slash commands only";
            if (!offline && config != null && config.llm() != null) {
                var llm = Llms.create(CampaignAssembly.llmConfig(config), store, c.id(), null);
                ResearchTools tools = ResearchTools.builder(store, c.id()).build();
                interpreter = LlmInterpreter.over(llm, tools, config);
                llmNote = "free text goes to " + llm.describe(archlab.agent.llm.Role.CONSOLE);
            }
            ConsoleSession session = new ConsoleSession(store, c.id(), config, interpreter, Path.of(""));
            String greeting = "archlab console: campaign " + c.name() + " (" + c.id() + "), "
                    + c.status().dbValue() + "; " + llmNote + ". /help lists the commands, /quit leaves.";
            try (Terminal terminal = TerminalBuilder.builder().name("archlab").system(true).build()) {
                Console.run(session, terminal, greeting, every == 0 ? null : Console.feed(store, c.id()),
                        every == 0 ? null : Duration.ofMillis((long) (every * 1000)));
            }
        }
        return ExitCodes.OK;
    }
}
