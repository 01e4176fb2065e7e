package archlab.agent.campaign;

/** The campaign cannot go on (its baseline does not check or does not train); the message says why. */
public final class CampaignFailedException extends RuntimeException {
    public CampaignFailedException(String message) {
        super(message);
    }
}
