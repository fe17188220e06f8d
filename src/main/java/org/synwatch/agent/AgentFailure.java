package org.synwatch.agent;

/** The agent could not go on; the message says why in an operator's terms. */
public final class AgentFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final String hint;

    public AgentFailure(String message, String hint, Throwable cause) {
        super(message, cause);
        this.hint = hint;
    }

    public String hint() {
        return hint;
    }
}
