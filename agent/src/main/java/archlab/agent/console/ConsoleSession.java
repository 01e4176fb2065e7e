package archlab.agent.console;

import archlab.agent.campaign.CampaignConfig;
import archlab.agent.campaign.CampaignFile;
import archlab.agent.campaign.Steering;
import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Directive;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.Store;
import archlab.tools.DefinitionChecker;
import org.jline.reader.Parser;
import org.jline.reader.impl.DefaultParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One person's conversation with a campaign, line by line, without a terminal: {@link #handle} takes
 * what they typed and returns what to print. Slash commands answer from the store or become
 * directives; free text goes to the LLM interpreter when there is one, and a directive it proposes
 * waits for a yes. The JLine front end ({@link Console}) and the tests drive the same object.
 */
public final class ConsoleSession {
    static final String HELP = """
            Questions
              /best                      best design so far, and why
              /show N                    one experiment in full (N is its number: 41, e41 or its id)
              /why N                     why N failed, or why it did as it did
              /compare A B               two experiments side by side, with their definitions' diff
              /tried IDEA                what has been tried around an idea (decay, softmax, delta rule, ...)
              /status                    what is running now
              /budget                    spend against the limits
              /directives                the directives and their effect so far
            Notes (kept in the store, shown by /show, the CLI and the browser, exported)
              /note N TEXT               a note on experiment N
              /tag N TAG  |  /untag N TAG   a one-word tag (keep, needs-seeds, ...) on N, or off it
            Steering (applied at the campaign's next step boundary, kept across resume)
              /focus IDEA                the planner prefers an op, block, design move or theme
              /avoid IDEA                no later proposal that uses or names it is trained
              /prune N                   no new children under N; its queued descendants are dropped
              /pin N  |  /unpin          every step expands N, until unpinned
              /inject FILE [under N] [as TITLE]   train a ready definition next, as a child of N
              /try IDEA [under N]        the next step expands N (default: the best) with this idea
              /budget experiments=N wall_clock=30m   change the limits
              /workers N                 how many runs train at once
              /seeds STAGE N             seeds per design at a stage still to come
              /pause  |  /resume  |  /stop
              /revoke K                  withdraw directive #K
            /help, /quit""";

    private final Store store;
    private final String campaignId;
    private final CampaignAnswers answers;
    private final Interpreter interpreter;
    private final Path workingDir;
    /** A directive the interpreter proposed, waiting for yes or no. */
    private Proposed awaiting;
    private boolean over;

    /** A directive proposed from free text: the command it stands for and its structured form. */
    record Proposed(String command, Steering steering) {
    }

    /** What to print after a line, and whether the session waits for a yes/no. */
    public record Reply(String text, boolean asking) {
    }

    public ConsoleSession(Store store, String campaignId, CampaignConfig config, Interpreter interpreter,
                          Path workingDir) {
        this.store = Objects.requireNonNull(store, "store");
        this.campaignId = Objects.requireNonNull(campaignId, "campaignId");
        this.answers = new CampaignAnswers(store, campaignId, config);
        this.interpreter = interpreter;
        this.workingDir = workingDir == null ? Path.of("") : workingDir;
    }

    /** The campaign file a campaign started with, as stored; null when it no longer validates (an import). */
    public static CampaignConfig configOf(Campaign c, Path where) {
        if (c.config() == null || c.config().isBlank()) {
            return null;
        }
        try {
            return CampaignFile.parse(c.config(), where.resolve("campaign.yaml"));
        } catch (RuntimeException | archlab.agent.campaign.CampaignConfigException e) {
            return null;
        }
    }

    /** The campaign's experiment names (the id where one has none), oldest first: what tab completion offers. */
    public List<String> experimentNames() {
        return store.experiments().summaries(campaignId, null).stream()
                .map(e -> e.name() == null || e.name().isBlank() ? e.id() : e.name()).toList();
    }

    public boolean over() {
        return over;
    }

    /** Handles one line; never throws for anything a person can type. */
    public Reply handle(String line) {
        String text = line == null ? "" : line.strip();
        try {
            if (awaiting != null) {
                return confirm(text);
            }
            if (text.isEmpty()) {
                return new Reply("", false);
            }
            if (!text.startsWith("/")) {
                return freeText(text);
            }
            return command(text);
        } catch (ConsoleException e) {
            return new Reply(e.getMessage(), false);
        } catch (RuntimeException e) {
            // A store that went away, a file that vanished: said in one line, the session goes on.
            return new Reply("could not do that: " + (e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage()), false);
        }
    }

