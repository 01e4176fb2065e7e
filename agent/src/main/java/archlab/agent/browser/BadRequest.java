package archlab.agent.browser;

/** An input the browser refuses, with the reason a person reads (HTTP 400). */
public final class BadRequest extends RuntimeException {
    public BadRequest(String message) {
        super(message);
    }
}
