package io.outpost.pod.api;

/**
 * A request about a pod that cannot be answered; the message says what to do.
 *
 * @since 0.1
 */
public class PodException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why. */
    public enum Reason {
        /** The pod, container or log does not exist here. */
        NOT_FOUND,
        /** The request is incomplete or wrong (for example, no container named in a pod with several). */
        BAD_REQUEST,
        /** The log could not be read. */
        IO
    }

    private final Reason reason;

    public PodException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
