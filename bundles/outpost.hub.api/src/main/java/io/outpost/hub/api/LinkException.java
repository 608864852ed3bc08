package io.outpost.hub.api;

/**
 * A link or join failure; the message says what went wrong and what to check.
 *
 * @since 1.0
 */
public class LinkException extends Exception {
    private static final long serialVersionUID = 1L;

    public LinkException(String message) {
        super(message);
    }

    public LinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
