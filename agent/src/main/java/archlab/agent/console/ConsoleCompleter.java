package archlab.agent.console;

import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/**
 * Tab completion that knows what each word of a slash command is: the first word completes to a
 * command; where a command expects an experiment ({@code /show}, {@code /why}, {@code /compare},
 * {@code /prune}, {@code /pin}, and after {@code under}) it completes to the campaign's experiments,
 * short name first with the full name as its description; elsewhere (an idea, a file) it offers
 * nothing rather than commands.
 */
final class ConsoleCompleter implements Completer {
    static final Set<String> TAKE_EXPERIMENTS = Set.of("/show", "/why", "/compare", "/prune", "/pin", "/note", "/tag",
            "/untag");

    private final List<String> commands;
    private final Supplier<List<String>> experimentNames;

    ConsoleCompleter(List<String> commands, Supplier<List<String>> experimentNames) {
        this.commands = List.copyOf(commands);
        this.experimentNames = experimentNames;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        candidates.addAll(candidates(line.words(), line.wordIndex()));
    }

    /** What may stand at word {@code index} of {@code words}; the completion without a terminal, for tests. */
    List<Candidate> candidates(List<String> words, int index) {
        if (index == 0) {
            return commands.stream().map(c -> new Candidate(c, c, null, null, null, null, true)).toList();
        }
        String command = words.isEmpty() ? "" : words.get(0);
        // /note, /tag and /untag take an experiment first, then text
        boolean experiment = (TAKE_EXPERIMENTS.contains(command) && (index == 1 || command.equals("/compare")))
                || (index >= 2 && "under".equals(words.get(index - 1)));
        if (!experiment) {
            return List.of();
        }
        List<Candidate> out = new java.util.ArrayList<>();
        for (String name : experimentNames.get()) {
            String shortName = archlab.knowledge.store.ExperimentHandles.shortName(name);
            if (shortName != null && !shortName.equals(name)) {
                out.add(new Candidate(shortName, shortName, null, name, null, null, true));
            }
            out.add(new Candidate(name, name, null, null, null, null, true));
        }
        return out;
    }
}
