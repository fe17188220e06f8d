package org.synwatch.agent;

/** The agent could not go on; the message says why in an operator's terms. */
public final class AgentFailure extends Exception {
    private static final long serialVersionUID = 1L;

    public AgentFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
