package archlab.agent.llm;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The API keys in use, known only so that they can be blanked out of anything archlab writes: a
 * provider that echoes a key in an error body must not put it in the ledger, a log or a message.
 * Values shorter than 16 characters are not treated as secrets: local servers take placeholders such
 * as {@code EMPTY}, and blanking those would corrupt prompts and replies that contain the word.
 */
final class Secrets {
    private static final int MIN_SECRET_LENGTH = 16;
    private final Map<String, String> envByValue = new ConcurrentHashMap<>();

    void add(String envName, String value) {
        if (value != null && value.length() >= MIN_SECRET_LENGTH) {
            envByValue.put(value, envName);
        }
    }

    String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (Map.Entry<String, String> e : envByValue.entrySet()) {
            out = out.replace(e.getKey(), "[$" + e.getValue() + "]");
        }
        return out;
    }

    @Override
    public String toString() {
        return "Secrets[" + envByValue.size() + " redacted]";
    }
}
