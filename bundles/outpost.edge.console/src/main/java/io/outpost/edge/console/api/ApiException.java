package io.outpost.edge.console.api;

/** A request the console cannot serve: an HTTP status and a message that says what to do. */
public final class ApiException extends Exception {
    private final int status;

    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** A service the console needs is not running. */
    public static ApiException unavailable(String what, String hint) {
        return new ApiException(503, what + " is not available" + (hint == null || hint.isEmpty() ? "" : ": " + hint));
    }
}
