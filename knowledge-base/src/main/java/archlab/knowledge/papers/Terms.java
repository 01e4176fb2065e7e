package archlab.knowledge.papers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The keyword side's analyser: lower case, split on anything that is not a letter or digit, drop English
 * stop words, and fold inflections with a light suffix stripper ("degrades", "degraded", "degrading" →
 * "degrad"; "states" → "stat"). Queries and notes go through the same function, so the stems need only be
 * consistent, not words. A full Porter stemmer would conflate a little more; on 30 short notes whose wording
 * the semantic side already bridges, this is enough.
 */
final class Terms {

    private static final Set<String> STOP = Set.of(
            "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "do", "does", "for", "from", "has",
            "have", "how", "i", "if", "in", "into", "is", "it", "its", "of", "on", "or", "so", "such", "than", "that",
            "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "too", "was", "we", "were",
            "what", "when", "where", "which", "while", "who", "why", "will", "with", "you", "your", "not", "no", "one",
            "each", "also", "more", "most", "very", "only", "own", "same", "some", "any", "all", "both", "other",
            "over", "under", "up", "out", "about", "after", "before", "between", "through", "would", "should",
            "could", "may", "might", "must", "our", "us", "my", "me", "he", "she", "his", "her");

    private Terms() {
    }

    /** The terms of {@code text}, in order, repeats kept. */
    static List<String> of(String text) {
        List<String> out = new ArrayList<>();
        String lower = text.toLowerCase(Locale.ROOT);
        int i = 0;
        int n = lower.length();
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(lower.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && Character.isLetterOrDigit(lower.charAt(i))) {
                i++;
            }
            if (i > start) {
                String word = lower.substring(start, i);
                if (!STOP.contains(word)) {
                    out.add(stem(word));
                }
            }
        }
        return out;
    }

    /** A light suffix stripper: plurals, then -ing / -ed, then a final -e. */
    static String stem(String w) {
        if (w.length() <= 3 || !Character.isLetter(w.charAt(w.length() - 1))) {
            return w;
        }
        if (w.endsWith("ies") && w.length() > 4) {
            w = w.substring(0, w.length() - 3) + "y";
        } else if (w.endsWith("sses")) {
            w = w.substring(0, w.length() - 2);
        } else if (w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us") && !w.endsWith("is")) {
            w = w.substring(0, w.length() - 1);
        }
        if (w.endsWith("ing") && w.length() > 5) {
            w = w.substring(0, w.length() - 3);
        } else if (w.endsWith("ed") && w.length() > 4) {
            w = w.substring(0, w.length() - 2);
        }
        if (w.endsWith("e") && w.length() > 4) {
            w = w.substring(0, w.length() - 1);
        }
        return w;
    }
}
