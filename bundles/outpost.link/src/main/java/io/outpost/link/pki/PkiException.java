package io.outpost.link.pki;

/** A certificate, key or request that cannot be used; the message says why. */
public class PkiException extends Exception {
    private static final long serialVersionUID = 1L;

    public PkiException(String message) {
        super(message);
    }
}