    private Reply command(String text) {
        List<String> words = words(text);
        String name = words.get(0).toLowerCase(Locale.ROOT);
        List<String> args = words.subList(1, words.size());
        return switch (name) {
            case "/help", "/?" -> new Reply(HELP, false);
            case "/quit", "/exit", "/q" -> {
                over = true;
                yield new Reply("bye", false);
            }
            case "/best" -> new Reply(answers.best(), false);
            case "/show" -> new Reply(answers.show(one(args, "/show N")), false);
            case "/why" -> new Reply(answers.why(one(args, "/why N")), false);
            case "/compare" -> {
                if (args.size() != 2) {
                    throw new ConsoleException("usage: /compare A B, for example /compare 12 41");
                }
                yield new Reply(answers.compare(args.get(0), args.get(1)), false);
            }
            case "/tried" -> new Reply(answers.tried(rest(args, "/tried IDEA")), false);
            case "/status" -> new Reply(answers.status(), false);
            case "/directives" -> new Reply(answers.directives(), false);
            case "/note" -> {
                if (args.size() < 2) {
                    throw new ConsoleException("usage: /note N TEXT, for example /note e7 recall jumps after step 300");
                }
                yield new Reply(answers.note(args.get(0), String.join(" ", args.subList(1, args.size()))), false);
            }
            case "/tag", "/untag" -> {
                if (args.size() != 2) {
                    throw new ConsoleException("usage: " + name + " N TAG, for example " + name + " e7 keep");
                }
                yield new Reply(name.equals("/tag") ? answers.tag(args.get(0), args.get(1))
                        : answers.untag(args.get(0), args.get(1)), false);
            }
            case "/budget" -> args.isEmpty() ? new Reply(answers.budget(), false) : steer(text, steering(name, args));
            default -> {
                if (!STEERING.contains(name)) {
                    throw new ConsoleException("unknown command " + name + "; /help lists the commands");
                }
                yield steer(text, steering(name, args));
            }
        };
    }

    private static final List<String> STEERING = List.of("/focus", "/avoid", "/prune", "/pin", "/unpin", "/inject",
            "/try", "/budget", "/workers", "/seeds", "/pause", "/resume", "/stop", "/revoke");

    /** The structured directive a steering command stands for; usage errors are {@link ConsoleException}s. */
    Steering steering(String name, List<String> args) {
        try {
            return switch (name) {
                case "/focus" -> new Steering.Focus(rest(args, "/focus IDEA"));
                case "/avoid" -> new Steering.Avoid(rest(args, "/avoid IDEA"));
                case "/prune" -> {
                    Experiment e = answers.find(one(args, "/prune N"));
                    yield new Steering.Prune(e.id(), e.name());
                }
                case "/pin" -> {
                    Experiment e = answers.find(one(args, "/pin N"));
                    yield new Steering.Pin(e.id(), e.name());
                }
                case "/unpin" -> new Steering.Unpin();
                case "/pause" -> new Steering.Pause();
                case "/resume" -> new Steering.Resume();
                case "/stop" -> new Steering.Stop();
                case "/inject" -> inject(args);
                case "/try" -> idea(args);
                case "/budget" -> budget(args);
                case "/workers" -> new Steering.Workers(integer(one(args, "/workers N"), "/workers N"));
                case "/seeds" -> {
                    if (args.size() != 2) {
                        throw new ConsoleException("usage: /seeds STAGE N, for example /seeds verify 3");
                    }
                    yield new Steering.Seeds(args.get(0), integer(args.get(1), "/seeds STAGE N"));
                }
                case "/revoke" -> new Steering.Revoke(integer(one(args, "/revoke K").replace("#", ""), "/revoke K"));
                default -> throw new ConsoleException("unknown command " + name + "; /help lists the commands");
            };
        } catch (IllegalArgumentException e) {
            throw new ConsoleException(name + ": " + e.getMessage());
        }
    }

    private Steering inject(List<String> args) {
        if (args.isEmpty()) {
            throw new ConsoleException("usage: /inject FILE [under N] [as TITLE]");
        }
        Path file = workingDir.resolve(args.get(0));
        String parent = null;
        String title = null;
        for (int i = 1; i < args.size(); i++) {
            String w = args.get(i).toLowerCase(Locale.ROOT);
            if (w.equals("under") && i + 1 < args.size()) {
                parent = answers.find(args.get(++i)).id();
            } else if (w.equals("as") && i + 1 < args.size()) {
                title = String.join(" ", args.subList(i + 1, args.size()));
                break;
            } else {
                throw new ConsoleException("usage: /inject FILE [under N] [as TITLE]; did not expect \"" + args.get(i) + "\"");
            }
        }
        String source;
        try {
            if (Files.size(file) > Steering.MAX_DEFINITION) {
                throw new ConsoleException(args.get(0) + " is " + Files.size(file) + " bytes; a definition may have at most "
                        + Steering.MAX_DEFINITION);
            }
            source = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConsoleException("cannot read " + args.get(0) + ": " + e.getMessage());
        }
        // Checked here too, so that a typo is reported with its line and column before anything is stored.
        DefinitionChecker.Check check = new DefinitionChecker().check(source, file.getFileName().toString());
        if (!check.ok()) {
            throw new ConsoleException(args.get(0) + " does not check: " + check.firstError());
        }
        if (title == null) {
            title = "injected " + file.getFileName().toString().replaceAll("\\.arch$", "");
        }
        return new Steering.Inject(source, parent, title, "injected from the console: " + args.get(0));
    }

