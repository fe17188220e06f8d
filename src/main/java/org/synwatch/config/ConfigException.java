package org.synwatch.config;

/** A value the user gave is unusable; {@code hint} says what would work. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String hint;

    public ConfigException(String message, String hint) {
        super(message);
        this.hint = hint;
    }

    public String hint() {
        return hint;
    }
}
