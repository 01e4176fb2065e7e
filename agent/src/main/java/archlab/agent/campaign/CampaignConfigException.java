package archlab.agent.campaign;

import java.util.List;

/** A campaign file that cannot run. Each problem names the file, the line and the field. */
public final class CampaignConfigException extends Exception {
    private final List<String> problems;

    CampaignConfigException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
