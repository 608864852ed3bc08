package io.outpost.link.codec;

/** A frame that is not a valid message; the message says what is wrong with it. */
public class CodecException extends Exception {
    private static final long serialVersionUID = 1L;

    public CodecException(String message) {
        super(message);
    }
}
