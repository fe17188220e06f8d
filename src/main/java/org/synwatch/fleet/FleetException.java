package org.synwatch.fleet;

/** The fleet's Redis could not be reached, or refused (authentication, ACL); the message is the client's. */
public final class FleetException extends Exception {
    private static final long serialVersionUID = 1L;

    FleetException(String message, Throwable cause) {
        super(message, cause);
    }
}
