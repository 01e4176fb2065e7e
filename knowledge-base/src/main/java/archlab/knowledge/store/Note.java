package archlab.knowledge.store;

import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A note or a tag a person put on an experiment. A tag is a short word ({@code keep},
 * {@code needs-seeds}); a note is free text.
 *
 * @param id null until stored
 */
public record Note(Long id, String experimentId, String campaignId, Kind kind, String text, Instant createdAt) {
    /** At most this many characters in a note. */
    public static final int MAX_NOTE = 4000;
    /** A tag: a letter or digit, then letters, digits, '-', '_', '.' or ':', at most 64 in all. */
    public static final Pattern TAG = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N}._:-]{0,63}");

    public enum Kind {
        NOTE, TAG;

        public String dbValue() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Note {
        Objects.requireNonNull(experimentId, "experimentId");
        Objects.requireNonNull(campaignId, "campaignId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
    }

    public static Note note(String experimentId, String campaignId, String text) {
        return new Note(null, experimentId, campaignId, Kind.NOTE, text.strip(), null);
    }

    public static Note tag(String experimentId, String campaignId, String tag) {
        return new Note(null, experimentId, campaignId, Kind.TAG, tag.strip(), null);
    }

    /** Why {@code text} cannot be a note or a tag of this kind, or null when it can. */
    public static String problem(Kind kind, String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) {
            return kind == Kind.TAG ? "a tag needs a word, such as keep" : "a note needs some text";
        }
        if (kind == Kind.TAG && !TAG.matcher(t).matches()) {
            return "a tag is one word of letters, digits, '-', '_', '.' or ':' (at most 64), such as keep or needs-seeds;"
                    + " found \"" + (t.length() > 40 ? t.substring(0, 40) + "…" : t) + "\"";
        }
        if (kind == Kind.NOTE && t.length() > MAX_NOTE) {
            return "a note has at most " + MAX_NOTE + " characters, this one " + t.length();
        }
        return null;
    }
}
