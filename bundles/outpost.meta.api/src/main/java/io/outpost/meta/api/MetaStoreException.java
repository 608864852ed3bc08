package io.outpost.meta.api;

/**
 * The meta store could not do what was asked (disk full, database locked or damaged, a value
 * too large). The message says what happened and where the database is.
 *
 * @since 0.1
 */
public class MetaStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MetaStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public MetaStoreException(String message) {
        super(message);
    }
}
