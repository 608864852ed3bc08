package io.outpost.mapper.api;

/**
 * A read, write or open that failed, with a kind that becomes the device's offline reason.
 *
 * @since 0.1
 */
public class MapperException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why it failed. */
    public enum Kind {
        /** The device did not answer in time. */
        TIMEOUT,
        /** The connection was refused or lost. */
        UNREACHABLE,
        /** The device answered with an error (an exception response, a bad status code). */
        DEVICE_ERROR,
        /** Authentication, certificates or permissions. */
        SECURITY,
        /** The configuration does not fit the device (wrong address, type mismatch). */
        CONFIG,
        /** The mapper cannot do this (for example write a read-only value). */
        UNSUPPORTED
    }

    private final Kind kind;

    /**
     * @param kind why
     * @param message what happened and, where possible, what to do; shown to users
     */
    public MapperException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public MapperException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** @return why it failed */
    public Kind kind() {
        return kind;
    }
}
