package io.outpost.link.token;

/** A token that is malformed, expired, revoked or not ours; the message says which. */
public class TokenException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a token was refused; decides the HTTP status (401 or 403). */
    public enum Reason { MISSING, MALFORMED, BAD_SIGNATURE, EXPIRED, REVOKED, FOREIGN_CA }

    private final Reason reason;

    public TokenException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
