package archlab.agent.campaign;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a directive asks the campaign to do, in structured form: the {@code structured} JSON of a stored
 * directive. The console makes one from a slash command or (with an LLM) from free text; the campaign
 * loop applies it at its next step boundary and replays it on resume. docs/console.md lists them.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Steering.Focus.class, name = "focus"),
    @JsonSubTypes.Type(value = Steering.Avoid.class, name = "avoid"),
    @JsonSubTypes.Type(value = Steering.Prune.class, name = "prune"),
    @JsonSubTypes.Type(value = Steering.Pin.class, name = "pin"),
    @JsonSubTypes.Type(value = Steering.Unpin.class, name = "unpin"),
    @JsonSubTypes.Type(value = Steering.Inject.class, name = "inject"),
    @JsonSubTypes.Type(value = Steering.Idea.class, name = "idea"),
    @JsonSubTypes.Type(value = Steering.Budget.class, name = "budget"),
    @JsonSubTypes.Type(value = Steering.Workers.class, name = "workers"),
    @JsonSubTypes.Type(value = Steering.Seeds.class, name = "seeds"),
    @JsonSubTypes.Type(value = Steering.Pause.class, name = "pause"),
    @JsonSubTypes.Type(value = Steering.Resume.class, name = "resume"),
    @JsonSubTypes.Type(value = Steering.Stop.class, name = "stop"),
    @JsonSubTypes.Type(value = Steering.Revoke.class, name = "revoke"),
})
public sealed interface Steering {
    ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    /** An op, a library or mined block, a design move, or a few words of a hypothesis theme. */
    Pattern TARGET = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_ .+-]{0,79}");
    int MAX_DEFINITION = 64 * 1024;
    int MAX_TEXT = 2000;

    /** One line for people: what it asks. */
    String describe();

    /** Focus on an idea: the planner prefers it. */
    record Focus(String target) implements Steering {
        public Focus {
            target = checkedTarget(target);
        }

        @Override
        public String describe() {
            return "focus on " + target;
        }
    }

    /**
     * Avoid an idea: no later proposal whose definition uses the op or block {@code target}, or whose
     * hypothesis mentions it, is trained; the planner is told too.
     */
    record Avoid(String target) implements Steering {
        public Avoid {
            target = checkedTarget(target);
        }

        @Override
        public String describe() {
            return "avoid " + target;
        }
    }

    /** Prune the branch under an experiment: no new children in it, and its queued experiments are dropped. */
    record Prune(String experiment, String label) implements Steering {
        public Prune {
            experiment = required(experiment, "experiment");
        }

        @Override
        public String describe() {
            return "prune the branch under " + (label == null ? experiment : label);
        }
    }

    /** Pin the search to an experiment: every step expands it until unpinned (or nothing new is left there). */
    record Pin(String experiment, String label) implements Steering {
        public Pin {
            experiment = required(experiment, "experiment");
        }

        @Override
        public String describe() {
            return "pin the search to " + (label == null ? experiment : label);
        }
    }

    record Unpin() implements Steering {
        @Override
        public String describe() {
            return "unpin the search";
        }
    }

    /** A ready model definition, trained next as a child of {@code parent} (null: the best so far). */
    record Inject(String definition, String parent, String title, String motivation) implements Steering {
        public Inject {
            definition = required(definition, "definition");
            if (definition.length() > MAX_DEFINITION) {
                throw new IllegalArgumentException("the definition is " + definition.length() + " characters; at most "
                        + MAX_DEFINITION + " are accepted");
            }
            title = title == null || title.isBlank() ? "injected definition" : clip(title.strip(), 200);
            motivation = motivation == null ? null : clip(motivation.strip(), MAX_TEXT);
        }

        @Override
        public String describe() {
            return "inject \"" + title + "\"" + (parent == null ? " under the best so far" : " under " + parent);
        }
    }

    /** A hypothesis in words: the next step expands {@code parent} with it, and the planner keeps it in view. */
    record Idea(String text, String parent) implements Steering {
        public Idea {
            text = clip(required(text, "text"), MAX_TEXT);
        }

        @Override
        public String describe() {
            return "try \"" + text + "\"" + (parent == null ? " under the best so far" : " under " + parent);
        }
    }

    /** New limits; a null field keeps the one in force. */
    record Budget(Integer experiments, Long wallClockSeconds) implements Steering {
        public Budget {
            if (experiments == null && wallClockSeconds == null) {
                throw new IllegalArgumentException("a budget directive must set experiments or wall_clock");
            }
            if (experiments != null && (experiments < 1 || experiments > 1_000_000)) {
                throw new IllegalArgumentException("experiments must be between 1 and 1000000, was " + experiments);
            }
            if (wallClockSeconds != null && (wallClockSeconds < 1 || wallClockSeconds > 366L * 86400)) {
                throw new IllegalArgumentException("wall_clock must be between 1 s and a year, was " + wallClockSeconds + " s");
            }
        }

        @Override
        public String describe() {
            StringBuilder b = new StringBuilder("set the budget:");
            if (experiments != null) {
                b.append(" experiments ").append(experiments);
            }
            if (wallClockSeconds != null) {
                b.append(experiments != null ? "," : "").append(" wall clock ").append(Math.round(wallClockSeconds / 60.0))
                        .append(" min");
            }
            return b.toString();
        }
    }

    /** How many training runs go at once. */
    record Workers(int count) implements Steering {
        public Workers {
            if (count < 1 || count > 256) {
                throw new IllegalArgumentException("workers must be between 1 and 256, was " + count);
            }
        }

        @Override
        public String describe() {
            return "run " + count + " worker" + (count == 1 ? "" : "s");
        }
    }

    /** Seeds per design at a stage that has not started. */
    record Seeds(String stage, int seeds) implements Steering {
        public Seeds {
            stage = required(stage, "stage");
            if (seeds < 1 || seeds > 100) {
                throw new IllegalArgumentException("seeds must be between 1 and 100, was " + seeds);
            }
        }

        @Override
        public String describe() {
            return "train stage " + stage + " with " + seeds + " seed" + (seeds == 1 ? "" : "s");
        }
    }

    /** Stop starting runs and planning; the runs in flight finish. */
    record Pause() implements Steering {
        @Override
        public String describe() {
            return "pause";
        }
    }

    record Resume() implements Steering {
        @Override
        public String describe() {
            return "resume";
        }
    }

    /** Stop the campaign as {@code archlab stop} does: the runs in flight finish, then it ends. */
    record Stop() implements Steering {
        @Override
        public String describe() {
            return "stop the campaign";
        }
    }

    /** Withdraw an earlier focus, avoid, prune or pin directive by its number. */
    record Revoke(int seq) implements Steering {
        public Revoke {
            if (seq < 1) {
                throw new IllegalArgumentException("a directive number is 1 or more, was " + seq);
            }
        }

        @Override
        public String describe() {
            return "revoke directive #" + seq;
        }
    }

    default String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a directive as JSON: " + e.getMessage(), e);
        }
    }

    /** Reads a directive's structured JSON; anything malformed is an {@link IllegalArgumentException} in words. */
    static Steering fromJson(String json) {
        if (json == null || json.isBlank()) {
            throw new IllegalArgumentException("the directive has no structured form");
        }
        try {
            return JSON.readValue(json, Steering.class);
        } catch (InvalidTypeIdException e) {
            throw new IllegalArgumentException("unknown directive kind " + e.getTypeId() + " (known: focus, avoid, prune,"
                    + " pin, unpin, inject, idea, budget, workers, seeds, pause, resume, stop, revoke)");
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalArgumentException(cause.getMessage());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the directive is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String checkedTarget(String t) {
        String s = required(t, "target").strip();
        if (!TARGET.matcher(s).matches()) {
            throw new IllegalArgumentException("\"" + clip(s, 40) + "\" is not an op, block, move or theme: use letters,"
                    + " digits, _ - . + and spaces, at most 80 characters");
        }
        return s.toLowerCase(Locale.ROOT);
    }

    private static String required(String v, String field) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(field + " is required");
        }
        return v;
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
