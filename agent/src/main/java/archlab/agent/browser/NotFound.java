package archlab.agent.browser;

/** A campaign, experiment or page that does not exist (HTTP 404), with what was looked for. */
public final class NotFound extends RuntimeException {
    public NotFound(String message) {
        super(message);
    }
}
