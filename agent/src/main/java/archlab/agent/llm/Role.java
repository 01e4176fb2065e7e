package archlab.agent.llm;

/** The roles that may each have their own model. */
public enum Role {
    PLANNER, CODER, ANALYST, JUDGE, CONSOLE;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