    private Steering idea(List<String> args) {
        List<String> words = new ArrayList<>(args);
        String parent = null;
        int under = words.stream().map(w -> w.toLowerCase(Locale.ROOT)).toList().lastIndexOf("under");
        if (under >= 0 && under == words.size() - 2) {
            parent = answers.find(words.get(under + 1)).id();
            words = words.subList(0, under);
        }
        return new Steering.Idea(rest(words, "/try IDEA [under N]"), parent);
    }

    private static Steering budget(List<String> args) {
        Integer experiments = null;
        Long wall = null;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2) {
                throw new ConsoleException("usage: /budget experiments=N wall_clock=30m (either or both)");
            }
            switch (kv[0].toLowerCase(Locale.ROOT).replace('-', '_')) {
                case "experiments" -> experiments = integer(kv[1], "experiments=N");
                case "wall_clock", "wall" -> wall = CampaignFile.parseDuration(kv[1]).map(Duration::toSeconds)
                        .orElseThrow(() -> new ConsoleException("wall_clock must be a duration such as 90s, 30m or 2h, was "
                                + kv[1]));
                default -> throw new ConsoleException("/budget sets experiments and wall_clock; token and money limits"
                        + " stay as the campaign file sets them (unknown: " + kv[0] + ")");
            }
        }
        return new Steering.Budget(experiments, wall);
    }

    /** Stores a directive, or says why the campaign cannot take one. */
    private Reply steer(String text, Steering s) {
        Campaign c = store.campaigns().find(campaignId).orElseThrow(() -> new ConsoleException("the campaign is gone"));
        CampaignStatus st = c.status();
        if (st == CampaignStatus.DONE || st == CampaignStatus.FAILED || st == CampaignStatus.IMPORTED) {
            throw new ConsoleException("the campaign is " + st.dbValue() + ", so the console is read-only: questions"
                    + " work, directives do not");
        }
        Directive d = store.directives().add(campaignId, text, s.toJson());
        String when = st == CampaignStatus.STOPPED || st == CampaignStatus.CREATED
                ? "it applies when the campaign is resumed (archlab resume)"
                : "it applies at the next step boundary";
        return new Reply("directive #" + d.seq() + " stored: " + s.describe() + "; " + when, false);
    }

    private Reply freeText(String text) {
        if (interpreter == null) {
            return new Reply("Without an LLM the console understands slash commands only; /help lists them.", false);
        }
        Interpreter.Reading r = interpreter.read(text);
        if (r.command() == null) {
            return new Reply(r.answer(), false);
        }
        Steering s;
        List<String> words = words(r.command());
        String name = words.get(0).toLowerCase(Locale.ROOT);
        try {
            if (!STEERING.contains(name)) {
                throw new ConsoleException("not a steering command");
            }
            s = steering(name, words.subList(1, words.size()));
        } catch (ConsoleException e) {
            return new Reply((r.answer().isBlank() ? "" : r.answer() + "\n") + "I could not turn that into a directive ("
                    + r.command() + ": " + e.getMessage() + "); try a slash command, /help lists them.", false);
        }
        awaiting = new Proposed(r.command(), s);
        String json = s.toJson();
        return new Reply((r.answer().isBlank() ? "" : r.answer() + "\n") + "I read this as the directive:\n  "
                + r.command() + "\n  " + (json.length() > 400 ? json.substring(0, 400) + "…" : json)
                + "\nApply it? [y/N]", true);
    }

    private Reply confirm(String text) {
        Proposed p = awaiting;
        awaiting = null;
        if (text.equalsIgnoreCase("y") || text.equalsIgnoreCase("yes")) {
            return steer(p.command(), p.steering());
        }
        return new Reply("not applied", false);
    }

    // ---------------------------------------------------------------- words

    /** Splits a command line into words, with quotes as a shell has them (JLine's parser). */
    static List<String> words(String line) {
        try {
            List<String> w = new DefaultParser().eofOnUnclosedQuote(true).parse(line, line.length(), Parser.ParseContext.ACCEPT_LINE).words().stream()
                    .filter(x -> !x.isEmpty()).toList();
            if (w.isEmpty()) {
                throw new ConsoleException("empty command; /help lists the commands");
            }
            return w;
        } catch (org.jline.reader.EOFError e) {
            throw new ConsoleException("unbalanced quotes in: " + line);
        }
    }

    private static String one(List<String> args, String usage) {
        if (args.size() != 1) {
            throw new ConsoleException("usage: " + usage);
        }
        return args.get(0);
    }

    private static String rest(List<String> args, String usage) {
        if (args.isEmpty()) {
            throw new ConsoleException("usage: " + usage);
        }
        return String.join(" ", args);
    }

    private static int integer(String s, String usage) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new ConsoleException("usage: " + usage + " (\"" + s + "\" is not a whole number)");
        }
    }

    Optional<Proposed> awaiting() {
        return Optional.ofNullable(awaiting);
    }
}
