package io.outpost.mapper.opcua.client;

/** An OPC UA exchange that failed, with what kind of failure it was and a message for users. */
public final class UaFailure extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong; the mapper turns these into offline reasons. */
    public enum Kind {
        /** No answer within the timeout. */
        TIMEOUT,
        /** Connection refused, host unknown, connection lost. */
        UNREACHABLE,
        /** Certificates, security policy, user identity. */
        SECURITY,
        /** The configuration does not fit the server: unknown node, no such endpoint, wrong type. */
        CONFIG,
        /** The server answered with a bad status. */
        DEVICE
    }

    private final Kind kind;

    public UaFailure(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public UaFailure(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
